/**
 * Unchecked integer reads from a byte array, the hot path of the reader and
 * the layer decoders. Callers check bounds first (one comparison per record
 * or header, instead of one per field as DataView would do).
 */

/** Big-endian (network order) unsigned 16-bit at `i`. */
export function u16be(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/** Little-endian unsigned 16-bit at `i`. */
export function u16le(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8);
}

/** Big-endian unsigned 32-bit at `i`. */
export function u32be(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** Little-endian unsigned 32-bit at `i`. */
export function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** Unsigned 16-bit in the given byte order. */
export function u16(b: Uint8Array, i: number, le: boolean): number {
  return le ? u16le(b, i) : u16be(b, i);
}

/** Unsigned 32-bit in the given byte order. */
export function u32(b: Uint8Array, i: number, le: boolean): number {
  return le ? u32le(b, i) : u32be(b, i);
}

/** Lower-case hex of `b[start, end)`, for messages. */
export function hex(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end && i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}
