/**
 * Writes a capture of SYN-only TCP streams (a SYN scan or flood seen from the
 * target): each packet a SYN from another source port/address to one server,
 * so each is its own tcp.stream that never completes. Used by the stream-table
 * memory tests and the hand measurement in docs/pcap.md. Deterministic.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const FRAME = 14 + 20 + 20;
const RECORD = 16 + FRAME;
const BATCH = 4096;

/**
 * @param path output file (classic pcap, microsecond, Ethernet)
 * @param count streams (one SYN each)
 * @param gapUs capture time between packets, in microseconds
 * @returns bytes written
 */
export function writeSynOnlyCapture(path: string, count: number, gapUs = 10): number {
  const fd = openSync(path, 'w');
  try {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(1, 20);
    writeSync(fd, header);
    let written = header.length;
    const buf = Buffer.alloc(RECORD * BATCH);
    const t0 = 1_700_000_000 * 1e6;
    for (let i = 0; i < count; i += BATCH) {
      const n = Math.min(BATCH, count - i);
      for (let j = 0; j < n; j++) {
        const k = i + j;
        const o = j * RECORD;
        const us = t0 + k * gapUs;
        buf.writeUInt32LE(Math.floor(us / 1e6), o);
        buf.writeUInt32LE(us % 1e6, o + 4);
        buf.writeUInt32LE(FRAME, o + 8);
        buf.writeUInt32LE(FRAME, o + 12);
        const f = o + 16;
        buf.fill(0, f, f + FRAME);
        buf.writeUInt16BE(0x0800, f + 12);
        buf[f + 14] = 0x45;
        buf.writeUInt16BE(40, f + 16);
        buf[f + 22] = 64;
        buf[f + 23] = 6;
        // Source 10.a.b.c, a new one every 50 000 ports.
        const host = Math.floor(k / 50_000);
        buf[f + 26] = 10;
        buf[f + 27] = (host >> 16) & 0xff;
        buf[f + 28] = (host >> 8) & 0xff;
        buf[f + 29] = host & 0xff;
        buf[f + 30] = 192;
        buf[f + 31] = 168;
        buf[f + 32] = 1;
        buf[f + 33] = 1;
        buf.writeUInt16BE(10_000 + (k % 50_000), f + 34);
        buf.writeUInt16BE(80, f + 36);
        buf.writeUInt32BE((k * 2654435761) >>> 0, f + 38);
        buf[f + 46] = 0x50;
        buf[f + 47] = 0x02;
        buf.writeUInt16BE(65535, f + 48);
      }
      writeSync(fd, buf, 0, n * RECORD);
      written += n * RECORD;
    }
    return written;
  } finally {
    closeSync(fd);
  }
}
