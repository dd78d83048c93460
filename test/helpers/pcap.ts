/** Shared helpers of the pcap tests: fixtures, tshark/capinfos runs, capture builders. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openCapture, type CaptureOptions } from '../../src/pcap/read/source.js';
import type { CaptureInfo } from '../../src/pcap/read/packet.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/pcap/', import.meta.url));

/** Every capture file among the fixtures. */
export function sampleFiles(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
    .sort();
}

/** Runs a reference tool (tshark, capinfos) and returns its stdout; throws with its stderr on failure. */
export function tool(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message} (install tshark: apt-get install tshark)`);
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** tshark -T fields output as rows of columns. */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): string[][] {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=f', ...extra];
  for (const f of fields) args.push('-e', f);
  return tool('tshark', args, true)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

export interface ReadPacket {
  index: number;
  tsSec: number;
  tsNsec: number;
  hasTimestamp: boolean;
  capLen: number;
  origLen: number;
  linkType: number;
  data: Uint8Array;
}

/** Reads a whole capture (file or chunks) into owned packets. */
export async function readAll(
  input: string | AsyncIterable<Uint8Array>,
  options: CaptureOptions = {},
): Promise<{ packets: ReadPacket[]; info: CaptureInfo }> {
  const src = await openCapture(input, options);
  const packets: ReadPacket[] = [];
  const info = await src.forEach((p) => {
    packets.push({
      index: p.index,
      tsSec: p.tsSec,
      tsNsec: p.tsNsec,
      hasTimestamp: p.hasTimestamp,
      capLen: p.capLen,
      origLen: p.origLen,
      linkType: p.linkType,
      data: p.buf.slice(p.offset, p.offset + p.capLen),
    });
  });
  return { packets, info };
}

/** An async iterable yielding `bytes` cut at the given offsets. */
export async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let last = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c <= last || c >= bytes.length) continue;
    yield bytes.subarray(last, c);
    last = c;
  }
  yield bytes.subarray(last);
}

export interface RecordSpec {
  sec: number;
  frac: number;
  data: Uint8Array;
  origLen?: number;
}

/** A classic pcap file. */
export function buildPcap(records: RecordSpec[], opts: { le?: boolean; nano?: boolean; linkType?: number } = {}): Buffer {
  const le = opts.le ?? true;
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  w32(h, opts.nano === true ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 262144, 16);
  w32(h, opts.linkType ?? 1, 20);
  parts.push(h);
  for (const r of records) {
    const rh = Buffer.alloc(16);
    w32(rh, r.sec, 0);
    w32(rh, r.frac, 4);
    w32(rh, r.data.length, 8);
    w32(rh, r.origLen ?? r.data.length, 12);
    parts.push(rh, Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

/** One pcapng block with its type, body and both lengths, padded to 32 bits. */
export function pcapngBlock(type: number, body: Uint8Array, le = true): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  const w32 = (v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  w32(type, 0);
  w32(len, 4);
  Buffer.from(body).copy(b, 8);
  w32(len, len - 4);
  return b;
}

/** Section header body (byte-order magic, version 1.0, unknown length). */
export function shbBody(le = true): Buffer {
  const b = Buffer.alloc(16);
  if (le) {
    b.writeUInt32LE(0x1a2b3c4d, 0);
    b.writeUInt16LE(1, 4);
  } else {
    b.writeUInt32BE(0x1a2b3c4d, 0);
    b.writeUInt16BE(1, 4);
  }
  b.fill(0xff, 8, 16);
  return b;
}

/** Interface description body, optionally with if_tsresol. */
export function idbBody(linkType: number, tsresol?: number, le = true): Buffer {
  const opts = tsresol === undefined ? Buffer.alloc(0) : Buffer.alloc(12);
  const b = Buffer.alloc(8);
  if (le) {
    b.writeUInt16LE(linkType, 0);
    b.writeUInt32LE(0, 4);
  } else {
    b.writeUInt16BE(linkType, 0);
    b.writeUInt32BE(0, 4);
  }
  if (tsresol !== undefined) {
    if (le) opts.writeUInt16LE(9, 0), opts.writeUInt16LE(1, 2);
    else opts.writeUInt16BE(9, 0), opts.writeUInt16BE(1, 2);
    opts[4] = tsresol;
    // opts[8..12) is opt_endofopt (zeros)
  }
  return Buffer.concat([b, opts]);
}

/** Enhanced packet block body. */
export function epbBody(iface: number, ts: bigint, data: Uint8Array, le = true): Buffer {
  const b = Buffer.alloc(20);
  const w32 = (v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  w32(iface, 0);
  w32(Number(ts >> 32n), 4);
  w32(Number(ts & 0xffffffffn), 8);
  w32(data.length, 12);
  w32(data.length, 16);
  const pad = Buffer.alloc((4 - (data.length % 4)) % 4);
  return Buffer.concat([b, Buffer.from(data), pad]);
}

/** A minimal Ethernet/IPv4/UDP frame from `src` to `dst` (dotted quads). */
export function udpFrame(src: string, dst: string, sport: number, dport: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const f = Buffer.alloc(14 + 20 + 8 + payload.length);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(28 + payload.length, 16);
  f[22] = 64;
  f[23] = 17;
  src.split('.').forEach((x, i) => (f[26 + i] = Number(x)));
  dst.split('.').forEach((x, i) => (f[30 + i] = Number(x)));
  f.writeUInt16BE(sport, 34);
  f.writeUInt16BE(dport, 36);
  f.writeUInt16BE(8 + payload.length, 38);
  Buffer.from(payload).copy(f, 42);
  return f;
}

/** A minimal Ethernet/IPv4/TCP frame. */
export function tcpFrame(
  src: string,
  dst: string,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array = new Uint8Array(0),
): Buffer {
  const f = Buffer.alloc(14 + 20 + 20 + payload.length);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(40 + payload.length, 16);
  f[22] = 64;
  f[23] = 6;
  src.split('.').forEach((x, i) => (f[26 + i] = Number(x)));
  dst.split('.').forEach((x, i) => (f[30 + i] = Number(x)));
  f.writeUInt16BE(sport, 34);
  f.writeUInt16BE(dport, 36);
  f.writeUInt32BE(seq >>> 0, 38);
  f.writeUInt32BE(ack >>> 0, 42);
  f[46] = 0x50;
  f[47] = flags;
  f.writeUInt16BE(65535, 48);
  Buffer.from(payload).copy(f, 54);
  return f;
}
