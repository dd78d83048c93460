/**
 * IP conversations (address pairs, direction-independent, like tshark's
 * `-z conv,ip`) counted without allocating per packet: IPv4 pairs live in a
 * two-level numeric map; IPv6 pairs use a text key. Bounded by
 * DEFAULTS.pcapMaxConversations; pairs beyond it are folded into one count.
 */
import { u32be } from './bytes.js';
import { formatIpv6, ipv4FromNumber } from './layers/address.js';

/** One conversation: `a` is the lower address. */
export interface Conversation {
  a: string;
  b: string;
  packets: number;
  bytes: number;
  /** Packets and bytes sent from a to b. */
  packetsAtoB: number;
  bytesAtoB: number;
}

interface Counter {
  packets: number;
  bytes: number;
  packetsAtoB: number;
  bytesAtoB: number;
}

function count(c: Counter, bytes: number, aToB: boolean): void {
  c.packets++;
  c.bytes += bytes;
  if (aToB) {
    c.packetsAtoB++;
    c.bytesAtoB += bytes;
  }
}

export class ConversationTable {
  readonly #v4 = new Map<number, Map<number, Counter>>();
  readonly #v6 = new Map<string, Counter & { a: string; b: string }>();
  readonly #max: number;
  #size = 0;
  /** Packets of conversations not tracked because the table was full. */
  overflowPackets = 0;

  /** @param max conversations tracked */
  constructor(max: number) {
    this.#max = max;
  }

  /** Counts an IPv4 packet `src -> dst` (addresses at offsets in `b`). */
  addV4(b: Uint8Array, src: number, dst: number, bytes: number): void {
    const s = u32be(b, src);
    const d = u32be(b, dst);
    const aToB = s <= d;
    const lo = aToB ? s : d;
    const hi = aToB ? d : s;
    let inner = this.#v4.get(lo);
    if (inner === undefined) {
      if (this.#size >= this.#max) {
        this.overflowPackets++;
        return;
      }
      inner = new Map();
      this.#v4.set(lo, inner);
    }
    let c = inner.get(hi);
    if (c === undefined) {
      if (this.#size >= this.#max) {
        this.overflowPackets++;
        return;
      }
      c = { packets: 0, bytes: 0, packetsAtoB: 0, bytesAtoB: 0 };
      inner.set(hi, c);
      this.#size++;
    }
    count(c, bytes, aToB);
  }

  /** Counts an IPv6 packet. */
  addV6(b: Uint8Array, src: number, dst: number, bytes: number): void {
    const s = formatIpv6(b, src);
    const d = formatIpv6(b, dst);
    const aToB = s <= d;
    const key = aToB ? `${s} ${d}` : `${d} ${s}`;
    let c = this.#v6.get(key);
    if (c === undefined) {
      if (this.#size >= this.#max) {
        this.overflowPackets++;
        return;
      }
      c = { a: aToB ? s : d, b: aToB ? d : s, packets: 0, bytes: 0, packetsAtoB: 0, bytesAtoB: 0 };
      this.#v6.set(key, c);
      this.#size++;
    }
    count(c, bytes, aToB);
  }

  /** The `n` conversations with the most bytes (ties: more packets first, then by address). */
  top(n: number): Conversation[] {
    const all: Conversation[] = [];
    for (const [lo, inner] of this.#v4) {
      for (const [hi, c] of inner) all.push({ a: ipv4FromNumber(lo), b: ipv4FromNumber(hi), ...c });
    }
    for (const c of this.#v6.values()) all.push({ ...c });
    all.sort((x, y) => y.bytes - x.bytes || y.packets - x.packets || (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
    return all.slice(0, n);
  }

  get size(): number {
    return this.#size;
  }
}
