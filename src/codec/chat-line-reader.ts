/**
 * Sans-IO line reader for chat: like LineSplitter, but a line over the cap
 * is not the end of the conversation. It is reported once (so the user can
 * be told), its bytes are skipped up to the next `\n`, and reading goes on.
 * Memory held is at most `maxLineBytes + 1` whatever the input.
 */
export interface ChatLineReaderOptions {
  /** Longest line accepted, in bytes, not counting `\n` or `\r\n`. */
  maxLineBytes: number;
  /**
   * Each line, decoded as UTF-8 (invalid sequences become U+FFFD), without
   * its ending. Returning false stops push() right after this line (the
   * caller keeps the rest of the chunk and pushes it again later).
   */
  onLine: (line: string) => boolean | void;
  /** Once per refused line, as soon as it goes over the cap. */
  onTooLong: () => void;
}

const LF = 0x0a;
const CR = 0x0d;

export class ChatLineReader {
  readonly #max: number;
  readonly #onLine: ChatLineReaderOptions['onLine'];
  readonly #onTooLong: ChatLineReaderOptions['onTooLong'];
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Inside a refused line: drop bytes until its newline. */
  #skipping = false;

  /** @throws RangeError when maxLineBytes is not a positive integer */
  constructor(options: ChatLineReaderOptions) {
    if (!Number.isInteger(options.maxLineBytes) || options.maxLineBytes < 1) throw new RangeError('maxLineBytes must be a positive integer');
    this.#max = options.maxLineBytes;
    this.#onLine = options.onLine;
    this.#onTooLong = options.onTooLong;
  }

  /** Bytes held for the current unterminated line. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Feeds the next chunk; lines are delivered synchronously.
   * @returns how many bytes were used: less than the chunk only when onLine returned false
   */
  push(chunk: Buffer): number {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      const end = newline === -1 ? chunk.length : newline;
      let go = true;
      if (this.#skipping) {
        if (newline !== -1) this.#skipping = false;
      } else if (newline === -1) {
        this.#hold(chunk.subarray(start, end));
      } else {
        go = this.#complete(chunk.subarray(start, end));
      }
      if (newline === -1) return chunk.length;
      start = newline + 1;
      if (!go) return start;
    }
    return chunk.length;
  }

  /** The input ended: a final unterminated line is delivered too. */
  finish(): void {
    if (this.#skipping || this.#pendingBytes === 0) return;
    const line = this.#take();
    if (line.length > this.#max) this.#onTooLong();
    else this.#onLine(line.toString('utf8'));
  }

  #hold(piece: Buffer): void {
    // One byte of slack: a trailing \r may belong to a \r\n ending.
    if (this.#pendingBytes + piece.length > this.#max + 1) {
      this.#take();
      this.#skipping = true;
      this.#onTooLong();
      return;
    }
    if (piece.length > 0) {
      this.#pending.push(Buffer.from(piece));
      this.#pendingBytes += piece.length;
    }
  }

  #complete(tail: Buffer): boolean {
    let line = this.#pendingBytes === 0 ? tail : Buffer.concat([...this.#takePieces(), tail]);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.#max) {
      this.#onTooLong();
      return true;
    }
    return this.#onLine(line.toString('utf8')) !== false;
  }

  #takePieces(): Buffer[] {
    const pieces = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    return pieces;
  }

  #take(): Buffer {
    return Buffer.concat(this.#takePieces());
  }
}
