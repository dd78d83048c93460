/**
 * The text side of a chat client (`netlab chat join`), free of sockets and
 * terminals: what to send for a typed line, and what to show of what the
 * server sends.
 *
 * Line ends are a choice (`--eol`): netlab's server and telnet-style servers
 * read lines (`lf`, `crlf`), while servers written as a plain Twisted
 * `Protocol` (the Twisted lab's) take every write as one message and keep a
 * `\n` as part of it (`none`). What is received is shown line by line, each
 * with its control characters other than TAB escaped (`\x1b`), so a server
 * or a user it relays cannot rewrite the screen or set the terminal title.
 */
import { StringDecoder } from 'node:string_decoder';
import { DEFAULTS } from '../../constants.js';
import { escapeControls } from '../../util/terminal-text.js';

export const CHAT_EOLS = ['lf', 'crlf', 'none'] as const;
/** What ends each line sent: `\n`, `\r\n`, or nothing (each write is one message). */
export type ChatEol = (typeof CHAT_EOLS)[number];

const EOL_TEXT: Readonly<Record<ChatEol, string>> = { lf: '\n', crlf: '\r\n', none: '' };

/**
 * @param line what was typed, without its line end
 * @param eol line end of a stream transport; message transports (UDP, WS) send each line as one datagram/message, without one
 * @returns the bytes to write
 */
export function typedLineBytes(line: string, eol: ChatEol, framing: 'stream' | 'message'): Buffer {
  return Buffer.from(framing === 'message' ? line : line + EOL_TEXT[eol], 'utf8');
}

/**
 * How received data is cut into lines to show:
 * - `lines`: a byte stream of `\n`-terminated lines (a line split over
 *   several chunks is shown once whole);
 * - `chunks`: a byte stream where every chunk is a message (`--eol none`):
 *   each chunk shown on its own line(s) at once;
 * - `messages`: UDP datagrams or WebSocket messages, each on its own.
 */
export type ReceiveMode = 'lines' | 'chunks' | 'messages';

export interface ChatReceiverOptions {
  mode: ReceiveMode;
  /** Each line to show, escaped, without its line end. */
  onLine: (text: string) => void;
  /**
   * `lines` mode: a partial line longer than this many characters is shown
   * as it is rather than held for its newline (a server that never sends one
   * costs bounded memory). Default 65536.
   */
  maxPendingChars?: number;
}

/** Received bytes in, escaped lines out (see ReceiveMode). */
export class ChatReceiver {
  readonly #mode: ReceiveMode;
  readonly #onLine: (text: string) => void;
  readonly #maxPending: number;
  /** Keeps a UTF-8 character split across chunks whole (stream modes). */
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  /** @param options mode and the line callback; see ChatReceiverOptions */
  constructor(options: ChatReceiverOptions) {
    this.#mode = options.mode;
    this.#onLine = options.onLine;
    this.#maxPending = options.maxPendingChars ?? DEFAULTS.maxLineBytes;
  }

  /** Feeds one chunk (stream) or one datagram/message. */
  push(data: Buffer): void {
    if (this.#mode === 'messages') {
      this.#showMessage(data.toString('utf8'));
      return;
    }
    const text = this.#decoder.write(data);
    if (this.#mode === 'chunks') {
      this.#showMessage(text);
      return;
    }
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#show(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (this.#partial.length > this.#maxPending) {
      this.#show(this.#partial);
      this.#partial = '';
    }
  }

  /** The connection closed: shows what was left without a line end. */
  finish(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest !== '') this.#show(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }

  /** One message: a trailing line end dropped, any lines inside it shown one by one. */
  #showMessage(text: string): void {
    const body = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
    if (body === '') return;
    for (const line of body.split('\n')) this.#show(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  #show(line: string): void {
    this.#onLine(escapeControls(line));
  }
}
