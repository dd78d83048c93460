/**
 * A bounded outgoing queue for one receiver of a fan-out (chat user, IM relay
 * client). Fan-out cannot use plain backpressure: pausing the sender because
 * one receiver is slow would let that receiver stall the whole room. So each
 * receiver gets a queue of its own, drained on 'drain'; when a receiver falls
 * further behind than `maxQueuedBytes`, it is cut off (ws's and Twisted's
 * "slow consumer" rule) and everyone else keeps receiving.
 *
 * Memory per receiver is therefore bounded by the transport's own high-water
 * mark (plus the one write that crossed it) and `maxQueuedBytes`.
 */
import { ERROR_CODES, LimitError } from '../errors.js';
import type { Session } from '../transports/session.js';

export interface OutboundQueueOptions {
  /** Bytes that may wait here while the session's buffer is full. */
  maxQueuedBytes: number;
  /** Called once when the receiver falls too far behind; the queue is then dropped. */
  onOverflow: (error: LimitError) => void;
}

const kQueue = Symbol('netlab.outboundQueue');
type SessionWithQueue = Session & { [kQueue]?: OutboundQueue };

function sessionOnDrain(this: SessionWithQueue): void {
  this[kQueue]?.flush();
}

export class OutboundQueue {
  readonly #session: SessionWithQueue;
  readonly #maxQueuedBytes: number;
  readonly #onOverflow: OutboundQueueOptions['onOverflow'];
  #queue: Uint8Array[] = [];
  #head = 0;
  #queuedBytes = 0;
  #congested = false;
  #overflowed = false;

  /**
   * @param session the receiver
   * @param options maxQueuedBytes, onOverflow
   * @throws RangeError when maxQueuedBytes is not a positive integer
   */
  constructor(session: Session, options: OutboundQueueOptions) {
    if (!Number.isInteger(options.maxQueuedBytes) || options.maxQueuedBytes < 1) {
      throw new RangeError('maxQueuedBytes must be a positive integer');
    }
    this.#session = session as SessionWithQueue;
    this.#maxQueuedBytes = options.maxQueuedBytes;
    this.#onOverflow = options.onOverflow;
    this.#session[kQueue] = this;
    session.on('drain', sessionOnDrain);
  }

  /** Bytes waiting here (not counting what the transport itself buffers). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** True once the receiver was cut off for falling behind. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /**
   * Sends now, or queues while the session's buffer is full.
   * @returns false when the receiver has been (or now is) cut off
   */
  send(data: Uint8Array): boolean {
    if (this.#overflowed || this.#session.closed) return false;
    if (!this.#congested) {
      if (!this.#session.write(data)) this.#congested = true;
      return true;
    }
    this.#queue.push(data);
    this.#queuedBytes += data.byteLength;
    if (this.#queuedBytes > this.#maxQueuedBytes) {
      this.#overflowed = true;
      this.#drop();
      this.#onOverflow(
        new LimitError(
          ERROR_CODES.SLOW_READER,
          `too slow a reader: more than ${this.#maxQueuedBytes} bytes were waiting for it, so it was disconnected`,
        ),
      );
      return false;
    }
    return true;
  }

  /** @internal the session drained: send what waited, until it is full again. */
  flush(): void {
    this.#congested = false;
    while (this.#head < this.#queue.length && !this.#congested && !this.#session.closed) {
      const data = this.#queue[this.#head] as Uint8Array;
      this.#queue[this.#head++] = EMPTY;
      this.#queuedBytes -= data.byteLength;
      if (!this.#session.write(data)) this.#congested = true;
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      // Compact now and then instead of shift() per item (quadratic).
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Forgets everything queued (the session is going away). */
  #drop(): void {
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#session.off('drain', sessionOnDrain);
  }
}

const EMPTY = new Uint8Array(0);
