/**
 * The UDP server's table of peers, looked up once per datagram. Keyed by the
 * port number first (a small integer: no string is built or hashed per
 * datagram), then the address string as Node reported it; almost every port
 * has exactly one peer, so the second step is one string comparison.
 */
export class PeerTable<T> {
  readonly #byPort = new Map<number, { address: string; value: T }[]>();
  #size = 0;

  /** How many peers the table holds. */
  get size(): number {
    return this.#size;
  }

  /** The value for `address`:`port`, or undefined. */
  get(address: string, port: number): T | undefined {
    const list = this.#byPort.get(port);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i] as { address: string; value: T };
      if (entry.address === address) return entry.value;
    }
    return undefined;
  }

  /** Adds or replaces the value for `address`:`port`. */
  set(address: string, port: number, value: T): void {
    const list = this.#byPort.get(port);
    if (list === undefined) {
      this.#byPort.set(port, [{ address, value }]);
      this.#size += 1;
      return;
    }
    const entry = list.find((e) => e.address === address);
    if (entry !== undefined) entry.value = value;
    else {
      list.push({ address, value });
      this.#size += 1;
    }
  }

  /** Removes `address`:`port`; true when it was there. */
  delete(address: string, port: number): boolean {
    const list = this.#byPort.get(port);
    if (list === undefined) return false;
    const i = list.findIndex((e) => e.address === address);
    if (i === -1) return false;
    list.splice(i, 1);
    if (list.length === 0) this.#byPort.delete(port);
    this.#size -= 1;
    return true;
  }
}
