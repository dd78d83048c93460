/**
 * The byte and line transforms of the echo family. Byte transforms work in
 * place on a buffer the caller owns (no allocation per chunk); they touch only
 * ASCII letters, so any byte stream, UTF-8 or binary, passes through intact.
 */

function table(map: (byte: number) => number): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = map(b);
  return t;
}

const isLower = (b: number): boolean => b >= 0x61 && b <= 0x7a;
const isUpper = (b: number): boolean => b >= 0x41 && b <= 0x5a;

const UPPER = table((b) => (isLower(b) ? b - 0x20 : b));
const ROT13 = table((b) => {
  if (isLower(b)) return ((b - 0x61 + 13) % 26) + 0x61;
  if (isUpper(b)) return ((b - 0x41 + 13) % 26) + 0x41;
  return b;
});

function mapInPlace(bytes: Uint8Array, t: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i++) bytes[i] = t[bytes[i] as number] as number;
  return bytes;
}

/** ASCII a-z to A-Z, every other byte unchanged. Mutates and returns `bytes`. */
export function upperInPlace(bytes: Uint8Array): Uint8Array {
  return mapInPlace(bytes, UPPER);
}

/** ASCII letters rotated by 13, every other byte unchanged. Mutates and returns `bytes`. */
export function rot13InPlace(bytes: Uint8Array): Uint8Array {
  return mapInPlace(bytes, ROT13);
}

/**
 * Length of the well-formed UTF-8 sequence starting at `i`, or 0 when the byte
 * there does not start one (RFC 3629 §4: no overlongs, no surrogates, <= U+10FFFF).
 */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/**
 * Reverses a line by Unicode character (code point). Bytes that are not valid
 * UTF-8 are kept, each as a unit of its own, so no byte is ever lost or
 * replaced: the answer always holds exactly the bytes that were sent.
 * @returns a new buffer of the same length
 */
export function reverseByCharacter(line: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(line.length);
  let write = line.length;
  let i = 0;
  while (i < line.length) {
    const n = utf8SequenceLength(line, i) || 1;
    write -= n;
    out.set(line.subarray(i, i + n), write);
    i += n;
  }
  return out;
}
