/**
 * What one fan-out receiver is to be sent at the end of this event-loop
 * turn, recorded so that receivers of the same broadcasts share it.
 *
 * A broadcast hands the same Buffer to every receiver, one after another,
 * and the next broadcast does the same, so most receivers of a turn are
 * sent the same Buffers in the same order. Each Buffer is recorded once, in
 * the turn's log; a receiver's batch is a range of that log (two numbers,
 * no list of its own), and receivers with the same range get the same
 * joined Buffer. A receiver whose parts are not such a range (a sender,
 * skipped by its own broadcast; a Buffer sent to it alone) keeps its own
 * list. In a join storm (200 users joining a room of 10000 in one turn)
 * that is one 200-entry log and one joined Buffer, not 10000 lists and
 * 10000 copies of the same notices: garbage whose pages the allocator would
 * keep long after.
 *
 * Parts must not be modified once added, and a joined Buffer must not be
 * modified either: it may be written to many receivers. The log keeps its
 * parts until the turn's batches are taken (at most what the turn read).
 */

/** Parts added this turn, each once, in the order first added. */
let log: Uint8Array[] = [];
/** The last range joined (of which log, from, to) and its bytes. */
let memoLog: Uint8Array[] = log;
let memoFrom = 0;
let memoTo = 0;
let memoJoined: Uint8Array | undefined;

/**
 * Starts a new log. Call once the turn's batches are about to be taken:
 * batches still holding a range of the old log keep it, and what is added
 * from now on starts fresh.
 */
export function startNextTurn(): void {
  log = [];
  memoLog = log;
  memoJoined = undefined;
}

export class TurnBatch {
  /** The log this batch is a range of; undefined when empty or when it has its own list. */
  #log: Uint8Array[] | undefined;
  #from = 0;
  #to = 0;
  #own: Uint8Array[] | undefined;
  #bytes = 0;

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds `data` after what the batch holds.
   * @returns true when the batch was empty before
   */
  add(data: Uint8Array): boolean {
    if (log[log.length - 1] !== data) log.push(data);
    const at = log.length - 1;
    const wasEmpty = this.#log === undefined && this.#own === undefined;
    this.#bytes += data.byteLength;
    if (this.#own !== undefined) {
      this.#own.push(data);
    } else if (wasEmpty) {
      this.#log = log;
      this.#from = at;
      this.#to = at + 1;
    } else if (this.#log === log && this.#to === at) {
      this.#to++;
    } else {
      this.#own = (this.#log as Uint8Array[]).slice(this.#from, this.#to);
      this.#own.push(data);
      this.#log = undefined;
    }
    return wasEmpty;
  }

  /**
   * Empties the batch.
   * @returns what it held as one Buffer (the same one for every batch of the
   *   same range), or undefined when it held nothing
   */
  take(): Uint8Array | undefined {
    const range = this.#log;
    const from = this.#from;
    const to = this.#to;
    const own = this.#own;
    const bytes = this.#bytes;
    this.clear();
    // A list of its own only ever holds two parts or more.
    if (own !== undefined) return Buffer.concat(own, bytes);
    if (range === undefined) return undefined;
    if (to - from === 1) return range[from];
    if (memoJoined === undefined || memoLog !== range || memoFrom !== from || memoTo !== to) {
      memoLog = range;
      memoFrom = from;
      memoTo = to;
      memoJoined = Buffer.concat(range.slice(from, to), bytes);
    }
    return memoJoined;
  }

  /** Forgets what the batch holds. */
  clear(): void {
    this.#log = undefined;
    this.#own = undefined;
    this.#bytes = 0;
  }
}
