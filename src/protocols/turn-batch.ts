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
 * The log belongs to a `FanOutTurn`, and each fan-out (a chat room, an IM
 * relay) owns one: two rooms in one process never share a log, and the turn
 * that flushes a room's batches is the one that starts that room's next log,
 * so correctness does not hang on who calls what first.
 *
 * Parts must not be modified once added, and a joined Buffer must not be
 * modified either: it may be written to many receivers. The log keeps its
 * parts until the turn's batches are taken (at most what the turn read).
 */

/** A receiver whose batch is flushed when its fan-out's turn ends (an OutboundQueue). */
export interface TurnFlushable {
  /** Sends what was batched for this receiver, as one write. */
  flushBatch(): unknown;
}

/** One fan-out's turn: its log of parts, the last range joined, and the receivers waiting for the end of the turn. */
export class FanOutTurn {
  /** Parts added this turn, each once, in the order first added. */
  #log: Uint8Array[] = [];
  /** The last range joined (of which log, from, to) and its bytes. */
  #memoLog: readonly Uint8Array[] = this.#log;
  #memoFrom = 0;
  #memoTo = 0;
  #memoJoined: Uint8Array | undefined;
  /** Receivers holding a batch for the end of this turn. */
  #pending: TurnFlushable[] = [];
  readonly #flush = (): void => this.#flushAll();

  /**
   * Starts a new log. Called once the turn's batches are about to be taken:
   * batches still holding a range of the old log keep it, and what is added
   * from now on starts fresh.
   */
  startNext(): void {
    this.#log = [];
    this.#memoLog = this.#log;
    this.#memoJoined = undefined;
  }

  /** This turn's log (a batch keeps it as its range's log). */
  get log(): readonly Uint8Array[] {
    return this.#log;
  }

  /**
   * Records `data` in the log, once when it is the part just recorded.
   * @returns its index in the log
   */
  record(data: Uint8Array): number {
    const log = this.#log;
    if (log[log.length - 1] !== data) log.push(data);
    return log.length - 1;
  }

  /** @returns the parts [from, to) of `log` joined, the same Buffer for the same range asked twice in a row */
  joined(log: readonly Uint8Array[], from: number, to: number, bytes: number): Uint8Array {
    if (this.#memoJoined === undefined || this.#memoLog !== log || this.#memoFrom !== from || this.#memoTo !== to) {
      this.#memoLog = log;
      this.#memoFrom = from;
      this.#memoTo = to;
      this.#memoJoined = Buffer.concat(log.slice(from, to), bytes);
    }
    return this.#memoJoined;
  }

  /** Flushes `receiver`'s batch when this event-loop turn's I/O is over (once per batch). */
  schedule(receiver: TurnFlushable): void {
    this.#pending.push(receiver);
    // setImmediate runs once the poll phase is over, i.e. after every I/O
    // callback of this turn: all senders read in this turn share the flush.
    if (this.#pending.length === 1) setImmediate(this.#flush);
  }

  #flushAll(): void {
    const receivers = this.#pending;
    this.#pending = [];
    this.startNext();
    for (const receiver of receivers) receiver.flushBatch();
  }
}

/** A receiver's batch: a range of its fan-out turn's log, or a list of its own. */
export class TurnBatch {
  readonly #turn: FanOutTurn;
  /** The log this batch is a range of; undefined when empty or when it has its own list. */
  #log: readonly Uint8Array[] | undefined;
  #from = 0;
  #to = 0;
  #own: Uint8Array[] | undefined;
  #bytes = 0;

  /** @param turn the fan-out's turn this batch records into */
  constructor(turn: FanOutTurn) {
    this.#turn = turn;
  }

  /** The turn this batch belongs to. */
  get turn(): FanOutTurn {
    return this.#turn;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds `data` after what the batch holds.
   * @returns true when the batch was empty before
   */
  add(data: Uint8Array): boolean {
    const at = this.#turn.record(data);
    const log = this.#turn.log;
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
      this.#own = (this.#log as readonly Uint8Array[]).slice(this.#from, this.#to);
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
    return this.#turn.joined(range, from, to, bytes);
  }

  /** Forgets what the batch holds. */
  clear(): void {
    this.#log = undefined;
    this.#own = undefined;
    this.#bytes = 0;
  }
}
