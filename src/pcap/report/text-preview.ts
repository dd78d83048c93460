/** Payload bytes as one line of text for a label: printable ASCII as it is, anything else as "." (never markup: the page escapes it). */
export function previewText(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}
