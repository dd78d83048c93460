/** Text of protocol bytes as tshark shows it (Wireshark's format_text). */

const C_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/**
 * Bytes `b[start, end)` as printable text: ASCII 0x20-0x7e as it is, C
 * escapes for \a \b \t \n \v \f \r, any other byte as a 3-digit octal escape
 * (`\001`), as Wireshark's format_text renders a DNS label or an HTTP line.
 */
export function formatText(b: Uint8Array, start: number, end: number): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e) {
      plain = false;
      break;
    }
  }
  if (plain) return latin1(b, start, end);
  let out = '';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else out += C_ESCAPES[c] ?? `\\${c.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** Bytes as one char each (latin1), without escaping. */
export function latin1(b: Uint8Array, start: number, end: number): string {
  // Short runs (DNS labels, header names) are fastest char by char; long ones through Buffer's native decoder.
  if (end - start <= 48) {
    let out = '';
    for (let i = start; i < end; i++) out += String.fromCharCode(b[i]!);
    return out;
  }
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

/**
 * A bit-field line's pattern, as tshark -V prints it: each bit of a
 * `bits`-wide value from the top, its value where `mask` covers it and '.'
 * elsewhere, a space every 4 bits ('.000 0... .... ....').
 */
export function bitPattern(value: number, mask: number, bits: number): string {
  let out = '';
  for (let i = bits - 1; i >= 0; i--) {
    const bit = 1 << i;
    out += (mask & bit) === 0 ? '.' : (value & bit) === 0 ? '0' : '1';
    if (i % 4 === 0 && i !== 0) out += ' ';
  }
  return out;
}
