/**
 * Adaptive per-attempt timeout from measured round-trip times.
 *
 * The estimator is RFC 6298's (section 2): on the first sample R,
 * SRTT = R and RTTVAR = R/2; on each later sample,
 * RTTVAR = (1 - 1/4) * RTTVAR + 1/4 * |SRTT - R| and
 * SRTT = (1 - 1/8) * SRTT + 1/8 * R; the timeout is SRTT + 4 * RTTVAR.
 * nmap's timing code does the same and clamps the result between a minimum
 * and a maximum that depend on the timing template; the defaults here are
 * nmap -T4's (initial 500 ms, min 100 ms, max 1250 ms).
 *
 * Every attempt is a fresh socket, so a sample is never ambiguous the way a
 * retransmitted segment's is (Karn's algorithm is not needed).
 */

export interface RttOptions {
  /** Timeout before any sample arrives, in ms. */
  initialTimeoutMs: number;
  /** Floor of the adaptive timeout, in ms. */
  minTimeoutMs: number;
  /** Ceiling of the adaptive timeout, in ms. */
  maxTimeoutMs: number;
}

import { invalidOption, positiveMs } from '../util/validate.js';

export class RttEstimator {
  readonly #options: RttOptions;
  #srtt = -1;
  #rttvar = 0;
  #samples = 0;

  /**
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when min > max or a value is not a positive number
   */
  constructor(options: RttOptions) {
    const { initialTimeoutMs, minTimeoutMs, maxTimeoutMs } = options;
    positiveMs(initialTimeoutMs, 'options.initialTimeoutMs');
    positiveMs(minTimeoutMs, 'options.minTimeoutMs');
    positiveMs(maxTimeoutMs, 'options.maxTimeoutMs');
    if (minTimeoutMs > maxTimeoutMs) throw invalidOption('options.minTimeoutMs', `at most options.maxTimeoutMs (${maxTimeoutMs})`, minTimeoutMs);
    this.#options = Object.freeze({ ...options });
  }

  /**
   * Feeds one measured round trip.
   * @param rttMs time from starting an attempt to its answer, in ms
   */
  sample(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    this.#samples++;
    if (this.#srtt < 0) {
      this.#srtt = rttMs;
      this.#rttvar = rttMs / 2;
      return;
    }
    this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - rttMs);
    this.#srtt = 0.875 * this.#srtt + 0.125 * rttMs;
  }

  /** Smoothed round-trip time in ms, or undefined before the first sample. */
  get srttMs(): number | undefined {
    return this.#srtt < 0 ? undefined : this.#srtt;
  }

  get samples(): number {
    return this.#samples;
  }

  /** The timeout to give the next attempt, in ms. */
  timeoutMs(): number {
    const { initialTimeoutMs, minTimeoutMs, maxTimeoutMs } = this.#options;
    const raw = this.#srtt < 0 ? initialTimeoutMs : this.#srtt + 4 * this.#rttvar;
    return Math.min(maxTimeoutMs, Math.max(minTimeoutMs, raw));
  }
}
