/**
 * The points of one direction's time-sequence graph, kept in bounded
 * memory: every segment until the cap, then every second one, then every
 * fourth... (the stride doubles and the kept points are thinned to match),
 * so the points stay evenly spread over the stream; the last point is
 * always kept.
 */
export class DecimatedPoints {
  readonly #cap: number;
  #points: [number, number][] = [];
  #stride = 1;
  #seen = 0;
  #last: [number, number] | undefined;

  /** @param cap most points kept (at least 2) */
  constructor(cap: number) {
    this.#cap = Math.max(2, cap);
  }

  add(x: number, y: number): void {
    this.#last = [x, y];
    if (this.#seen++ % this.#stride !== 0) return;
    this.#points.push(this.#last);
    if (this.#points.length > this.#cap) {
      this.#points = this.#points.filter((_p, i) => i % 2 === 0);
      this.#stride *= 2;
    }
  }

  /** The kept points, ending with the last one added. */
  result(): [number, number][] {
    const out = [...this.#points];
    if (this.#last !== undefined && out[out.length - 1] !== this.#last) out.push(this.#last);
    return out;
  }
}
