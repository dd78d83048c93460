/**
 * The compact record of every TCP stream of a capture, and the index from a
 * 4-tuple to its latest stream. What `pcap follow --list` prints must be kept
 * for every stream until the end, so it is kept as numbers in typed arrays
 * (about 90 bytes a stream, allocated in chunks; IPv6 streams 32 more): endpoints, packet and byte
 * counts, the base and next sequence numbers per side and a few flags. The
 * reassembly buffers live elsewhere (TcpStreams) and only while a stream is
 * open. The 4-tuple index is an open-addressing table of stream numbers whose
 * keys are the endpoints already stored here, so it costs 8 bytes a stream
 * and no string per packet.
 */
import { formatEndpoint, formatIpv6, ipv4FromNumber } from '../layers/address.js';
import type { Dissection } from '../layers/dissection.js';

const CHUNK_BITS = 14;
/** Streams per allocation (and per drop, when old records are let go). */
export const STREAM_CHUNK = 1 << CHUNK_BITS;
const CHUNK = STREAM_CHUNK;
const MASK = CHUNK - 1;

// Uint32 columns (per stream, interleaved).
const U_CADDR = 0; // IPv4 address, or the IPv6 address folded to 32 bits (the address is in the chunk's IPv6 array)
const U_SADDR = 1;
const U_PORTS = 2; // client port << 16 | server port
const U_BASE = 3; // + side
const U_NEXT = 5; // + side
const U_PACKETS = 7;
const U_GAPS = 8;
const U32_STRIDE = 9;
// Float64 columns.
const F_FIRST = 0;
const F_BYTES = 1; // + side
const F_UNDELIVERED = 3;
const F_UNCAPTURED = 4;
const F64_STRIDE = 5;

/** Flag bits of a stream. */
export const STREAM_FLAGS = Object.freeze({
  V6: 1,
  /** BASE << side: base sequence number known. */
  BASE: 2,
  /** NEXT << side: next expected sequence number known (saved when reassembly stopped). */
  NEXT: 8,
  TLS: 32,
  TLS_DECIDED: 64,
  KEYS: 128,
  KEYS_DECIDED: 256,
  /** The consumer did not accept the stream: its payload is not reassembled. */
  REFUSED: 512,
  /** Reassembly state exists (TcpStreams' open-stream table holds it). */
  LIVE: 1024,
} as const);

function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** The four 32-bit words of an IPv6 address folded into one (for hashing only). */
function fold6(b: Uint8Array, o: number): number {
  return (u32be(b, o) ^ u32be(b, o + 4) ^ u32be(b, o + 8) ^ u32be(b, o + 12)) >>> 0;
}

/** The same for both directions of a connection (a and c swap together with sp and dp). */
function tupleHash(a: number, c: number, sp: number, dp: number): number {
  let h = Math.imul((a ^ c) ^ Math.imul((a + c) | 0, 0x27d4eb2d), 0x9e3779b1) ^ Math.imul((sp ^ dp) | ((sp + dp) << 17), 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function equal16(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

export class StreamTable {
  /** Streams recorded (the next stream number). */
  count = 0;
  /** After find(): the side (0 client, 1 server) that sent the packet. */
  side: 0 | 1 = 0;
  /** Per chunk; null once dropped (dropOldestChunk). */
  readonly #u32: (Uint32Array | null)[] = [];
  readonly #f64: (Float64Array | null)[] = [];
  readonly #flags: (Uint16Array | null)[] = [];
  /** IPv6 client and server addresses (32 bytes a stream), allocated for a chunk at its first IPv6 stream. */
  readonly #v6: (Uint8Array | null)[] = [];
  /** Streams before this one were dropped; their slots are tombstones until the next rehash. */
  #firstKept = 0;
  #slots = new Int32Array(1024);
  #slotMask = 1023;
  /** Non-empty slots (tombstones included). */
  #used = 0;
  /** After find(): the slot of the tuple (its stream, or the empty slot to fill). */
  #slot = 0;

  /**
   * The latest stream of the packet's 4-tuple, or -1; sets `side`.
   * @param d a TCP dissection
   */
  find(d: Dissection): number {
    const b = d.buf;
    const v6 = d.ipVersion === 6;
    const a = v6 ? fold6(b, d.srcOffset) : u32be(b, d.srcOffset);
    const c = v6 ? fold6(b, d.dstOffset) : u32be(b, d.dstOffset);
    const sp = d.srcPort;
    const dp = d.dstPort;
    const slots = this.#slots;
    const mask = this.#slotMask;
    const fwdPorts = ((sp << 16) | dp) >>> 0;
    const revPorts = ((dp << 16) | sp) >>> 0;
    for (let i = tupleHash(a, c, sp, dp) & mask; ; i = (i + 1) & mask) {
      const v = slots[i]!;
      if (v === 0) {
        this.#slot = i;
        return -1;
      }
      const index = v - 1;
      if (index < this.#firstKept) continue;
      const u = this.#u32[index >>> CHUNK_BITS]!;
      const o = (index & MASK) * U32_STRIDE;
      const isV6 = (this.#flags[index >>> CHUNK_BITS]![index & MASK]! & STREAM_FLAGS.V6) !== 0;
      if (isV6 !== v6) continue;
      const ports = u[o + U_PORTS]!;
      if (ports !== fwdPorts && ports !== revPorts) continue;
      let side: 0 | 1 | -1 = -1;
      if (!v6) {
        if (ports === fwdPorts && u[o + U_CADDR] === a && u[o + U_SADDR] === c) side = 0;
        else if (ports === revPorts && u[o + U_CADDR] === c && u[o + U_SADDR] === a) side = 1;
      } else {
        const pool = this.#v6[index >>> CHUNK_BITS]!;
        const ca = (index & MASK) * 32;
        const sa = ca + 16;
        if (ports === fwdPorts && u[o + U_CADDR] === a && equal16(pool, ca, b, d.srcOffset) && equal16(pool, sa, b, d.dstOffset)) side = 0;
        else if (ports === revPorts && u[o + U_CADDR] === c && equal16(pool, ca, b, d.dstOffset) && equal16(pool, sa, b, d.srcOffset)) side = 1;
      }
      if (side === -1) continue;
      this.side = side;
      this.#slot = i;
      return index;
    }
  }

  /**
   * Records a new stream for the packet given to the last find() (its sender
   * is the client) and makes it the latest stream of the tuple.
   * @returns its stream number
   */
  open(d: Dissection, firstPacket: number): number {
    const index = this.count++;
    const chunk = index >>> CHUNK_BITS;
    if (chunk === this.#u32.length) {
      this.#u32.push(new Uint32Array(CHUNK * U32_STRIDE));
      this.#f64.push(new Float64Array(CHUNK * F64_STRIDE));
      this.#flags.push(new Uint16Array(CHUNK));
      this.#v6.push(null);
    }
    const u = this.#u32[chunk]!;
    const o = (index & MASK) * U32_STRIDE;
    const b = d.buf;
    if (d.ipVersion === 6) {
      this.#flags[chunk]![index & MASK] = STREAM_FLAGS.V6;
      u[o + U_CADDR] = fold6(b, d.srcOffset);
      u[o + U_SADDR] = fold6(b, d.dstOffset);
      const pool = (this.#v6[chunk] ??= new Uint8Array(CHUNK * 32));
      pool.set(b.subarray(d.srcOffset, d.srcOffset + 16), (index & MASK) * 32);
      pool.set(b.subarray(d.dstOffset, d.dstOffset + 16), (index & MASK) * 32 + 16);
    } else {
      u[o + U_CADDR] = u32be(b, d.srcOffset);
      u[o + U_SADDR] = u32be(b, d.dstOffset);
    }
    u[o + U_PORTS] = ((d.srcPort << 16) | d.dstPort) >>> 0;
    this.#f64[chunk]![(index & MASK) * F64_STRIDE + F_FIRST] = firstPacket;
    this.side = 0;
    if (this.#slots[this.#slot] === 0) this.#used++;
    this.#slots[this.#slot] = index + 1;
    if (this.#used * 2 > this.#slots.length) this.#rehash();
    return index;
  }

  /** Whether the record of a stream is kept (it exists and was not dropped). */
  has(index: number): boolean {
    return index >= this.#firstKept && index < this.count;
  }

  /** The first stream whose record is kept. */
  get firstKept(): number {
    return this.#firstKept;
  }

  /**
   * Lets go of the oldest STREAM_CHUNK records (a long live capture keeps a
   * bounded window of them); their 4-tuples are no longer found.
   */
  dropOldestChunk(): void {
    const chunk = this.#firstKept >>> CHUNK_BITS;
    if (this.#firstKept + CHUNK > this.count) return;
    this.#u32[chunk] = null;
    this.#f64[chunk] = null;
    this.#flags[chunk] = null;
    this.#v6[chunk] = null;
    this.#firstKept += CHUNK;
  }

  /** Rebuilds the tuple index without tombstones, at least three slots per kept stream. */
  #rehash(): void {
    const old = this.#slots;
    let size = 1024;
    while (size < (this.count - this.#firstKept) * 3) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    let used = 0;
    for (const v of old) {
      if (v === 0 || v - 1 < this.#firstKept) continue;
      const index = v - 1;
      const u = this.#u32[index >>> CHUNK_BITS]!;
      const o = (index & MASK) * U32_STRIDE;
      const a = u[o + U_CADDR]!;
      const c = u[o + U_SADDR]!;
      const ports = u[o + U_PORTS]!;
      let i = tupleHash(a, c, ports >>> 16, ports & 0xffff) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = v;
      used++;
    }
    this.#slots = slots;
    this.#slotMask = mask;
    this.#used = used;
  }

  flags(index: number): number {
    return this.#flags[index >>> CHUNK_BITS]![index & MASK]!;
  }

  setFlags(index: number, bits: number): void {
    this.#flags[index >>> CHUNK_BITS]![index & MASK]! |= bits;
  }

  clearFlags(index: number, bits: number): void {
    this.#flags[index >>> CHUNK_BITS]![index & MASK]! &= ~bits;
  }

  #u(index: number, column: number): number {
    return this.#u32[index >>> CHUNK_BITS]![(index & MASK) * U32_STRIDE + column]!;
  }

  #setU(index: number, column: number, value: number): void {
    this.#u32[index >>> CHUNK_BITS]![(index & MASK) * U32_STRIDE + column] = value;
  }

  #f(index: number, column: number): number {
    return this.#f64[index >>> CHUNK_BITS]![(index & MASK) * F64_STRIDE + column]!;
  }

  #addF(index: number, column: number, n: number): void {
    this.#f64[index >>> CHUNK_BITS]![(index & MASK) * F64_STRIDE + column]! += n;
  }

  /** Base sequence number of a side, or -1 before that side's first packet. */
  base(index: number, side: 0 | 1): number {
    return (this.flags(index) & (STREAM_FLAGS.BASE << side)) === 0 ? -1 : this.#u(index, U_BASE + side);
  }

  setBase(index: number, side: 0 | 1, seq: number): void {
    this.#setU(index, U_BASE + side, seq);
    this.setFlags(index, STREAM_FLAGS.BASE << side);
  }

  /** Next expected sequence number of a side saved when reassembly stopped, or -1. */
  next(index: number, side: 0 | 1): number {
    return (this.flags(index) & (STREAM_FLAGS.NEXT << side)) === 0 ? -1 : this.#u(index, U_NEXT + side);
  }

  setNext(index: number, side: 0 | 1, seq: number): void {
    this.#setU(index, U_NEXT + side, seq);
    this.setFlags(index, STREAM_FLAGS.NEXT << side);
  }

  countPacket(index: number): void {
    const u = this.#u32[index >>> CHUNK_BITS]!;
    const o = (index & MASK) * U32_STRIDE + U_PACKETS;
    u[o] = u[o]! + 1;
  }

  addBytes(index: number, side: 0 | 1, n: number): void {
    this.#addF(index, F_BYTES + side, n);
  }

  /** Adds what one reassembly of the stream skipped: gaps, bytes behind them, bytes the snap length cut off. */
  addGaps(index: number, gaps: number, undelivered: number, uncaptured: number): void {
    this.#setU(index, U_GAPS, this.#u(index, U_GAPS) + gaps);
    this.#addF(index, F_UNDELIVERED, undelivered);
    this.#addF(index, F_UNCAPTURED, uncaptured);
  }

  packets(index: number): number {
    return this.#u(index, U_PACKETS);
  }

  bytes(index: number, side: 0 | 1): number {
    return this.#f(index, F_BYTES + side);
  }

  firstPacket(index: number): number {
    return this.#f(index, F_FIRST);
  }

  gaps(index: number): number {
    return this.#u(index, U_GAPS);
  }

  undelivered(index: number): number {
    return this.#f(index, F_UNDELIVERED);
  }

  uncaptured(index: number): number {
    return this.#f(index, F_UNCAPTURED);
  }

  /** "IP:PORT" of a side (formatted on each call). */
  endpoint(index: number, side: 0 | 1): string {
    const addr = this.#u(index, side === 0 ? U_CADDR : U_SADDR);
    const ports = this.#u(index, U_PORTS);
    const port = side === 0 ? ports >>> 16 : ports & 0xffff;
    const ip = (this.flags(index) & STREAM_FLAGS.V6) !== 0 ? formatIpv6(this.#v6[index >>> CHUNK_BITS]!, (index & MASK) * 32 + side * 16) : ipv4FromNumber(addr);
    return formatEndpoint(ip, port);
  }
}
