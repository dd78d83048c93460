/**
 * Input generation shared by the targets: random bytes, and mutations of
 * valid seeds (bit flips, byte sets, truncation, splices, inserted and
 * deleted runs, 16/32-bit length fields forced to 0 / max / 0xFFFFFFFF),
 * plus random chunking for stream decoders.
 */
import type { Rng } from './rng.js';

const U32_EXTREMES = [0, 1, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff, 0xffff, 0x10000, 0x4001, 0x4801];
const U16_EXTREMES = [0, 1, 0x7fff, 0x8000, 0xffff, 0x4000, 0x4801];
const INTERESTING_BYTES = [0x00, 0x0a, 0x0d, 0x1b, 0x7f, 0x80, 0xff, 0x16, 0x17, 0x03];

/** Random bytes, length biased towards small (most bugs need few bytes). */
export function randomBytes(rng: Rng, max: number): Buffer {
  const n = rng.chance(0.7) ? rng.below(Math.min(max, 64) + 1) : rng.below(max + 1);
  return rng.bytes(n);
}

/** Applies 1..maxOps random mutations to a copy of `seed`; `others` feed splices. */
export function mutate(rng: Rng, seed: Uint8Array, others: readonly Uint8Array[] = [], maxOps = 4): Buffer {
  let b = Buffer.from(seed);
  const ops = 1 + rng.below(maxOps);
  for (let i = 0; i < ops; i++) {
    const at = rng.below(b.length + 1);
    switch (rng.below(9)) {
      case 0: // bit flip
        if (at < b.length) b[at] = (b[at] as number) ^ (1 << rng.below(8));
        break;
      case 1: // interesting byte
        if (at < b.length) b[at] = rng.pick(INTERESTING_BYTES);
        break;
      case 2: // truncate
        b = b.subarray(0, at);
        break;
      case 3: // 32-bit length field, either byte order
        if (at + 4 <= b.length) {
          const v = rng.pick(U32_EXTREMES);
          if (rng.chance(0.5)) b.writeUInt32BE(v >>> 0, at);
          else b.writeUInt32LE(v >>> 0, at);
        }
        break;
      case 4: // 16-bit length field
        if (at + 2 <= b.length) {
          const v = rng.pick(U16_EXTREMES);
          if (rng.chance(0.5)) b.writeUInt16BE(v, at);
          else b.writeUInt16LE(v, at);
        }
        break;
      case 5: // splice in a piece of another seed
        if (others.length > 0) {
          const o = rng.pick(others);
          const from = rng.below(o.length + 1);
          const piece = o.subarray(from, from + rng.below(256));
          b = Buffer.concat([b.subarray(0, at), piece, b.subarray(at + rng.below(piece.length + 1))]);
        }
        break;
      case 6: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.below(16)), b.subarray(at)]);
        break;
      case 7: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.below(32))]);
        break;
      default: // duplicate a run (repeated records, repeated headers)
        {
          const len = rng.below(64);
          b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        }
        break;
    }
  }
  return b;
}

/** Cuts `bytes` at random boundaries (sometimes one chunk, sometimes one byte each). */
export function chunk(rng: Rng, bytes: Uint8Array): Buffer[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mode = rng.below(8);
  if (mode === 0 || buf.length === 0) return [buf];
  if (mode === 1 && buf.length <= 512) {
    const out: Buffer[] = [];
    for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
    return out;
  }
  const out: Buffer[] = [];
  let at = 0;
  const cuts = 1 + rng.below(12);
  for (let i = 0; i < cuts && at < buf.length; i++) {
    const next = at + rng.below(buf.length - at + 1);
    out.push(buf.subarray(at, next));
    at = next;
  }
  out.push(buf.subarray(at));
  return out;
}

/** Either random bytes or a mutated seed (the mix most targets want). */
export function input(rng: Rng, seeds: readonly Uint8Array[], maxRandom: number): Buffer {
  if (seeds.length === 0 || rng.chance(0.25)) return randomBytes(rng, maxRandom);
  return mutate(rng, rng.pick(seeds), seeds);
}
