/**
 * Traffic over time in one pass, when the capture's duration is not known
 * up front: intervals start at 1 µs and grow through 1, 5, 10, 50, 100 ...
 * (each a whole multiple of the one before, from the same origin), so a
 * coarser interval is an exact merge of neighbouring buckets. The bucket
 * count never exceeds the cap and every count stays exact.
 */
import { DEFAULTS } from '../../constants.js';
import type { TrafficSeries } from './types.js';

/** Per bucket: packets and bytes of in, out and other (6 numbers). */
const FIELDS = 6;
/** The first interval, in nanoseconds. */
const FIRST_INTERVAL_NS = 1000;

/** Direction index as the collector passes it: 0 other, 1 out, 2 in (StatsAccumulator's order). */
export type DirectionIndex = 0 | 1 | 2;

export class TimeSeriesCollector {
  readonly #cap: number;
  #counts: Float64Array;
  #intervalNs = FIRST_INTERVAL_NS;
  /** Growth factor of the next coarsening: alternately 5 and 2 (1 µs, 5 µs, 10 µs, 50 µs ...). */
  #nextFactor = 5;
  #used = 0;
  #haveOrigin = false;
  #originSec = 0;
  #originNsec = 0;
  untimed = 0;

  /** @param maxBuckets most intervals kept (default DEFAULTS.reportSeriesBuckets) */
  constructor(maxBuckets: number = DEFAULTS.reportSeriesBuckets) {
    this.#cap = maxBuckets;
    this.#counts = new Float64Array(maxBuckets * FIELDS);
  }

  /** Counts one packet of direction `dir` (0 other, 1 out, 2 in). */
  add(dir: DirectionIndex, bytes: number, hasTime: boolean, sec: number, nsec: number): void {
    if (!hasTime) {
      this.untimed++;
      return;
    }
    if (!this.#haveOrigin) {
      this.#haveOrigin = true;
      this.#originSec = sec;
      this.#originNsec = nsec;
    }
    // Nanoseconds since the origin: exact in a double for 104 days. A packet
    // stamped before the first one (files need not be in time order) counts in the first interval.
    const rel = Math.max(0, (sec - this.#originSec) * 1e9 + (nsec - this.#originNsec));
    let bucket = Math.floor(rel / this.#intervalNs);
    while (bucket >= this.#cap) {
      this.#coarsen();
      bucket = Math.floor(rel / this.#intervalNs);
    }
    if (bucket >= this.#used) this.#used = bucket + 1;
    const at = bucket * FIELDS + dir * 2;
    this.#counts[at]!++;
    this.#counts[at + 1]! += bytes;
  }

  /** Merges buckets by the next factor (exact: the new interval is a multiple of the old). */
  #coarsen(): void {
    const f = this.#nextFactor;
    this.#nextFactor = f === 5 ? 2 : 5;
    this.#intervalNs *= f;
    const merged = new Float64Array(this.#cap * FIELDS);
    for (let b = 0; b < this.#used; b++) {
      const to = Math.floor(b / f) * FIELDS;
      const from = b * FIELDS;
      for (let k = 0; k < FIELDS; k++) merged[to + k]! += this.#counts[from + k]!;
    }
    this.#counts = merged;
    this.#used = Math.ceil(this.#used / f);
  }

  /** The series as the report's JSON gives it. */
  result(): TrafficSeries {
    const pick = (dir: DirectionIndex) => {
      const packets: number[] = [];
      const bytes: number[] = [];
      for (let b = 0; b < this.#used; b++) {
        packets.push(this.#counts[b * FIELDS + dir * 2]!);
        bytes.push(this.#counts[b * FIELDS + dir * 2 + 1]!);
      }
      return { packets, bytes };
    };
    return {
      start: this.#haveOrigin ? this.#originSec + this.#originNsec / 1e9 : null,
      interval: this.#intervalNs / 1e9,
      buckets: this.#used,
      in: pick(2),
      out: pick(1),
      other: pick(0),
      untimed: this.untimed,
    };
  }
}
