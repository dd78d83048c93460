/**
 * A classic pcap file writer (the format of libpcap, tcpdump -w and
 * Wireshark's "pcap"): microsecond timestamps, little-endian, one link type.
 * Writes are synchronous and batched: memory stays bounded by one batch
 * whatever the traffic, and a batch is flushed at most FLUSH_INTERVAL_MS
 * after it starts, so a live reader (tshark -r, tail) sees packets promptly.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { FileError } from '../../errors.js';
import { invalidOption } from '../../util/validate.js';

/** https://www.tcpdump.org/linktypes.html */
export const LINKTYPE_ETHERNET = 1;

const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const BATCH_BYTES = 64 * 1024;
const FLUSH_INTERVAL_MS = 200;
/** Largest frame we write; also the file's snaplen, so nothing is ever cut. */
export const MAX_FRAME_BYTES = 262_144;

export class PcapWriter {
  readonly path: string;
  #fd: number | undefined;
  #batch = Buffer.allocUnsafe(BATCH_BYTES);
  #used = 0;
  #timer: NodeJS.Timeout | undefined;
  #packets = 0;

  /**
   * Creates (truncates) `path` and writes the global header.
   * @throws FileError when the file cannot be created
   */
  constructor(path: string, linktype = LINKTYPE_ETHERNET) {
    this.path = path;
    try {
      this.#fd = openSync(path, 'w', 0o644);
    } catch (err) {
      throw new FileError(`cannot create capture file ${path}: ${(err as Error).message}`, { cause: err });
    }
    const header = Buffer.alloc(GLOBAL_HEADER_BYTES);
    header.writeUInt32LE(MAGIC_MICROSECONDS, 0);
    header.writeUInt16LE(2, 4); // version 2.4
    header.writeUInt16LE(4, 6);
    header.writeInt32LE(0, 8); // thiszone: UTC
    header.writeUInt32LE(0, 12); // sigfigs
    header.writeUInt32LE(MAX_FRAME_BYTES, 16); // snaplen
    header.writeUInt32LE(linktype, 20);
    writeSync(this.#fd, header);
  }

  /** Packets written so far. */
  get packets(): number {
    return this.#packets;
  }

  /**
   * Appends one frame captured at `timeUs` (microseconds since the epoch).
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT for a frame over MAX_FRAME_BYTES (a bug in the caller)
   */
  write(timeUs: bigint, frame: Uint8Array): void {
    if (this.#fd === undefined) return;
    if (frame.length > MAX_FRAME_BYTES) throw invalidOption('frame', `at most ${MAX_FRAME_BYTES} bytes (the snaplen)`, frame);
    const needed = RECORD_HEADER_BYTES + frame.length;
    if (this.#used + needed > this.#batch.length) this.flush();
    if (needed > this.#batch.length) this.#batch = Buffer.allocUnsafe(needed);
    const b = this.#batch;
    const at = this.#used;
    b.writeUInt32LE(Number(timeUs / 1_000_000n), at);
    b.writeUInt32LE(Number(timeUs % 1_000_000n), at + 4);
    b.writeUInt32LE(frame.length, at + 8); // captured length
    b.writeUInt32LE(frame.length, at + 12); // original length
    b.set(frame, at + RECORD_HEADER_BYTES);
    this.#used += needed;
    this.#packets += 1;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  /** Writes the pending batch to the file now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#fd === undefined || this.#used === 0) return;
    writeSync(this.#fd, this.#batch, 0, this.#used);
    this.#used = 0;
    if (this.#batch.length > BATCH_BYTES) this.#batch = Buffer.allocUnsafe(BATCH_BYTES);
  }

  close(): void {
    this.flush();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
