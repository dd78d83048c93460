/**
 * The idle timer behind "a partial line the peer stops sending is taken as a
 * line" (chat, and the reverse/reply modes over TCP and TLS). Peers like the
 * Twisted lab's clients write each message without a line end; Twisted's
 * `dataReceived` sees each write as one message, netlab's line reader would
 * wait for a `\n` forever.
 *
 * One timer per connection, made when a partial line is first left pending
 * and re-armed lazily, like the idle-timeout policy: a chunk that leaves a
 * partial line only records the time, and the timer, when it fires early,
 * sleeps again for the remainder. So a line arriving in pieces costs one
 * clock read per piece, not a timer per piece, and nothing at all is
 * scheduled for peers that always end their lines. The callback is a
 * module-level function given the timer as its argument: no closure per
 * connection or per chunk.
 */

/** The protocol that owns a line reader and takes its partial line when told. */
export interface PartialLineOwner {
  /**
   * The peer has sent nothing for the idle time since a chunk left a partial
   * line pending. The owner takes it as a line if that is still so (its
   * reader may have completed the line since, or be paused).
   */
  partialLineIdle(): void;
}

function partialLineTimerFired(timer: PartialLineTimer): void {
  timer.fired();
}

/** One per connection (see the module comment); the owner calls arm() after each chunk that leaves a partial line. */
export class PartialLineTimer {
  readonly #owner: PartialLineOwner;
  readonly #idleMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** When a chunk last left a partial line pending (epoch ms). */
  #armedAtMs = 0;

  /**
   * @param owner told when the idle time has passed
   * @param idleMs the idle time, in milliseconds, greater than 0
   */
  constructor(owner: PartialLineOwner, idleMs: number) {
    this.#owner = owner;
    this.#idleMs = idleMs;
  }

  /** A chunk has just left a partial line pending: the idle time starts again now. */
  arm(): void {
    this.#armedAtMs = Date.now();
    if (this.#timer === undefined) this.#schedule(this.#idleMs);
  }

  /** Cancels the timer (close path); arm() may start it again. */
  clear(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** @internal the timer's callback */
  fired(): void {
    this.#timer = undefined;
    const now = Date.now();
    const quietMs = now - this.#armedAtMs;
    if (quietMs < 0) {
      // The wall clock was set back: count the idle time again from now
      // rather than sleep until the clock catches up.
      this.#armedAtMs = now;
      this.#schedule(this.#idleMs);
      return;
    }
    if (quietMs < this.#idleMs) {
      this.#schedule(this.#idleMs - quietMs);
      return;
    }
    this.#owner.partialLineIdle();
  }

  #schedule(ms: number): void {
    const timer = setTimeout(partialLineTimerFired, ms, this);
    // A pending partial line is no reason to keep a process alive.
    timer.unref();
    this.#timer = timer;
  }
}
