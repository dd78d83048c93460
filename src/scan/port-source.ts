/**
 * Where scan shards take their next port from. The ports live in one
 * SharedArrayBuffer and a shared cursor hands them out in blocks
 * (Atomics.add), so threads that start late or run slow simply take fewer
 * blocks: the shards finish together without a static split.
 */

/** Ports handed out per claim: small enough to balance, large enough that claims are rare. */
export const PORT_BLOCK = 256;

export interface SharedPorts {
  /** Ports to scan, in order (a SharedArrayBuffer of uint16). */
  ports: Uint16Array;
  /** [0] = index of the next unclaimed port (a SharedArrayBuffer of int32). */
  cursor: Int32Array;
}

/** Puts ports in shared memory; the result can be posted to workers as is. */
export function sharePorts(ports: readonly number[]): SharedPorts {
  const shared = new Uint16Array(new SharedArrayBuffer(Math.max(1, ports.length) * 2)).subarray(0, ports.length);
  shared.set(ports);
  return { ports: shared, cursor: new Int32Array(new SharedArrayBuffer(4)) };
}

/** One shard's view of the shared ports. Not thread-safe itself: one per thread. */
export class PortSource {
  readonly #ports: Uint16Array;
  readonly #cursor: Int32Array;
  readonly #block: number;
  #pos = 0;
  #end = 0;

  /**
   * @param shared from sharePorts(), possibly received in a worker
   * @param block ports claimed at once (default PORT_BLOCK)
   */
  constructor(shared: SharedPorts, block = PORT_BLOCK) {
    this.#ports = shared.ports;
    this.#cursor = shared.cursor;
    this.#block = block;
  }

  /** A source over a plain list, for a single shard. */
  static of(ports: readonly number[]): PortSource {
    return new PortSource(sharePorts(ports));
  }

  /** True unless every port has been handed out (to any thread). */
  hasMore(): boolean {
    return this.#pos < this.#end || Atomics.load(this.#cursor, 0) < this.#ports.length;
  }

  /** The next port, or undefined when all have been handed out. */
  next(): number | undefined {
    if (this.#pos >= this.#end) {
      const start = Atomics.add(this.#cursor, 0, this.#block);
      if (start >= this.#ports.length) return undefined;
      this.#pos = start;
      this.#end = Math.min(start + this.#block, this.#ports.length);
    }
    return this.#ports[this.#pos++];
  }
}
