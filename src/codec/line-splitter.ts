/**
 * Sans-IO line framing: push() bytes in any chunking, get whole lines out.
 * A line ends at `\n`; a `\r` right before it is reported as part of the
 * ending (`\r\n`), so a reply can keep the peer's own line ending.
 * The pending partial line is capped: a line longer than `maxLineBytes` is
 * reported as soon as that many bytes arrive without a newline, not after.
 * What happens next is the owner's policy: `stop` (the echo servers close
 * the connection) or `skip` (chat drops that line up to its newline and
 * reads on). Memory held is at most `maxLineBytes + 1` whatever the input.
 *
 * Some peers never send a line end: each of their writes is one message (the
 * Twisted lab's clients, many socket-lab scripts). `flushPartial()` lets the
 * owner take what is pending as a line once the peer has gone quiet; the
 * splitter itself keeps no clock (the owner holds the timer).
 */
import { ERROR_CODES, LimitError } from '../errors.js';
import { positiveInteger } from '../util/validate.js';

export type LineEnding = '\n' | '\r\n' | '';

export interface LineSplitterOptions {
  /** Longest line accepted, in bytes, not counting its ending. */
  maxLineBytes: number;
  /**
   * Receives each line without its ending. The buffer is only valid during
   * the call. Returning false pauses: push() returns right after this line,
   * and the caller pushes the rest of its chunk again later.
   */
  onLine: (line: Buffer, ending: LineEnding) => boolean | void;
  /** Called when a line goes over the limit (once per line). */
  onError: (error: LimitError) => void;
  /** After an over-long line: `stop` (default) ignores all further input; `skip` drops that line and goes on. */
  overLong?: 'stop' | 'skip';
}

const NO_PIECES: Buffer[] = [];

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  readonly #maxLineBytes: number;
  /** Kept whole: onLine and onError are called as its methods (see the constructor). */
  readonly #options: LineSplitterOptions;
  readonly #skipOverLong: boolean;
  /** Pieces of the current unterminated line (copied only when a line spans chunks); made when needed. */
  #pending: Buffer[] | undefined;
  #pendingBytes = 0;
  /** `stop` policy: a line was too long, nothing more is read. */
  #stopped = false;
  /** `skip` policy: inside a refused line, dropping bytes until its newline. */
  #skipping = false;
  /** flushPartial() took a line ending in `\r`: a `\n` arriving next completes that `\r\n`, it is no empty line. */
  #lfAfterCr = false;

  /**
   * @param options onLine and onError are called as methods of this object,
   *   so a long-lived owner (one per connection) may pass itself instead of
   *   making two closures per connection
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when maxLineBytes is not a positive integer
   */
  constructor(options: LineSplitterOptions) {
    positiveInteger(options.maxLineBytes, 'options.maxLineBytes');
    this.#maxLineBytes = options.maxLineBytes;
    this.#options = options;
    this.#skipOverLong = options.overLong === 'skip';
  }

  /** Bytes held for the current unterminated line. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Whether the input stopped inside a line: bytes are held for it, or an
   * over-long line is being skipped. The owner arms its idle timer then.
   */
  get midLine(): boolean {
    return this.#pendingBytes > 0 || this.#skipping;
  }

  /**
   * Feeds the next chunk. Lines are delivered synchronously.
   * @returns bytes used: less than the chunk only when onLine returned false
   */
  push(chunk: Buffer): number {
    let start = 0;
    if (this.#lfAfterCr && chunk.length > 0) {
      this.#lfAfterCr = false;
      if (chunk[0] === LF) start = 1;
    }
    while (!this.#stopped && start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        if (!this.#skipping) this.#hold(chunk.subarray(start));
        return chunk.length;
      }
      let go = true;
      if (this.#skipping) this.#skipping = false;
      else go = this.#complete(chunk.subarray(start, newline));
      start = newline + 1;
      if (!go) return start;
    }
    return chunk.length;
  }

  /** The input ended: deliver a final unterminated line, if any. */
  finish(): void {
    if (this.#stopped || this.#skipping || this.#pendingBytes === 0) return;
    // #hold lets one byte past the cap wait for a possible \r\n; without a
    // newline coming, that byte makes the line too long after all.
    if (this.#pendingBytes > this.#maxLineBytes) {
      this.#refuse();
      return;
    }
    this.#options.onLine(this.#takePending(), '');
  }

  /**
   * Takes the pending partial line as a whole line, as if its line end had
   * come: call it when the peer has sent nothing for a while (the owner's
   * idle timer). The line is delivered with ending `''`; a trailing `\r` is
   * taken as its line end (and a `\n` that follows it later is not a second,
   * empty line). Inside an over-long line being skipped, ends the skipping:
   * what comes next starts a new line. A pending line over the cap is
   * refused as finish() would.
   * @returns whether a line was delivered
   */
  flushPartial(): boolean {
    if (this.#stopped) return false;
    if (this.#skipping) {
      this.#skipping = false;
      return false;
    }
    if (this.#pendingBytes === 0) return false;
    let line = this.#takePending();
    if (line[line.length - 1] === CR) {
      line = line.subarray(0, line.length - 1);
      this.#lfAfterCr = true;
    }
    if (line.length > this.#maxLineBytes) {
      this.#refuse();
      return false;
    }
    this.#options.onLine(line, '');
    return true;
  }

  #hold(piece: Buffer): void {
    // The check counts a trailing \r too: it may be part of a \r\n ending, in
    // which case the line is one byte shorter, so allow that one byte.
    if (this.#pendingBytes + piece.length > this.#maxLineBytes + 1) {
      this.#refuse();
      this.#skipping = this.#skipOverLong;
      return;
    }
    if (piece.length === 0) return;
    (this.#pending ??= []).push(Buffer.from(piece));
    this.#pendingBytes += piece.length;
  }

  /** @returns false when the owner asked to pause */
  #complete(tail: Buffer): boolean {
    let line = this.#pendingBytes === 0 ? tail : Buffer.concat([...this.#takePieces(), tail]);
    let ending: LineEnding = '\n';
    if (line.length > 0 && line[line.length - 1] === CR) {
      line = line.subarray(0, line.length - 1);
      ending = '\r\n';
    }
    if (line.length > this.#maxLineBytes) {
      this.#refuse();
      return true;
    }
    return this.#options.onLine(line, ending) !== false;
  }

  #takePieces(): Buffer[] {
    const pieces = this.#pending ?? NO_PIECES;
    this.#pending = undefined;
    this.#pendingBytes = 0;
    return pieces;
  }

  #takePending(): Buffer {
    const pieces = this.#takePieces();
    return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
  }

  #refuse(): void {
    this.#takePieces();
    if (!this.#skipOverLong) this.#stopped = true;
    this.#options.onError(
      new LimitError(ERROR_CODES.LINE_TOO_LONG, `line longer than ${this.#maxLineBytes} bytes (the --max-line limit)`),
    );
  }
}
