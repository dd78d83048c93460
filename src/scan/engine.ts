/**
 * The scan engine: keeps up to `concurrency` attempts in flight, expires them
 * with one shared coarse timer against an adaptive timeout, retries the
 * unanswered ones, caps the start rate, and backs off when the system runs
 * out of sockets. It knows nothing about TCP or UDP; a ProbeDriver does.
 *
 * File descriptors are bounded by construction: a socket exists only while
 * its attempt is in flight, and at most `concurrency` attempts are.
 */
import { ERROR_CODES, LimitError } from '../errors.js';
import { Attempt, type Outcome, type PortState, type ProbeDriver, type ProbeSink, type ProbeTarget } from './probe.js';
import type { PortSource } from './port-source.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RttEstimator } from './rtt.js';

/** State codes stored per port (0 = not finished). */
export const STATE_BY_CODE: readonly (PortState | undefined)[] = [undefined, 'open', 'closed', 'filtered', 'open|filtered'];
const CODE_OF: Record<PortState, number> = { open: 1, closed: 2, filtered: 3, 'open|filtered': 4 };

/** Consecutive socket-exhaustion failures with nothing in flight before giving up. */
const MAX_IDLE_STALLS = 200;
/** Successful attempts between two steps of concurrency recovery after a back-off. */
const RECOVERY_STEP = 32;

export interface EngineOptions {
  driver: ProbeDriver;
  target: ProbeTarget;
  /** Ports to scan; may be shared with other threads' engines. */
  source: PortSource;
  concurrency: number;
  retries: number;
  rtt: RttEstimator;
  /** Fixed per-attempt timeout in ms; replaces the adaptive one when set. */
  fixedTimeoutMs: number | undefined;
  limiter: RateLimiter | undefined;
  sweepIntervalMs: number;
  signal: AbortSignal | undefined;
}

export interface EngineCounters {
  done: number;
  open: number;
  inFlight: number;
  selfConnects: number;
  /** Highest number of attempts that were in flight at once. */
  peakInFlight: number;
}

export class ScanEngine implements ProbeSink {
  readonly #o: EngineOptions;
  /** Final state code per port number. */
  readonly states = new Uint8Array(65536);
  /** [port, local port] of open connections to this very host, for the crossed-connection check. */
  readonly loopbackOpens: number[] = [];
  readonly #tries = new Uint8Array(65536);
  readonly #inFlight = new Set<Attempt>();
  readonly #pool: Attempt[] = [];
  readonly #retryQueue: number[] = [];
  #limit: number;
  #recovery = 0;
  #stalls = 0;
  #done = 0;
  #open = 0;
  #selfConnects = 0;
  #peak = 0;
  #pumping = false;
  #finished = false;
  #aborted = false;
  #sweepTimer: NodeJS.Timeout | undefined;
  #rateTimer: NodeJS.Timeout | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((err: Error) => void) | undefined;
  readonly #onAbort = (): void => this.#abort();

  constructor(options: EngineOptions) {
    this.#o = options;
    this.#limit = options.concurrency;
  }

  /** True when the scan was stopped by its AbortSignal before every port finished. */
  get aborted(): boolean {
    return this.#aborted;
  }

  counters(): EngineCounters {
    return { done: this.#done, open: this.#open, inFlight: this.#inFlight.size, selfConnects: this.#selfConnects, peakInFlight: this.#peak };
  }

  /**
   * Scans every port once (plus retries).
   * @returns resolves when all ports have a state or the signal aborted
   * @throws LimitError NETLAB_ERR_OUT_OF_SOCKETS when no socket can be opened at all
   */
  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      const { signal } = this.#o;
      if (signal?.aborted) {
        this.#abort();
        return;
      }
      signal?.addEventListener('abort', this.#onAbort, { once: true });
      this.#sweepTimer = setInterval(ScanEngine.#sweepTick, this.#o.sweepIntervalMs, this);
      this.#pump();
    });
  }

  /** ProbeSink: one attempt ended. */
  settle(attempt: Attempt, outcome: Outcome): void {
    if (!attempt.active) return;
    attempt.active = false;
    this.#inFlight.delete(attempt);
    const port = attempt.port;
    const localPort = attempt.localPort;
    attempt.localPort = 0;
    const elapsed = performance.now() - attempt.startedAt;
    this.#pool.push(attempt);
    if (outcome === 'resource') {
      this.#backOff(port);
      return;
    }
    this.#stalls = 0;
    if (this.#limit < this.#o.concurrency && ++this.#recovery >= RECOVERY_STEP) {
      this.#recovery = 0;
      this.#limit++;
    }
    this.#o.rtt.sample(elapsed);
    switch (outcome) {
      case 'open':
        if (localPort !== 0) this.loopbackOpens.push(port, localPort);
        this.#record(port, 'open');
        break;
      case 'closed':
        this.#record(port, 'closed');
        break;
      case 'self-connect':
        // Connected to ourselves through TCP simultaneous open: no listener.
        this.#selfConnects++;
        this.#record(port, 'closed');
        break;
      case 'filtered':
        this.#unanswered(port, 'filtered');
        break;
    }
    this.#pump();
  }

  #record(port: number, state: PortState): void {
    this.states[port] = CODE_OF[state];
    this.#done++;
    if (state === 'open') this.#open++;
  }

  /** No answer, or an ICMP error: retry up to `retries` times, then give the port `state`. */
  #unanswered(port: number, state: PortState): void {
    if ((this.#tries[port] as number) < this.#o.retries) {
      this.#tries[port] = (this.#tries[port] as number) + 1;
      this.#retryQueue.push(port);
    } else {
      this.#record(port, state);
    }
  }

  /** The system is out of sockets or ports: requeue, lower the concurrency, wait for a tick. */
  #backOff(port: number): void {
    this.#retryQueue.push(port);
    this.#limit = Math.max(1, Math.floor(this.#inFlight.size * 0.75));
    this.#recovery = 0;
    if (this.#inFlight.size === 0 && ++this.#stalls > MAX_IDLE_STALLS) {
      this.#fail(
        new LimitError(
          ERROR_CODES.OUT_OF_SOCKETS,
          'the system refused to open any more sockets (too many open files or no free local ports); raise the limit with ulimit -n or lower --concurrency',
        ),
      );
    }
    // With nothing in flight the next sweep tick resumes; otherwise each settle does.
  }

  #hasWork(): boolean {
    return this.#retryQueue.length > 0 || this.#o.source.hasMore();
  }

  #pump(): void {
    if (this.#pumping || this.#finished) return;
    this.#pumping = true;
    const { driver, target, limiter, fixedTimeoutMs, rtt, source } = this.#o;
    try {
      while (this.#inFlight.size < this.#limit && this.#hasWork() && !this.#finished) {
        const now = performance.now();
        if (limiter !== undefined) {
          const wait = limiter.take(now);
          if (wait > 0) {
            this.#rateTimer ??= setTimeout(ScanEngine.#rateTick, Math.ceil(wait), this);
            break;
          }
        }
        const port = this.#retryQueue.length > 0 ? this.#retryQueue.pop() : source.next();
        if (port === undefined) break; // another thread took the last ports
        const attempt = this.#pool.pop() ?? new Attempt(this);
        attempt.port = port;
        attempt.startedAt = now;
        attempt.deadline = now + (fixedTimeoutMs ?? rtt.timeoutMs());
        attempt.active = true;
        this.#inFlight.add(attempt);
        if (this.#inFlight.size > this.#peak) this.#peak = this.#inFlight.size;
        driver.start(attempt, target);
        // A synchronous failure (EMFILE...) lowered #limit; the loop condition sees it.
        if (this.#stalls > 0 && this.#inFlight.size === 0) break;
      }
    } finally {
      this.#pumping = false;
    }
    if (!this.#hasWork() && this.#inFlight.size === 0) this.#finish();
  }

  static #rateTick(engine: ScanEngine): void {
    engine.#rateTimer = undefined;
    engine.#pump();
  }

  /** The shared timer: expires overdue attempts, resumes after a stall. */
  static #sweepTick(engine: ScanEngine): void {
    const now = performance.now();
    const { driver } = engine.#o;
    for (const attempt of engine.#inFlight) {
      if (now < attempt.deadline) continue;
      driver.cancel(attempt);
      attempt.active = false;
      engine.#inFlight.delete(attempt);
      engine.#pool.push(attempt);
      engine.#unanswered(attempt.port, driver.silentState);
    }
    engine.#pump();
  }

  #cancelAll(): void {
    for (const attempt of this.#inFlight) {
      this.#o.driver.cancel(attempt);
      attempt.active = false;
    }
    this.#inFlight.clear();
  }

  #stopTimers(): void {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    if (this.#rateTimer !== undefined) clearTimeout(this.#rateTimer);
    this.#sweepTimer = this.#rateTimer = undefined;
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stopTimers();
    this.#resolve?.();
  }

  #abort(): void {
    if (this.#finished) return;
    this.#aborted = true;
    this.#cancelAll();
    this.#finish();
  }

  #fail(err: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#cancelAll();
    this.#stopTimers();
    this.#reject?.(err);
  }
}
