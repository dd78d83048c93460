import { numberAbove, numberAtLeast } from '../util/validate.js';

const positiveRate = numberAbove(0, 'a second');
const burstSize = numberAtLeast(1);

/**
 * A token bucket that caps how many attempts start per second (`--rate`).
 * Sans-IO: the caller passes the clock, so tests need no timers.
 */
export class RateLimiter {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  /**
   * @param ratePerSecond attempts allowed per second, > 0
   * @param now the current time in ms (performance.now())
   * @param burst tokens that may accumulate while idle (default: a tenth of a
   *   second's worth, at least 1), so a pause is not followed by a flood
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when the rate or burst is not positive
   */
  constructor(ratePerSecond: number, now: number, burst = Math.max(1, Math.floor(ratePerSecond / 10))) {
    positiveRate(ratePerSecond, 'ratePerSecond');
    burstSize(burst, 'burst');
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = burst;
    this.#tokens = 1;
    this.#last = now;
  }

  /**
   * Takes one token if there is one.
   * @param now the current time in ms
   * @returns 0 when the attempt may start now, else the ms to wait for a token
   */
  take(now: number): number {
    if (now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#ratePerMs);
      this.#last = now;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return (1 - this.#tokens) / this.#ratePerMs;
  }
}
