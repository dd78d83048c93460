/** What each echo mode must answer, written independently of the implementation. */
import type { EchoMode } from '../../src/protocols/echo/echo.js';

export const REPLY_TEXT = 'pong';

export function expectedAnswer(mode: EchoMode, text: string): string {
  switch (mode) {
    case 'echo':
      return text;
    case 'upper':
      return text.replace(/[a-z]/g, (c) => c.toUpperCase());
    case 'rot13':
      return text.replace(/[a-z]/gi, (c) => {
        const base = c <= 'Z' ? 65 : 97;
        return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
      });
    case 'reverse':
      return [...text].reverse().join('');
    case 'reply':
      return REPLY_TEXT;
  }
}
