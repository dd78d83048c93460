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

/**
 * The peers of a UDP listener that have not proven themselves yet (`serve
 * udp`: one datagram only; chat: no valid nickname yet), least recently heard
 * first. A UDP source address is free to forge, so these hold no connection
 * seat and never make the server "full": past `max` the least recently heard
 * one is forgotten to make room. A Set keeps insertion order, so touching a
 * peer is a delete and an add, with no node allocated per datagram.
 */
export class UnprovenPeers<T> {
  readonly max: number;
  readonly #order = new Set<T>();

  /** @param max peers kept (>= 1) */
  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.#order.size;
  }

  has(peer: T): boolean {
    return this.#order.has(peer);
  }

  /**
   * Adds `peer` (or marks it most recently heard).
   * @returns the peer forgotten to make room, if one had to be
   */
  touch(peer: T): T | undefined {
    if (this.#order.delete(peer)) {
      this.#order.add(peer);
      return undefined;
    }
    let evicted: T | undefined;
    if (this.#order.size >= this.max) {
      evicted = this.#order.values().next().value as T;
      this.#order.delete(evicted);
    }
    this.#order.add(peer);
    return evicted;
  }

  /** Removes `peer` (it proved itself or went away); true when it was there. */
  delete(peer: T): boolean {
    return this.#order.delete(peer);
  }
}

/**
 * A listener-wide allowance of datagrams to unproven peers that are larger
 * than what they sent ("server is full" notices, a long --reply): at most
 * `perSecond`, with a burst of as many, so a flood from forged addresses
 * cannot turn the server into an amplifier.
 */
export class NoticeAllowance {
  readonly perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, now: () => number = Date.now) {
    this.perSecond = perSecond;
    this.#now = now;
    this.#tokens = perSecond;
    this.#at = now();
  }

  /** True (and one token spent) when a notice may go now. */
  take(): boolean {
    const now = this.#now();
    const elapsed = now - this.#at;
    this.#at = now;
    // A clock set back refills nothing; it never drains either.
    if (elapsed > 0) this.#tokens = Math.min(this.perSecond, this.#tokens + (elapsed * this.perSecond) / 1000);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
