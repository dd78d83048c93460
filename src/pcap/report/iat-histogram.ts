/**
 * Inter-arrival distribution of one direction on fixed log-scale bins (five
 * a decade from 100 ns to 10 000 s): exact counts in constant memory. The
 * times are those DirectionStats takes (consecutive timestamped packets of
 * the direction, in file order), so the counts add up to the samples behind
 * the mean and median that `pcap stats` prints.
 */
import type { HistogramBin, IatHistogram } from './types.js';
import type { IatSummary } from '../direction.js';

const PER_DECADE = 5;
/** log10 of the lowest bin edge (100 ns) and of the highest (10 000 s). */
const LOW_DECADE = -7;
const HIGH_DECADE = 4;
const LOG_BINS = (HIGH_DECADE - LOW_DECADE) * PER_DECADE;
/** Bin 0: below 100 ns (zero and negative included); bins 1..LOG_BINS; the last: 10 000 s and more. */
const BINS = LOG_BINS + 2;

/** The lower edge of each log bin (1-based; index BINS is the top edge), in seconds: computed once, since binOf runs for every packet. */
const EDGES = Float64Array.from({ length: BINS + 1 }, (_, i) => 10 ** (LOW_DECADE + (i - 1) / PER_DECADE));

/** The lower edge of log bin `i` (1-based), in seconds. */
function edge(i: number): number {
  return EDGES[i]!;
}

export class IatHistogramCollector {
  readonly #counts = new Float64Array(BINS);
  #count = 0;
  #seen = false;
  #lastSec = 0;
  #lastNsec = 0;

  /** Takes one packet of the direction. */
  add(hasTime: boolean, sec: number, nsec: number): void {
    if (!hasTime) return;
    if (this.#seen) {
      // The same arithmetic as DirectionStats: seconds and nanoseconds apart.
      this.#counts[binOf(sec - this.#lastSec + (nsec - this.#lastNsec) / 1e9)]!++;
      this.#count++;
    }
    this.#seen = true;
    this.#lastSec = sec;
    this.#lastNsec = nsec;
  }

  /**
   * @param summary the direction's figures from StatsAccumulator (the same numbers stats prints)
   */
  result(summary: IatSummary): IatHistogram {
    let first = -1;
    let last = -1;
    for (let i = 0; i < BINS; i++) {
      if (this.#counts[i]! > 0) {
        if (first === -1) first = i;
        last = i;
      }
    }
    const bins: HistogramBin[] = [];
    for (let i = first; first !== -1 && i <= last; i++) {
      bins.push({ lo: i === 0 ? null : edge(i), hi: i === BINS - 1 ? null : edge(i + 1), count: this.#counts[i]! });
    }
    return { count: this.#count, mean: summary.mean, median: summary.median, std: summary.std, bins };
  }
}

/** The bin of an inter-arrival time in seconds. */
export function binOf(x: number): number {
  if (!(x >= edge(1))) return 0;
  let i = Math.floor((Math.log10(x) - LOW_DECADE) * PER_DECADE) + 1;
  // log10 rounds: settle on the bin whose edges hold x exactly.
  if (i > 1 && x < edge(i)) i--;
  else if (i < BINS - 1 && x >= edge(i + 1)) i++;
  return Math.min(i, BINS - 1);
}
