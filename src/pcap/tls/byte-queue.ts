import { internalError } from '../../util/validate.js';

/**
 * A queue of pushed chunks read from the front, for the TLS state machines.
 * Reads that fit in the first chunk are zero-copy `subarray`s; only a read
 * spanning chunks copies (websockets/ws `Receiver#consume` does the same),
 * so pushing N chunks never costs a `Buffer.concat` per chunk.
 */
export class ByteQueue {
  readonly #chunks: Buffer[] = [];
  #length = 0;

  /** Bytes queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk (kept by reference: the caller must not reuse its memory). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /**
   * Removes and returns the first `n` bytes.
   * @param n at most `length`
   * @throws NetlabError NETLAB_ERR_INTERNAL when fewer than `n` bytes are queued (a bug in netlab's TLS code)
   */
  consume(n: number): Buffer {
    if (n > this.#length) throw internalError(`ByteQueue.consume(${n}) with ${this.#length} bytes queued`);
    this.#length -= n;
    const first = this.#chunks[0];
    if (first === undefined || n === 0) return Buffer.alloc(0);
    if (n === first.length) return this.#chunks.shift() as Buffer;
    if (n < first.length) {
      this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0] as Buffer;
      const take = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, take);
      filled += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    return out;
  }

  /** Drops up to `n` bytes from the front without copying; returns how many were dropped. */
  skip(n: number): number {
    let left = Math.min(n, this.#length);
    const dropped = left;
    while (left > 0) {
      const chunk = this.#chunks[0] as Buffer;
      if (chunk.length <= left) {
        this.#chunks.shift();
        left -= chunk.length;
      } else {
        this.#chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
    this.#length -= dropped;
    return dropped;
  }

  /** Forgets everything queued. */
  clear(): void {
    this.#chunks.length = 0;
    this.#length = 0;
  }
}
