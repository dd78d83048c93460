/**
 * One direction of a TCP connection, put back in sequence order (RFC 9293
 * section 3.4: sequence numbers count bytes; SYN and FIN each take one).
 * Segments before the next expected byte are retransmissions or overlaps:
 * only their new bytes are used (the first copy of a byte wins, as tshark's
 * follow does). Segments after it wait, copied, until the gap is filled,
 * within a byte budget; when the budget runs out the gap is skipped.
 * Sequence arithmetic is modulo 2^32, so wrap-around is handled.
 *
 * A segment cut by the capture's snap length still covers the sequence
 * space its headers declare: its captured bytes are delivered and the rest
 * is counted in `uncaptured`, so the next segment follows on without a gap
 * (tshark's follow shows the captured bytes of each segment the same way).
 */

/** Where reassembled bytes go. `data` is valid only during the call. */
export type DeliverFn = (data: Uint8Array, packetIndex: number) => void;

interface Pending {
  seq: number;
  data: Uint8Array;
  /** Bytes of the segment after `data` that the capture did not keep. */
  uncaptured: number;
  packetIndex: number;
}

/** Signed distance a - b in 32-bit sequence space. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** Shared budget of out-of-order bytes over all streams. */
export class ReassemblyBudget {
  used = 0;
  constructor(readonly total: number) {}
}

export class HalfStream {
  /** Reassembled bytes delivered. */
  bytes = 0;
  /** Gaps skipped (lost segments, or the buffer limit). */
  gaps = 0;
  /** Bytes received behind a gap that never closed and not delivered (see flush). */
  undelivered = 0;
  /** Bytes of in-order segments that the capture cut off (snap length): in sequence, never delivered. */
  uncaptured = 0;
  synSeen = false;
  finSeen = false;
  #started = false;
  #next = 0;
  #pending: Pending[] = [];
  #buffered = 0;
  readonly #deliver: DeliverFn;
  readonly #maxBuffered: number;
  readonly #budget: ReassemblyBudget;

  /**
   * @param deliver receives in-order bytes
   * @param maxBuffered out-of-order bytes this direction may hold
   * @param budget out-of-order bytes all streams together may hold
   */
  constructor(deliver: DeliverFn, maxBuffered: number, budget: ReassemblyBudget) {
    this.#deliver = deliver;
    this.#maxBuffered = maxBuffered;
    this.#budget = budget;
  }

  /**
   * Continues a direction whose reassembly stopped earlier (its stream was
   * released while idle or over the open-stream cap): bytes before `next`
   * are retransmissions.
   */
  resume(next: number): void {
    this.#started = true;
    this.synSeen = true;
    this.#next = next >>> 0;
  }

  /** Whether the direction has an origin (a SYN or data seen). */
  get started(): boolean {
    return this.#started;
  }

  /** Sequence number of the next byte expected (meaningful once started). */
  get nextSeq(): number {
    return this.#next;
  }

  /** Whether out-of-order data waits for a missing segment. */
  get waiting(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * Takes one segment of this direction.
   * @param seq sequence number of the segment
   * @param syn whether SYN is set (its sequence number precedes the data)
   * @param fin whether FIN is set
   * @param buf/offset/length the captured payload (a view; copied only if it must wait)
   * @param uncaptured payload bytes the segment declares beyond the captured ones (snap length)
   * @returns false when a gap had to be skipped because of the buffer limits
   */
  segment(seq: number, syn: boolean, fin: boolean, buf: Uint8Array, offset: number, length: number, packetIndex: number, uncaptured = 0): boolean {
    let dataSeq = seq;
    if (syn) {
      dataSeq = (seq + 1) >>> 0;
      if (!this.synSeen) {
        this.synSeen = true;
        this.#next = dataSeq;
        this.#started = true;
      }
    }
    if (fin) this.finSeen = true;
    if (length === 0 && uncaptured === 0) return true;
    if (!this.#started) {
      // Capture started mid-connection: the first data seen sets the origin.
      this.#started = true;
      this.#next = dataSeq;
    }
    const diff = seqDiff(dataSeq, this.#next);
    if (diff <= 0) {
      this.#take(dataSeq, buf, offset, length, uncaptured, packetIndex);
      this.#drain();
      return true;
    }
    return this.#hold(dataSeq, buf.slice(offset, offset + length), uncaptured, packetIndex);
  }

  /**
   * End of capture. With `deliverAfterGaps` the data still waiting behind a
   * segment that never came is delivered after the gap; without it (the
   * default, and what tshark's follow does) it is dropped and counted in
   * `undelivered`.
   */
  flush(deliverAfterGaps = false): void {
    if (!deliverAfterGaps) {
      for (const p of this.#pending) {
        this.undelivered += p.data.length;
        this.#budget.used -= p.data.length;
      }
      if (this.#pending.length > 0) this.gaps++;
      this.#pending = [];
      this.#buffered = 0;
      return;
    }
    while (this.#pending.length > 0) {
      this.#skipGap();
      this.#drain();
    }
  }

  /**
   * Delivers the part of a segment at or after the next expected byte; the
   * segment's uncaptured tail moves the next expected byte past it too.
   */
  #take(dataSeq: number, buf: Uint8Array, offset: number, length: number, uncaptured: number, packetIndex: number): void {
    const skip = -seqDiff(dataSeq, this.#next);
    if (skip >= length + uncaptured) return; // entirely a retransmission
    this.#next = (dataSeq + length + uncaptured) >>> 0;
    if (skip >= length) {
      this.uncaptured += length + uncaptured - skip;
      return;
    }
    this.uncaptured += uncaptured;
    this.bytes += length - skip;
    this.#deliver(buf.subarray(offset + skip, offset + length), packetIndex);
  }

  #hold(seq: number, data: Uint8Array, uncaptured: number, packetIndex: number): boolean {
    let ok = true;
    while (this.#pending.length > 0 && (this.#buffered + data.length > this.#maxBuffered || this.#budget.used + data.length > this.#budget.total)) {
      // Out of room: give up on the oldest gap (gopacket's MaxBufferedPages behaviour).
      this.#skipGap();
      this.#drain();
      ok = false;
    }
    if (seqDiff(seq, this.#next) <= 0) {
      // Skipping the gap made this segment the next in order.
      this.#take(seq, data, 0, data.length, uncaptured, packetIndex);
      this.#drain();
      return ok;
    }
    if (this.#buffered + data.length > this.#maxBuffered || this.#budget.used + data.length > this.#budget.total) {
      // A single segment bigger than the budget: deliver it now, after the gap.
      this.gaps++;
      this.#next = seq;
      this.#take(seq, data, 0, data.length, uncaptured, packetIndex);
      return false;
    }
    // Keep the list sorted by sequence distance from the next expected byte.
    const d = seqDiff(seq, this.#next);
    let i = this.#pending.length;
    while (i > 0 && seqDiff(this.#pending[i - 1]!.seq, this.#next) > d) i--;
    this.#pending.splice(i, 0, { seq, data, uncaptured, packetIndex });
    this.#buffered += data.length;
    this.#budget.used += data.length;
    return ok;
  }

  /** Delivers waiting segments that are now in order. */
  #drain(): void {
    while (this.#pending.length > 0) {
      const first = this.#pending[0]!;
      if (seqDiff(first.seq, this.#next) > 0) return;
      this.#pending.shift();
      this.#buffered -= first.data.length;
      this.#budget.used -= first.data.length;
      this.#take(first.seq, first.data, 0, first.data.length, first.uncaptured, first.packetIndex);
    }
  }

  /** Moves the next expected byte to the first waiting segment. */
  #skipGap(): void {
    const first = this.#pending[0];
    if (first === undefined) return;
    if (seqDiff(first.seq, this.#next) > 0) {
      this.gaps++;
      this.#next = first.seq;
    }
  }
}
