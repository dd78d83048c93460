/**
 * TCP connections of a capture, numbered as tshark numbers tcp.stream (from
 * 0, in order of first packet; a new SYN with a different initial sequence
 * number on a known 4-tuple starts a new stream, as port reuse does), each
 * direction reassembled by HalfStream and handed to a consumer through
 * `accept` / `reassembled` / `complete` (gopacket's reassembly Stream idea).
 *
 * Lifecycle (gopacket's FlushCloseOlderThan): a stream is open (it has
 * reassembly buffers) from its first packet until FIN has been seen from
 * both sides with nothing waiting out of order, or a RST, or `idleTimeoutSec`
 * of capture time without a packet, or until more than `maxStreams` are open
 * (then the oldest open one is released and counted in `evicted`). Releasing
 * keeps the stream's compact record (StreamTable: numbers, endpoints, counts,
 * the next sequence number per side), so numbering and packet counts stay
 * tshark's, and payload that comes later resumes reassembly where it stopped.
 */
import { DEFAULTS } from '../../constants.js';
import { ERROR_CODES, NetlabError } from '../../errors.js';
import { L4, TCP_FLAGS, type Dissection } from '../layers/dissection.js';
import { HalfStream, ReassemblyBudget } from './half-stream.js';
import { STREAM_CHUNK, STREAM_FLAGS, StreamTable } from './stream-table.js';

/** Client-to-server is 0, server-to-client is 1. */
export type Side = 0 | 1;

/** What is known about one TCP stream. */
export interface TcpStreamInfo {
  /** tshark's tcp.stream number. */
  readonly index: number;
  /** "IP:PORT" of the side that sent the stream's first packet. */
  readonly client: string;
  readonly server: string;
  /** Packets of the stream (both directions). */
  readonly packets: number;
  /** Reassembled payload bytes per side (0 unless the stream was accepted). */
  readonly bytesClient: number;
  readonly bytesServer: number;
  /** Whether the first payload looks like a TLS record (content type 20-23, version 3.x). */
  readonly tls: boolean;
  /** Packet number of its first packet. */
  readonly firstPacket: number;
  /** Gaps skipped in reassembly (missing segments or buffer limits). */
  readonly gaps: number;
  /** Bytes captured behind a missing segment and therefore not delivered (as tshark's follow). */
  readonly undelivered: number;
  /** Payload bytes the segments declare but the capture cut off (snap length); in sequence, not a gap. */
  readonly uncaptured: number;
}

/** Receives reassembled data. */
export interface StreamConsumer {
  /** Whether to reassemble this new stream (default: yes); asked once, at its first packet. */
  accept?(stream: TcpStreamInfo): boolean;
  /** In-order bytes of one side; `data` is valid only during the call. */
  reassembled(stream: TcpStreamInfo, side: Side, data: Uint8Array, packetIndex: number): void;
  /**
   * Reassembly of the stream stopped: FIN both ways, RST, idle, the open-stream
   * cap, or the end of the capture; everything it held has been delivered.
   * Called for streams that carried payload (only they get buffers). If
   * payload of it comes later (after idle or the cap), reassembly resumes
   * where it stopped and complete is called again when it stops again.
   */
  complete?(stream: TcpStreamInfo): void;
}

/** Limits; defaults in DEFAULTS. */
export interface TcpStreamsOptions {
  /**
   * When a stream's reassembly stops (at the end of the capture, or when it is
   * released), deliver data still waiting behind a segment that was never
   * captured, after the gap (default false: dropped, as tshark's follow does,
   * and counted in `undelivered`).
   */
  deliverAfterGaps?: boolean;
  /** Streams open (reassembled) at once; past it the oldest open one is released and counted in `evicted`. */
  maxStreams?: number;
  /** Capture time without a packet after which an open stream is released, in seconds (Infinity: never). */
  idleTimeoutSec?: number;
  maxBufferedPerStream?: number;
  maxBufferedTotal?: number;
  /**
   * Stream records kept (default Infinity, what `pcap follow` needs). A long
   * live capture sets it: once more than this many plus 16 384 streams have
   * been seen, the oldest 16 384 records are let go (their open streams
   * released first); a later packet of a forgotten stream starts a new one.
   */
  retainStreams?: number;
}

/** Reassembly state of an open stream. */
interface Conn {
  index: number;
  view: TcpStreamInfo;
  halves: [HalfStream, HalfStream];
  /** Capture time of its last packet, in seconds (NaN when packets come without time). */
  lastSeen: number;
}

/** A live view of one stream's record: reads the table on each access (empty values once the record was let go). */
class StreamView implements TcpStreamInfo {
  readonly index: number;
  readonly #table: StreamTable;

  constructor(table: StreamTable, index: number) {
    this.#table = table;
    this.index = index;
  }

  get client(): string {
    return this.#table.has(this.index) ? this.#table.endpoint(this.index, 0) : '';
  }

  get server(): string {
    return this.#table.has(this.index) ? this.#table.endpoint(this.index, 1) : '';
  }

  get packets(): number {
    return this.#table.has(this.index) ? this.#table.packets(this.index) : 0;
  }

  get bytesClient(): number {
    return this.#table.has(this.index) ? this.#table.bytes(this.index, 0) : 0;
  }

  get bytesServer(): number {
    return this.#table.has(this.index) ? this.#table.bytes(this.index, 1) : 0;
  }

  get tls(): boolean {
    return this.#table.has(this.index) && (this.#table.flags(this.index) & STREAM_FLAGS.TLS) !== 0;
  }

  get firstPacket(): number {
    return this.#table.has(this.index) ? this.#table.firstPacket(this.index) : 0;
  }

  get gaps(): number {
    return this.#table.has(this.index) ? this.#table.gaps(this.index) : 0;
  }

  get undelivered(): number {
    return this.#table.has(this.index) ? this.#table.undelivered(this.index) : 0;
  }

  get uncaptured(): number {
    return this.#table.has(this.index) ? this.#table.uncaptured(this.index) : 0;
  }
}

const FIN_RST = TCP_FLAGS.FIN | TCP_FLAGS.RST;

export class TcpStreams {
  readonly #table = new StreamTable();
  /** Open streams by number, oldest opened first. */
  readonly #live = new Map<number, Conn>();
  /** Open streams in the order they were opened, with released ones not yet dropped from it; from #orderHead. */
  #order: Conn[] = [];
  #orderHead = 0;
  readonly #consumer: StreamConsumer;
  readonly #budget: ReassemblyBudget;
  readonly #maxPerStream: number;
  readonly #maxStreams: number;
  readonly #idle: number;
  readonly #retain: number;
  readonly #deliverAfterGaps: boolean;
  #nextSweep = -Infinity;
  /** Open streams released because more than maxStreams were open. */
  evicted = 0;
  /** Open streams released after idleTimeoutSec of capture time without a packet. */
  idleFlushed = 0;
  /** Times a gap was skipped because the buffers were full. */
  limitHits = 0;
  /** The tcp.stream of the packet last given to add(), -1 when it was not TCP. */
  lastStream = -1;
  /** Its side: 0 when it came from the stream's client. */
  lastSide: Side = 0;

  constructor(consumer: StreamConsumer, options: TcpStreamsOptions = {}) {
    this.#consumer = consumer;
    this.#deliverAfterGaps = options.deliverAfterGaps ?? false;
    this.#maxStreams = options.maxStreams ?? DEFAULTS.pcapMaxTcpStreams;
    this.#idle = options.idleTimeoutSec ?? DEFAULTS.pcapTcpIdleTimeoutSec;
    if (!Number.isInteger(this.#maxStreams) || this.#maxStreams < 1) {
      throw new NetlabError(ERROR_CODES.INVALID_ARGUMENT, `maxStreams must be a positive integer (got ${String(options.maxStreams)})`);
    }
    this.#retain = options.retainStreams ?? Infinity;
    if (!(this.#retain === Infinity || (Number.isInteger(this.#retain) && this.#retain > 0))) {
      throw new NetlabError(ERROR_CODES.INVALID_ARGUMENT, `retainStreams must be a positive integer or Infinity (got ${String(options.retainStreams)})`);
    }
    if (!(this.#idle > 0)) {
      throw new NetlabError(ERROR_CODES.INVALID_ARGUMENT, `idleTimeoutSec must be a positive number of seconds, Infinity for never (got ${String(options.idleTimeoutSec)})`);
    }
    this.#maxPerStream = options.maxBufferedPerStream ?? DEFAULTS.reassemblyMaxBufferedBytesPerStream;
    this.#budget = new ReassemblyBudget(options.maxBufferedTotal ?? DEFAULTS.reassemblyMaxBufferedBytesTotal);
  }

  /**
   * Takes one dissected packet; non-TCP packets are ignored.
   * @param timeSec capture time of the packet in seconds (for the idle timeout; omitted: streams are not released for idleness)
   */
  add(d: Dissection, packetIndex: number, timeSec = NaN): void {
    this.lastStream = -1;
    if (d.l4 !== L4.TCP) return;
    const t = this.#table;
    const flags = d.tcpFlags;
    const syn = (flags & TCP_FLAGS.SYN) !== 0;
    let index = t.find(d);
    let side = t.side;
    if (index !== -1 && syn && (flags & TCP_FLAGS.ACK) === 0) {
      const base = t.base(index, side);
      if (base !== -1 && base !== d.tcpSeq) {
        // A SYN with another initial sequence number on a known 4-tuple is a
        // new connection (port reuse); tshark gives it a new tcp.stream too.
        const old = this.#live.get(index);
        if (old !== undefined) this.#release(old);
        index = -1;
      }
    }
    if (index === -1) {
      index = t.open(d, packetIndex);
      side = 0;
      if (t.count - t.firstKept > this.#retain + STREAM_CHUNK) this.#dropOldest();
      if (!(this.#consumer.accept?.(new StreamView(t, index)) ?? true)) t.setFlags(index, STREAM_FLAGS.REFUSED);
    }
    this.lastStream = index;
    this.lastSide = side;
    const state = t.flags(index);
    // Payload the snap length cut off: counted in sequence space (a clean dissection cut short only).
    const uncaptured = d.failure === '' ? d.ipUncaptured : 0;
    let conn: Conn | undefined;
    if ((state & STREAM_FLAGS.LIVE) !== 0) conn = this.#live.get(index);
    else if (d.payloadLength + uncaptured > 0 && (state & STREAM_FLAGS.REFUSED) === 0) conn = this.#open(index);
    if (t.base(index, side) === -1) t.setBase(index, side, syn ? d.tcpSeq : (d.tcpSeq - 1) >>> 0);
    t.countPacket(index);
    if (conn !== undefined) {
      conn.lastSeen = timeSec;
      const half = conn.halves[side];
      const fin = (flags & TCP_FLAGS.FIN) !== 0;
      if (!half.segment(d.tcpSeq, syn, fin, d.buf, d.payloadOffset, d.payloadLength, packetIndex, uncaptured)) this.limitHits++;
      if ((flags & FIN_RST) !== 0) {
        const [h0, h1] = conn.halves;
        if ((flags & TCP_FLAGS.RST) !== 0 || (h0.finSeen && h1.finSeen && !h0.waiting && !h1.waiting)) this.#release(conn);
      }
    } else if (syn && (state & STREAM_FLAGS.REFUSED) === 0 && t.next(index, side) === -1) {
      // No payload yet, so no buffers: only where the data will start (after the SYN) is kept.
      t.setNext(index, side, (d.tcpSeq + 1) >>> 0);
    }
    if (timeSec >= this.#nextSweep) this.#sweep(timeSec);
  }

  /** Ends the capture: flushes what waits and completes every open stream. */
  finish(): void {
    for (const conn of this.#live.values()) this.#release(conn);
  }

  /** Streams seen so far (the next tcp.stream number). */
  get count(): number {
    return this.#table.count;
  }

  /** The cap on open streams (option maxStreams). */
  get maxStreams(): number {
    return this.#maxStreams;
  }

  /** Streams open (holding reassembly state) right now. */
  get openStreams(): number {
    return this.#live.size;
  }

  /**
   * One stream's record as a plain object (a snapshot), or undefined.
   * @param index tcp.stream number
   */
  stream(index: number): TcpStreamInfo | undefined {
    if (!Number.isInteger(index) || !this.#table.has(index)) return undefined;
    const v = new StreamView(this.#table, index);
    return {
      index,
      client: v.client,
      server: v.server,
      packets: v.packets,
      bytesClient: v.bytesClient,
      bytesServer: v.bytesServer,
      tls: v.tls,
      firstPacket: v.firstPacket,
      gaps: v.gaps,
      undelivered: v.undelivered,
      uncaptured: v.uncaptured,
    };
  }

  /** The first stream whose record is kept (0 unless retainStreams let older ones go). */
  get firstKept(): number {
    return this.#table.firstKept;
  }

  /** Every stream kept, in tcp.stream order, as plain objects (built on each call: use count/stream() on large captures). */
  streams(): readonly TcpStreamInfo[] {
    const out: TcpStreamInfo[] = [];
    for (let i = this.#table.firstKept; i < this.#table.count; i++) out.push(this.stream(i)!);
    return out;
  }

  /**
   * The sequence number a side's relative numbers count from (its initial
   * sequence number, or one before its first sequence number when the capture
   * missed the SYN), -1 before that side's first packet.
   */
  sequenceBase(index: number, side: Side): number {
    return this.#table.has(index) ? this.#table.base(index, side) : -1;
  }

  /**
   * The number a side's acknowledgement `ack` counts from, as tshark's
   * relative numbers do: the other side's base, or one before `ack` itself
   * while that side has not been seen.
   */
  ackBase(index: number, side: Side, ack: number): number {
    const other = this.sequenceBase(index, side === 0 ? 1 : 0);
    return other === -1 ? (ack - 1) >>> 0 : other;
  }

  /** Records whether a key log holds the secrets of a TLS stream (for `pcap follow --list --keylog`). */
  setKeys(index: number, found: boolean): void {
    if (this.#table.has(index)) this.#table.setFlags(index, STREAM_FLAGS.KEYS_DECIDED | (found ? STREAM_FLAGS.KEYS : 0));
  }

  /** Whether setKeys was called for the stream. */
  keysDecided(index: number): boolean {
    return this.#table.has(index) && (this.#table.flags(index) & STREAM_FLAGS.KEYS_DECIDED) !== 0;
  }

  /** Whether setKeys said the key log holds the stream's secrets. */
  keysFound(index: number): boolean {
    return this.#table.has(index) && (this.#table.flags(index) & STREAM_FLAGS.KEYS) !== 0;
  }

  /**
   * Gives a stream reassembly buffers (at its first payload, or when payload
   * comes after it was released), releasing the oldest open one past the cap.
   */
  #open(index: number): Conn {
    const t = this.#table;
    if (this.#live.size >= this.#maxStreams) {
      this.#release(this.#oldest());
      this.evicted++;
    }
    const halves: [HalfStream, HalfStream] = [
      new HalfStream((data, packetIndex) => this.#delivered(conn, 0, data, packetIndex), this.#maxPerStream, this.#budget),
      new HalfStream((data, packetIndex) => this.#delivered(conn, 1, data, packetIndex), this.#maxPerStream, this.#budget),
    ];
    const conn: Conn = { index, view: new StreamView(t, index), halves, lastSeen: NaN };
    for (const side of [0, 1] as const) {
      const next = t.next(index, side);
      if (next !== -1) halves[side].resume(next);
    }
    t.setFlags(index, STREAM_FLAGS.LIVE);
    this.#live.set(index, conn);
    this.#order.push(conn);
    return conn;
  }

  /** The open stream opened longest ago (the order list is compacted as released ones pile up in it). */
  #oldest(): Conn {
    for (;;) {
      const conn = this.#order[this.#orderHead++]!;
      if (this.#live.get(conn.index) === conn) return conn;
    }
  }

  #delivered(conn: Conn, side: Side, data: Uint8Array, packetIndex: number): void {
    const t = this.#table;
    const index = conn.index;
    if ((t.flags(index) & STREAM_FLAGS.TLS_DECIDED) === 0) {
      // TLS record header: type 20-23, major version 3 (RFC 8446 section 5.1).
      const tls = data.length >= 3 && data[0]! >= 20 && data[0]! <= 23 && data[1] === 3;
      t.setFlags(index, STREAM_FLAGS.TLS_DECIDED | (tls ? STREAM_FLAGS.TLS : 0));
    }
    t.addBytes(index, side, data.length);
    this.#consumer.reassembled(conn.view, side, data, packetIndex);
  }

  /** Stops reassembling a stream: delivers or counts what waits, keeps where each side stopped. */
  #release(conn: Conn): void {
    const t = this.#table;
    const [h0, h1] = conn.halves;
    h0.flush(this.#deliverAfterGaps);
    h1.flush(this.#deliverAfterGaps);
    t.addGaps(conn.index, h0.gaps + h1.gaps, h0.undelivered + h1.undelivered, h0.uncaptured + h1.uncaptured);
    if (h0.started) t.setNext(conn.index, 0, h0.nextSeq);
    if (h1.started) t.setNext(conn.index, 1, h1.nextSeq);
    t.clearFlags(conn.index, STREAM_FLAGS.LIVE);
    this.#live.delete(conn.index);
    if (this.#order.length - this.#orderHead > 2 * this.#live.size + 1024) {
      this.#order = this.#order.slice(this.#orderHead).filter((c) => this.#live.get(c.index) === c);
      this.#orderHead = 0;
    }
    this.#consumer.complete?.(conn.view);
  }

  /** Lets go of the oldest chunk of records, releasing its open streams first. */
  #dropOldest(): void {
    const end = this.#table.firstKept + STREAM_CHUNK;
    for (const conn of this.#live.values()) if (conn.index < end) this.#release(conn);
    this.#table.dropOldestChunk();
  }

  /** Releases the open streams idle for idleTimeoutSec; runs every quarter of it in capture time. */
  #sweep(now: number): void {
    this.#nextSweep = now + Math.max(this.#idle / 4, 1);
    const before = now - this.#idle;
    for (const conn of this.#live.values()) {
      if (conn.lastSeen < before) {
        this.#release(conn);
        this.idleFlushed++;
      }
    }
  }
}
