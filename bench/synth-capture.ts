/**
 * Writes a large synthetic pcap for benchmarks and the memory test: Ethernet,
 * IPv4, TCP streams with consistent sequence numbers and some UDP, mixed
 * packet sizes, local (192.168.1.0/24) and remote hosts, increasing
 * microsecond timestamps. Deterministic (seeded), generated at run time and
 * never committed.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** What was written. */
export interface SynthResult {
  packets: number;
  bytes: number;
  capturedBytes: number;
}

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIZES = [60, 66, 74, 120, 300, 576, 1000, 1400, 1514, 1514, 1514, 1514];
const STREAMS = 64;
const MIN_HTTP_PAYLOAD = 80;

/**
 * An HTTP/1.1 request (client) or response (server) of exactly `length`
 * bytes at `at`: the head, then a body filling the rest, with its
 * Content-Length, so that every segment is one whole message.
 */
function writeHttpMessage(buf: Buffer, at: number, length: number, request: boolean): void {
  const start = request ? 'POST /upload HTTP/1.1\r\nHost: bench.example\r\nUser-Agent: netlab-bench\r\n' : 'HTTP/1.1 200 OK\r\nServer: bench\r\n';
  // Content-Length has at most 4 digits here; pad the head so the body length is exact.
  let head = `${start}Content-Length: `;
  const bodyLength = length - head.length - 4 - 4;
  head += `${String(bodyLength).padStart(4, '0')}\r\n\r\n`;
  buf.write(head, at, 'latin1');
  buf.fill(0x61, at + head.length, at + length);
}

/**
 * Writes about `targetBytes` of capture to `path`.
 * @param path output file
 * @param targetBytes stop once the file is at least this large
 * @param seed PRNG seed
 */
export function writeSyntheticCapture(path: string, targetBytes: number, seed = 1): SynthResult {
  const rand = rng(seed);
  const fd = openSync(path, 'w');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  let o = 0;
  // pcap file header, little-endian, microseconds, Ethernet.
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(262144, 16);
  buf.writeUInt32LE(1, 20);
  o = 24;
  let total = 24;
  let packets = 0;
  let captured = 0;
  let sec = 1_700_000_000;
  let usec = 0;
  const seq = new Uint32Array(STREAMS * 2);
  for (let i = 0; i < seq.length; i++) seq[i] = Math.floor(rand() * 0xffffffff);
  while (total < targetBytes) {
    const size = SIZES[Math.floor(rand() * SIZES.length)]!;
    if (o + 16 + size > buf.length) {
      writeSync(fd, buf, 0, o);
      o = 0;
    }
    usec += 1 + Math.floor(rand() * 200);
    if (usec >= 1e6) {
      sec += Math.floor(usec / 1e6);
      usec %= 1e6;
    }
    buf.writeUInt32LE(sec, o);
    buf.writeUInt32LE(usec, o + 4);
    buf.writeUInt32LE(size, o + 8);
    buf.writeUInt32LE(size, o + 12);
    const f = o + 16;
    buf.fill(0, f, f + size);
    // Ethernet
    buf.writeUInt32BE(0x02000000, f);
    buf.writeUInt16BE(0x0001, f + 4);
    buf.writeUInt32BE(0x02000000, f + 6);
    buf.writeUInt16BE(0x0002, f + 10);
    buf.writeUInt16BE(0x0800, f + 12);
    const stream = Math.floor(rand() * STREAMS);
    const toServer = rand() < 0.5;
    const udp = stream % 8 === 7;
    const ip = f + 14;
    const l4 = ip + 20;
    const headers = udp ? 8 : 20;
    const http = !udp && stream % 4 === 1;
    let payload = Math.max(0, size - 14 - 20 - headers);
    // HTTP streams carry whole messages, one a segment; a segment too small for one carries none.
    if (http && payload < MIN_HTTP_PAYLOAD) payload = 0;
    buf[ip] = 0x45;
    buf.writeUInt16BE(20 + headers + payload, ip + 2);
    buf[ip + 8] = 64;
    buf[ip + 9] = udp ? 17 : 6;
    const local = 0xc0a80100 + 1 + (stream % 16); // 192.168.1.x
    const remote = stream % 3 === 0 ? 0x0a000001 + stream : 0x5db8d800 + stream; // 10.0.0.x or 93.184.216.x
    buf.writeUInt32BE(toServer ? local : remote, ip + 12);
    buf.writeUInt32BE(toServer ? remote : local, ip + 16);
    const cport = 40000 + stream;
    const sport = udp ? 53 : http ? 80 : 443;
    buf.writeUInt16BE(toServer ? cport : sport, l4);
    buf.writeUInt16BE(toServer ? sport : cport, l4 + 2);
    if (udp) {
      buf.writeUInt16BE(8 + payload, l4 + 4);
    } else {
      const dirIdx = stream * 2 + (toServer ? 0 : 1);
      buf.writeUInt32BE(seq[dirIdx]!, l4 + 4);
      buf.writeUInt32BE(seq[stream * 2 + (toServer ? 1 : 0)]!, l4 + 8);
      buf[l4 + 12] = 0x50;
      buf[l4 + 13] = 0x18; // PSH ACK
      buf.writeUInt16BE(65535, l4 + 14);
      seq[dirIdx] = (seq[dirIdx]! + payload) >>> 0;
    }
    if (http && payload > 0) writeHttpMessage(buf, l4 + headers, payload, toServer);
    else for (let i = 0; i < payload; i += 97) buf[l4 + headers + i] = 0x41 + (i % 26);
    o += 16 + size;
    total += 16 + size;
    packets++;
    captured += size;
  }
  writeSync(fd, buf, 0, o);
  closeSync(fd);
  return { packets, bytes: total, capturedBytes: captured };
}
