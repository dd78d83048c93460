/**
 * Showing payload bytes to a person: text when they read as text, else a
 * hex dump with an ASCII column (what tcpdump -A and -X show).
 */

const PRINTABLE_SHARE = 0.85;

function isPrintableByte(b: number): boolean {
  return (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 || b >= 0x80;
}

/** True when most bytes are printable and the whole is valid UTF-8. */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  let printable = 0;
  for (const b of bytes) if (isPrintableByte(b)) printable += 1;
  if (printable / bytes.length < PRINTABLE_SHARE) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Classic 16-bytes-per-line hex dump: `0000  16 03 01 ...  |....|`.
 * @param maxBytes show at most this many bytes, then say how many were left out
 */
export function hexdump(bytes: Uint8Array, maxBytes = Number.POSITIVE_INFINITY): string[] {
  const lines: string[] = [];
  const shown = Math.min(bytes.length, maxBytes);
  for (let at = 0; at < shown; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, shown));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  if (shown < bytes.length) lines.push(`... ${bytes.length - shown} more bytes`);
  return lines;
}

/** Text (control characters made visible) or a hex dump, whichever fits. */
export function describePayload(bytes: Uint8Array, maxBytes = 4096): string[] {
  if (!looksLikeText(bytes)) return hexdump(bytes, maxBytes);
  const text = Buffer.from(bytes.subarray(0, maxBytes)).toString('utf8');
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\r/g, '\\r').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (bytes.length > maxBytes) lines.push(`... ${bytes.length - maxBytes} more bytes`);
  return lines;
}
