/**
 * A bounded outgoing queue for one receiver of a fan-out (chat user, IM relay
 * client).
 *
 * Fan-out needs more than a socket's own backpressure. While a receiver's
 * socket buffer is full ("congested"), what is sent to it waits here and the
 * owner is told (`onCongestion`), so it can stop reading from the senders
 * (room-wide backpressure: healthy readers are not outrun by a flood). A
 * receiver that stays congested for `drainTimeoutMs`, or falls further behind
 * than `maxQueuedBytes`, is cut off (the IRC "SendQ exceeded" rule), and
 * everyone else goes on. Memory per receiver is therefore bounded by the
 * transport's high-water mark, plus `maxQueuedBytes`, plus one message each.
 *
 * Fan-out writes many small messages to the same receiver in one event-loop
 * turn (one per sender whose data arrived). `sendBatched()` holds them until
 * the turn's I/O callbacks have run and sends them as one write: one system
 * call per receiver per turn instead of one per message (Twisted flushes once
 * per reactor iteration for the same reason). A batch is itself bounded by
 * `maxQueuedBytes` (past it, it goes at once). Only on stream transports:
 * joining datagrams or WebSocket messages would change what the peer gets.
 * Receivers of the same broadcasts share one joined Buffer (see TurnBatch);
 * the fan-out that owns the receivers owns the turn (`options.turn`).
 */
import { ERROR_CODES, LimitError } from '../errors.js';
import type { Session } from '../transports/session.js';
import { type FanOutTurn, TurnBatch } from './turn-batch.js';
import { nonNegativeMs, positiveInteger } from '../util/validate.js';

export interface OutboundQueueOptions {
  /** Bytes that may wait here while the session's buffer is full. */
  maxQueuedBytes: number;
  /** A receiver congested this long without draining is cut off; 0 means never. */
  drainTimeoutMs: number;
  /**
   * Called once when the receiver is cut off; the queue is then dropped.
   * Both callbacks are called as methods of the options object, so an owner
   * (one per receiver) may pass itself instead of making closures.
   */
  onOverflow: (error: LimitError) => void;
  /** The receiver became congested (true) or drained everything (false). */
  onCongestion?: (congested: boolean) => void;
  /**
   * The fan-out's turn this receiver's batches belong to (read once, at
   * construction): one per room or relay, so receivers of the same fan-out
   * share joined Buffers and are flushed together.
   */
  readonly turn: FanOutTurn;
}

const kQueue = Symbol('netlab.outboundQueue');
type SessionWithQueue = Session & { [kQueue]?: OutboundQueue };

function sessionOnDrain(this: SessionWithQueue): void {
  this[kQueue]?.flush();
}

function sessionOnClose(this: SessionWithQueue): void {
  this[kQueue]?.dispose();
}

export class OutboundQueue {
  readonly #session: SessionWithQueue;
  readonly #options: OutboundQueueOptions;
  /** What waits for 'drain'; the shared NOTHING_WAITING until something does. */
  #queue: Uint8Array[] = NOTHING_WAITING;
  #head = 0;
  #queuedBytes = 0;
  #congested = false;
  #done = false;
  #timer: NodeJS.Timeout | undefined;
  /** What sendBatched() holds for the end of this turn (stream sessions only). */
  readonly #batch: TurnBatch;

  /**
   * @param session the receiver
   * @param options maxQueuedBytes, drainTimeoutMs, onOverflow, onCongestion, turn
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when a limit is not a number in range
   */
  constructor(session: Session, options: OutboundQueueOptions) {
    positiveInteger(options.maxQueuedBytes, 'options.maxQueuedBytes');
    nonNegativeMs(options.drainTimeoutMs, 'options.drainTimeoutMs');
    this.#session = session as SessionWithQueue;
    this.#options = options;
    this.#batch = new TurnBatch(options.turn);
    this.#session[kQueue] = this;
    session.on('drain', sessionOnDrain);
    session.on('close', sessionOnClose);
  }

  /** Bytes waiting here (not counting what the transport itself buffers). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** True while the receiver's socket buffer is full. */
  get congested(): boolean {
    return this.#congested;
  }

  /**
   * Sends now, or queues while the session's buffer is full. Anything held by
   * sendBatched() goes first, so order is kept.
   * @returns false when the receiver has been (or now is) cut off
   */
  send(data: Uint8Array): boolean {
    if (this.#batch.bytes > 0 && !this.flushBatch()) return false;
    return this.#send(data);
  }

  /**
   * Like send(), but held until the end of this event-loop turn and sent in
   * one write with everything else batched for this receiver meanwhile. A
   * batch that grows past `maxQueuedBytes` goes at once (it is then judged
   * like any send). On message transports this is send().
   * @param data must not be modified afterwards (it may be sent later)
   * @returns false when the receiver has been cut off
   */
  sendBatched(data: Uint8Array): boolean {
    if (this.#done || this.#session.closed) return false;
    if (this.#session.framing !== 'stream') return this.#send(data);
    if (this.#batch.add(data)) this.#batch.turn.schedule(this);
    else if (this.#batch.bytes > this.#options.maxQueuedBytes) return this.flushBatch();
    return true;
  }

  /**
   * @internal sends what sendBatched() held, as one write.
   * @returns false when the receiver has been cut off
   */
  flushBatch(): boolean {
    const data = this.#batch.take();
    return data === undefined ? !this.#done : this.#send(data);
  }

  /** Sends what sendBatched() holds, then ends the session (our side). */
  end(): void {
    this.flushBatch();
    this.#session.end();
  }

  #send(data: Uint8Array): boolean {
    if (this.#done || this.#session.closed) return false;
    if (!this.#congested) {
      if (!this.#session.write(data)) this.#setCongested(true);
      return true;
    }
    if (this.#queue === NOTHING_WAITING) this.#queue = [];
    this.#queue.push(data);
    this.#queuedBytes += data.byteLength;
    if (this.#queuedBytes > this.#options.maxQueuedBytes) {
      this.#cutOff(`more than ${this.#options.maxQueuedBytes} bytes were waiting for it`);
      return false;
    }
    return true;
  }

  /** @internal the session drained: send what waited, until it is full again. */
  flush(): void {
    if (this.#done) return;
    let full = false;
    while (this.#head < this.#queue.length && !full && !this.#session.closed) {
      const data = this.#queue[this.#head] as Uint8Array;
      this.#queue[this.#head++] = EMPTY;
      this.#queuedBytes -= data.byteLength;
      full = !this.#session.write(data);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = NOTHING_WAITING;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      // Compact now and then instead of shift() per item (quadratic).
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (full) this.#restartTimer();
    else this.#setCongested(false);
  }

  /** @internal the session closed: forget everything, stop the timer. */
  dispose(): void {
    if (this.#done) return;
    this.#done = true;
    this.#queue = NOTHING_WAITING;
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#batch.clear();
    clearTimeout(this.#timer);
    this.#session.off('drain', sessionOnDrain);
    if (this.#congested) {
      this.#congested = false;
      this.#options.onCongestion?.(false);
    }
  }

  #setCongested(congested: boolean): void {
    if (congested) this.#restartTimer();
    else clearTimeout(this.#timer);
    if (this.#congested === congested) return;
    this.#congested = congested;
    this.#options.onCongestion?.(congested);
  }

  #restartTimer(): void {
    clearTimeout(this.#timer);
    const ms = this.#options.drainTimeoutMs;
    if (ms === 0) return;
    this.#timer = setTimeout(() => this.#cutOff(`it read nothing for ${ms / 1000} s while messages waited`), ms);
    this.#timer.unref();
  }

  #cutOff(why: string): void {
    this.dispose();
    this.#options.onOverflow(new LimitError(ERROR_CODES.SLOW_READER, `too slow a reader: ${why}, so it was disconnected`));
  }
}

const EMPTY = new Uint8Array(0);
/** Every queue's empty list (never added to): an idle receiver holds no list of its own. */
const NOTHING_WAITING: Uint8Array[] = [];
