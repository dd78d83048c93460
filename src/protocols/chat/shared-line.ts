/**
 * One broadcast line, encoded once for every receiver. A room hands the same
 * `SharedLine` to all its members; each asks for the bytes its transport
 * needs (with `\n` for streams and datagrams, without for WebSocket messages)
 * and gets the same Buffer as every other receiver of that kind, so a line
 * said to 5000 users costs one UTF-8 encoding, not 5000.
 */
export class SharedLine {
  readonly text: string;
  #withNewline: Buffer | undefined;
  #bare: Buffer | undefined;

  /** @param text the line without its ending */
  constructor(text: string) {
    this.text = text;
  }

  /**
   * @param newline whether the bytes end with `\n`
   * @returns the encoded line; the same Buffer on every call (receivers must not modify it)
   */
  bytes(newline: boolean): Buffer {
    if (newline) return (this.#withNewline ??= Buffer.from(`${this.text}\n`, 'utf8'));
    // A view of the same bytes without the newline, when those are already there.
    if (this.#bare === undefined) {
      this.#bare = this.#withNewline !== undefined ? this.#withNewline.subarray(0, this.#withNewline.length - 1) : Buffer.from(this.text, 'utf8');
    }
    return this.#bare;
  }
}
