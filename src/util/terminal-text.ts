/**
 * Text from a peer, made safe to show on someone's terminal. A relayed line
 * that carries CR, ESC, BEL or backspace could otherwise overwrite what is on
 * screen, forge another user's line or set the window title
 * (`hi\rbob: fake\x1b]0;owned\x07`), so every control character except TAB
 * is shown as a visible escape instead of being sent to the terminal.
 */

/**
 * True for the characters that drive a terminal rather than print: C0 controls
 * except TAB (U+0000..U+001F), DEL (U+007F) and the C1 controls (U+0080..U+009F,
 * which some terminals read as CSI and OSC).
 */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
}

const HEX = '0123456789abcdef';

/**
 * Returns `text` with every control character other than TAB written as
 * `\xHH` (`\x1b`, `\x0d`, `\x7f`, `\x9b`). Text without any is returned as it
 * is, without copying, so the common case costs one scan.
 *
 * @param text a decoded line from a peer
 * @returns the same text, with control characters escaped
 */
export function escapeControls(text: string): string {
  let i = 0;
  while (i < text.length && !isControl(text.charCodeAt(i))) i += 1;
  if (i === text.length) return text;
  let out = text.slice(0, i);
  for (; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    out += isControl(code) ? `\\x${HEX[code >> 4]}${HEX[code & 0xf]}` : text[i];
  }
  return out;
}

/**
 * Whether `bytes` hold any byte that `escapeControls` would change once
 * decoded as UTF-8: a C0 control other than TAB, DEL, or the UTF-8 lead byte
 * 0xC2 that begins U+0080..U+009F. Lets a relay keep clean lines as the
 * bytes it received, without decoding them.
 *
 * @param bytes a line as received (no line end)
 */
export function hasControlBytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i]!;
    if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) return true;
    if (byte === 0xc2 && i + 1 < bytes.length && bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0x9f) return true;
  }
  return false;
}
