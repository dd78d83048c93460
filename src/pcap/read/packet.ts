/**
 * The packet record every capture decoder fills and every consumer reads.
 *
 * Zero-copy contract (as gopacket's `ZeroCopyReadPacketData`): `buf` is the
 * reader's window and the packet's bytes are `buf[offset, offset + capLen)`.
 * The record object and the bytes it points to are valid only until the
 * callback that received them returns; the reader then overwrites both.
 * Copy (`packetBytes(p).slice()`) what must outlive the callback.
 */
import type { ErrorCode } from '../../errors.js';

/** Capture file format as the contract's JSON names it. */
export type CaptureFormat = 'pcap' | 'pcapng';

export class PacketRecord {
  /** 1-based packet number in the capture (tshark's frame.number for packet records). */
  index = 0;
  /** The reader's window; see the zero-copy contract above. */
  buf: Uint8Array = new Uint8Array(0);
  /** Start of this packet's bytes in `buf`. */
  offset = 0;
  /** Captured length: bytes present in the file. */
  capLen = 0;
  /** Original length on the wire (>= capLen unless the file says otherwise). */
  origLen = 0;
  /** Whole seconds since the epoch (UTC); meaningless when `hasTimestamp` is false. */
  tsSec = 0;
  /** Nanoseconds within `tsSec`, 0..999999999. */
  tsNsec = 0;
  /** False for pcapng simple packet blocks, which carry no timestamp. */
  hasTimestamp = true;
  /** LINKTYPE_* of the interface that captured it (https://www.tcpdump.org/linktypes.html). */
  linkType = 0;
  /** pcapng interface id within its section (0 for classic pcap). */
  interfaceId = 0;
  /** Byte offset of this record's header in the input. */
  fileOffset = 0;
}

/** The packet's captured bytes as a zero-copy view (valid only inside the callback). */
export function packetBytes(p: PacketRecord): Uint8Array {
  return p.buf.subarray(p.offset, p.offset + p.capLen);
}

/** The timestamp as floating-point epoch seconds (microsecond-exact for today's dates). */
export function packetTime(p: PacketRecord): number {
  return p.tsSec + p.tsNsec / 1e9;
}

/** Something wrong in the input that did not stop the packets before it from being used. */
export interface CaptureWarning {
  code: ErrorCode;
  /** Byte offset in the input where the problem starts. */
  offset: number;
  message: string;
}

/** What the reader learned about the capture besides its packets. */
export interface CaptureInfo {
  format: CaptureFormat;
  /** Link types in order of first appearance (one per pcap file; one per pcapng interface). */
  linkTypes: number[];
  warnings: CaptureWarning[];
  /** Warnings beyond DEFAULTS.pcapMaxWarnings that were counted but not kept. */
  droppedWarnings: number;
  /** Packet records read. */
  packets: number;
  /** Bytes of input consumed (whole records). */
  bytesRead: number;
}
