/**
 * What a load run measures: counters and an HDR latency histogram
 * (hdr-histogram-js, Gil Tene's High Dynamic Range histogram: fixed memory,
 * O(1) recording, no allocation per value, 3 significant digits).
 * Latencies are recorded in microseconds.
 */
import * as hdr from 'hdr-histogram-js';

/** Latency percentiles of a run, in microseconds (integers). */
export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** The counters of one process's LoadMetrics, sent to the parent by a --workers child. */
export interface LoadCounters {
  completed: number;
  bytesSent: number;
  bytesReceived: number;
  errors: number;
  timeouts: number;
}

/** Latencies of one process, sent to the parent by a --workers child. */
export interface EncodedLatencies {
  histogram: string;
  min: number;
  max: number;
}

/** Longest latency the histogram tracks: 60 s, in µs; longer values are clamped. */
const HIGHEST_TRACKABLE_US = 60_000_000;

/** The counters and histogram shared by every connection of one run. */
export class LoadMetrics {
  readonly #histogram: hdr.Histogram;
  /** Completed round trips (echo) or delivered messages (chat). */
  completed = 0;
  bytesSent = 0;
  bytesReceived = 0;
  /** Socket errors after the run started (connect failures included). */
  errors = 0;
  /** Replies that did not come within the reply timeout. */
  timeouts = 0;
  /** The first error seen, for a clear message when nothing succeeded. */
  firstError: unknown;
  /** Exact extremes (the histogram keeps values to 3 significant digits only). */
  #min = Infinity;
  #max = 0;

  constructor() {
    this.#histogram = hdr.build({
      bitBucketSize: 32,
      lowestDiscernibleValue: 1,
      highestTrackableValue: HIGHEST_TRACKABLE_US,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    });
  }

  /**
   * Records one latency.
   * @param micros the latency in µs (clamped to 1..60 s)
   */
  record(micros: number): void {
    const v = micros < 1 ? 1 : micros > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : Math.round(micros);
    this.#histogram.recordValue(v);
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /**
   * Records `count` equal latencies at once (a chunk of lines sent together).
   * @param micros the latency in µs (clamped to 1..60 s)
   * @param count how many, at least 1
   */
  recordMany(micros: number, count: number): void {
    const v = micros < 1 ? 1 : micros > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : Math.round(micros);
    this.#histogram.recordValueWithCount(v, count);
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** Counts one error, keeping the first for the report. */
  error(err: unknown): void {
    this.errors += 1;
    if (this.firstError === undefined) this.firstError = err;
  }

  /** The latencies in a form another process can merge (HdrHistogram's compressed base64, plus the exact extremes). */
  encodeHistogram(): EncodedLatencies {
    return { histogram: hdr.encodeIntoCompressedBase64(this.#histogram), min: this.#min, max: this.#max };
  }

  /** The counters, for a parent to add up (see absorb()). */
  counters(): LoadCounters {
    return { completed: this.completed, bytesSent: this.bytesSent, bytesReceived: this.bytesReceived, errors: this.errors, timeouts: this.timeouts };
  }

  /**
   * Adds a worker's counters and latencies to this run.
   * @throws Error when the histogram is not an encoded one
   */
  absorb(counters: LoadCounters, latencies: EncodedLatencies): void {
    this.completed += counters.completed;
    this.bytesSent += counters.bytesSent;
    this.bytesReceived += counters.bytesReceived;
    this.errors += counters.errors;
    this.timeouts += counters.timeouts;
    this.mergeHistogram(latencies);
  }

  /**
   * Adds another run's latencies (from encodeHistogram()) to this one.
   * @throws Error when the histogram is not an encoded one
   */
  mergeHistogram(encoded: EncodedLatencies): void {
    this.#histogram.add(hdr.decodeFromCompressedBase64(encoded.histogram, 32, false));
    if (encoded.min < this.#min) this.#min = encoded.min;
    if (encoded.max > this.#max) this.#max = encoded.max;
  }

  /** The percentiles so far (all zero when nothing was recorded). */
  latency(): LatencySummary {
    const h = this.#histogram;
    if (h.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    const min = this.#min;
    const max = this.#max;
    // A percentile is reported as the top of its bucket (within 0.1 %), which
    // can lie above the exact maximum; clamp so p50 <= p99 <= p999 <= max holds.
    const at = (p: number): number => Math.min(max, Math.max(min, h.getValueAtPercentile(p)));
    return { min, mean: Math.round(h.mean), p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max };
  }
}

/** Microseconds on a monotonic clock (a double: no allocation, unlike hrtime.bigint()). */
export function nowMicros(): number {
  return performance.now() * 1000;
}
