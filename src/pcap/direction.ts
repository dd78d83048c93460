/**
 * Per-direction figures of the course metrics: packets, captured bytes and
 * the inter-arrival times between consecutive packets of that direction
 * (mean and population standard deviation by Welford's method, exact median).
 */
import { SampleStore } from './samples.js';

/** Inter-arrival summary; null figures with fewer than two packets. */
export interface IatSummary {
  mean: number | null;
  median: number | null;
  std: number | null;
}

export class DirectionStats {
  packets = 0;
  bytes = 0;
  readonly #iat = new SampleStore();
  #n = 0;
  #mean = 0;
  #m2 = 0;
  #lastSec = 0;
  #lastNsec = 0;
  #seen = false;

  /** Counts one packet; `hasTime` false (pcapng SPB) leaves the inter-arrival series alone. */
  add(bytes: number, hasTime: boolean, sec: number, nsec: number): void {
    this.packets++;
    this.bytes += bytes;
    if (!hasTime) return;
    if (this.#seen) {
      // Seconds and nanoseconds apart so the difference keeps nanosecond precision.
      const x = sec - this.#lastSec + (nsec - this.#lastNsec) / 1e9;
      this.#iat.push(x);
      const n = ++this.#n;
      const delta = x - this.#mean;
      this.#mean += delta / n;
      this.#m2 += delta * (x - this.#mean);
    }
    this.#seen = true;
    this.#lastSec = sec;
    this.#lastNsec = nsec;
  }

  /** The summary; computing the median reorders the stored samples. */
  summary(): IatSummary {
    if (this.#n === 0) return { mean: null, median: null, std: null };
    return { mean: this.#mean, median: this.#iat.median(), std: Math.sqrt(this.#m2 / this.#n) };
  }
}
