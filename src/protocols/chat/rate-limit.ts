import { numberAbove, numberAtLeast } from '../../util/validate.js';

/**
 * A token bucket (RFC 2697's single-rate idea): `ratePerSecond` tokens a
 * second up to `burst`. Sans-IO: the clock is passed in, so tests need no
 * real time.
 */
const positiveRate = numberAbove(0, 'a second');
const burstSize = numberAtLeast(1);

export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #updatedMs: number;

  /**
   * @param ratePerSecond tokens added per second (> 0)
   * @param burst bucket size (>= 1)
   * @param nowMs the current time
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT for a rate or burst out of range
   */
  constructor(ratePerSecond: number, burst: number, nowMs: number) {
    positiveRate(ratePerSecond, 'ratePerSecond');
    burstSize(burst, 'burst');
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#updatedMs = nowMs;
  }

  #refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#updatedMs = nowMs;
  }

  /** Takes one token if there is one. */
  take(nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until a token will be there (0 when one is now). */
  waitMs(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }
}
