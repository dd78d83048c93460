/**
 * Payload bytes as one line of text for a label: printable ASCII as it is,
 * a line feed as "↵" (a carriage return before it dropped), anything else as
 * "." (never markup: the page escapes it).
 */
export function previewText(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x0d && b[i + 1] === 0x0a && i + 1 < end) continue;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c === 0x0a ? '↵' : '.';
  }
  return s;
}
