/**
 * Append-only float64 samples in fixed chunks (8 bytes per sample and no
 * growth copies), with an exact median by in-place selection. This is the
 * only per-packet memory `pcap stats` keeps: the contract asks for the exact
 * median of inter-arrival times.
 */
const CHUNK_SHIFT = 16;
const CHUNK = 1 << CHUNK_SHIFT;
const MASK = CHUNK - 1;

export class SampleStore {
  readonly #chunks: Float64Array[] = [];
  length = 0;

  push(v: number): void {
    const i = this.length & MASK;
    if (i === 0) this.#chunks.push(new Float64Array(CHUNK));
    this.#chunks[this.#chunks.length - 1]![i] = v;
    this.length++;
  }

  get(i: number): number {
    return this.#chunks[i >>> CHUNK_SHIFT]![i & MASK]!;
  }

  #set(i: number, v: number): void {
    this.#chunks[i >>> CHUNK_SHIFT]![i & MASK] = v;
  }

  #swap(i: number, j: number): void {
    const t = this.get(i);
    this.#set(i, this.get(j));
    this.#set(j, t);
  }

  /**
   * The median (mean of the two middle values for an even count), or null
   * when empty. Reorders the samples.
   */
  median(): number | null {
    const n = this.length;
    if (n === 0) return null;
    const k = n >>> 1;
    const upper = this.#select(k);
    if (n % 2 === 1) return upper;
    // After selection everything left of k is <= the k-th value: the lower middle is their maximum.
    let lower = -Infinity;
    for (let i = 0; i < k; i++) {
      const v = this.get(i);
      if (v > lower) lower = v;
    }
    return (lower + upper) / 2;
  }

  /** Hoare quickselect with median-of-three pivots; returns the k-th smallest value. */
  #select(k: number): number {
    let lo = 0;
    let hi = this.length - 1;
    while (hi > lo) {
      const mid = lo + ((hi - lo) >>> 1);
      if (this.get(mid) < this.get(lo)) this.#swap(mid, lo);
      if (this.get(hi) < this.get(lo)) this.#swap(hi, lo);
      if (this.get(hi) < this.get(mid)) this.#swap(hi, mid);
      const pivot = this.get(mid);
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (this.get(i) < pivot) i++;
        while (this.get(j) > pivot) j--;
        if (i <= j) {
          this.#swap(i, j);
          i++;
          j--;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else return this.get(k);
    }
    return this.get(k);
  }
}
