/**
 * The sans-IO contract of a capture format decoder: bytes in through
 * `decode(buf, start, end)`, packets out through the `onPacket` callback. It
 * never touches a file, a stream or the clock, so the same decoder reads a
 * file, a pipe (tcpdump -w -) or an in-memory test buffer split at any offset.
 */
import type { CaptureFormat, PacketRecord } from './packet.js';
import type { WarningSink } from './warnings.js';

export interface RecordDecoder {
  readonly format: CaptureFormat;
  /** Link types seen so far, in order of first appearance. */
  readonly linkTypes: number[];
  /**
   * Decodes every complete record in `buf[start, end)` and returns the offset
   * of the first byte it did not consume (the start of an incomplete record).
   * @throws CaptureFormatError when the file header shows this is not a capture.
   */
  decode(buf: Uint8Array, start: number, end: number): number;
  /** Bytes the record at the returned offset needs in one piece (the caller's window must hold them). */
  readonly need: number;
  /** True once corruption stopped decoding; further input is ignored. */
  readonly stopped: boolean;
  /** Packets emitted so far. */
  readonly packets: number;
  /** Input bytes consumed so far (whole records). */
  readonly consumed: number;
  /** End of input with `leftover` unconsumed bytes: records the truncation warning, if any. */
  finish(leftover: number): void;
}

/** What every decoder is built with. */
export interface DecoderContext {
  /** Receives each packet; the record is reused (see PacketRecord's zero-copy contract). */
  onPacket: (p: PacketRecord) => void;
  warnings: WarningSink;
  /** Largest record or block accepted, in bytes. */
  maxRecordBytes: number;
}
