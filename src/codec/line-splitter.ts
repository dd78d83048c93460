/**
 * Sans-IO line framing: push() bytes in any chunking, get whole lines out.
 * A line ends at `\n`; a `\r` right before it is reported as part of the
 * ending (`\r\n`), so a reply can keep the peer's own line ending.
 * The pending partial line is capped: a line longer than `maxLineBytes` is
 * reported as soon as that many bytes arrive without a newline, not after.
 */
import { ERROR_CODES, LimitError } from '../errors.js';

export type LineEnding = '\n' | '\r\n' | '';

export interface LineSplitterOptions {
  /** Longest line accepted, in bytes, not counting its ending. */
  maxLineBytes: number;
  /** Receives each line without its ending. The buffer is only valid during the call. */
  onLine: (line: Buffer, ending: LineEnding) => void;
  /** Called once when a line goes over the limit; the splitter then stops. */
  onError: (error: LimitError) => void;
}

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: LineSplitterOptions['onLine'];
  readonly #onError: LineSplitterOptions['onError'];
  /** Pieces of the current unterminated line (copied only when a line spans chunks). */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #failed = false;

  constructor(options: LineSplitterOptions) {
    if (!Number.isInteger(options.maxLineBytes) || options.maxLineBytes < 1) {
      throw new RangeError('maxLineBytes must be a positive integer');
    }
    this.#maxLineBytes = options.maxLineBytes;
    this.#onLine = options.onLine;
    this.#onError = options.onError;
  }

  /** Bytes held for the current unterminated line. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Feeds the next chunk. Lines are delivered synchronously. */
  push(chunk: Buffer): void {
    let start = 0;
    while (!this.#failed && start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        this.#hold(chunk.subarray(start));
        return;
      }
      this.#complete(chunk.subarray(start, newline));
      start = newline + 1;
    }
  }

  /** The input ended: deliver a final unterminated line, if any. */
  finish(): void {
    if (this.#failed || this.#pendingBytes === 0) return;
    // #hold lets one byte past the cap wait for a possible \r\n; without a
    // newline coming, that byte makes the line too long after all.
    if (this.#pendingBytes > this.#maxLineBytes) {
      this.#fail();
      return;
    }
    this.#onLine(this.#takePending(), '');
  }

  #hold(piece: Buffer): void {
    // The check counts a trailing \r too: it may be part of a \r\n ending, in
    // which case the line is one byte shorter, so allow that one byte.
    if (this.#pendingBytes + piece.length > this.#maxLineBytes + 1) {
      this.#fail();
      return;
    }
    this.#pending.push(Buffer.from(piece));
    this.#pendingBytes += piece.length;
  }

  #complete(tail: Buffer): void {
    let line = this.#pendingBytes === 0 ? tail : Buffer.concat([...this.#takePendingPieces(), tail]);
    let ending: LineEnding = '\n';
    if (line.length > 0 && line[line.length - 1] === CR) {
      line = line.subarray(0, line.length - 1);
      ending = '\r\n';
    }
    if (line.length > this.#maxLineBytes) {
      this.#fail();
      return;
    }
    this.#onLine(line, ending);
  }

  #takePendingPieces(): Buffer[] {
    const pieces = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    return pieces;
  }

  #takePending(): Buffer {
    const pieces = this.#takePendingPieces();
    return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
  }

  #fail(): void {
    this.#failed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#onError(
      new LimitError(ERROR_CODES.LINE_TOO_LONG, `line longer than ${this.#maxLineBytes} bytes (the --max-line limit)`),
    );
  }
}
