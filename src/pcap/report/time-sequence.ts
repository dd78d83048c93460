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
  #lastX = 0;
  #lastY = 0;

  /** @param cap most points kept (at least 2) */
  constructor(cap: number) {
    this.#cap = Math.max(2, cap);
  }

  add(x: number, y: number): void {
    this.#lastX = x;
    this.#lastY = y;
    if (this.#seen++ % this.#stride !== 0) return;
    this.#points.push([x, y]);
    if (this.#points.length > this.#cap) {
      this.#points = this.#points.filter((_p, i) => i % 2 === 0);
      this.#stride *= 2;
    }
  }

  /** The kept points, ending with the last one added. */
  result(): [number, number][] {
    const out = [...this.#points];
    // The last point added is kept unless it already is the last kept one ((seen - 1) is a multiple of the stride).
    if (this.#seen > 0 && (this.#seen - 1) % this.#stride !== 0) out.push([this.#lastX, this.#lastY]);
    return out;
  }
}
