/**
 * TCP connections of a capture, numbered as tshark numbers tcp.stream (from
 * 0, in order of first packet; a new SYN with a different initial sequence
 * number on a known 4-tuple starts a new stream, as port reuse does), each
 * direction reassembled by HalfStream and handed to a consumer through
 * `accept` / `reassembled` / `complete` (gopacket's reassembly Stream idea).
 */
import { DEFAULTS } from '../../constants.js';
import { flowKey, type FlowKey } from '../flow.js';
import { formatEndpoint, formatIp } from '../layers/address.js';
import { L4, TCP_FLAGS, type Dissection } from '../layers/dissection.js';
import { HalfStream, ReassemblyBudget } from './half-stream.js';

/** Client-to-server is 0, server-to-client is 1. */
export type Side = 0 | 1;

/** What is known about one TCP stream. */
export interface TcpStreamInfo {
  /** tshark's tcp.stream number. */
  index: number;
  /** "IP:PORT" of the side that sent the stream's first packet. */
  client: string;
  server: string;
  /** Packets of the stream (both directions). */
  packets: number;
  /** Reassembled payload bytes per side (0 unless the stream was accepted). */
  bytesClient: number;
  bytesServer: number;
  /** Whether the first payload looks like a TLS record (content type 20-23, version 3.x). */
  tls: boolean;
  /** Packet number of its first packet. */
  firstPacket: number;
  /** Gaps skipped in reassembly (missing segments or buffer limits). */
  gaps: number;
  /** Bytes captured behind a missing segment and therefore not delivered (as tshark's follow). */
  undelivered: number;
}

/** Receives reassembled data. */
export interface StreamConsumer {
  /** Whether to reassemble this new stream (default: yes). */
  accept?(stream: TcpStreamInfo): boolean;
  /** In-order bytes of one side; `data` is valid only during the call. */
  reassembled(stream: TcpStreamInfo, side: Side, data: Uint8Array, packetIndex: number): void;
  /** The capture ended; everything of this stream has been delivered. */
  complete?(stream: TcpStreamInfo): void;
}

/** Limits; defaults in DEFAULTS. */
export interface TcpStreamsOptions {
  /**
   * At the end of the capture, deliver data still waiting behind a segment
   * that was never captured, after the gap (default false: dropped, as
   * tshark's follow does, and counted in `undelivered`).
   */
  deliverAfterGaps?: boolean;
  maxStreams?: number;
  maxBufferedPerStream?: number;
  maxBufferedTotal?: number;
}

interface Conn {
  info: TcpStreamInfo;
  /** Flow direction (FlowKey.forward) of the client. */
  clientForward: boolean;
  /**
   * Base sequence number per flow direction ([forward, reverse]), -1 until
   * seen: the SYN's sequence number, or one before the first segment's.
   */
  base: [number, number];
  halves: [HalfStream, HalfStream] | null;
}

export class TcpStreams {
  readonly #conns = new Map<string, Conn>();
  readonly #all: TcpStreamInfo[] = [];
  readonly #consumer: StreamConsumer;
  readonly #budget: ReassemblyBudget;
  readonly #maxPerStream: number;
  readonly #maxStreams: number;
  readonly #key: FlowKey = { key: '', forward: true };
  readonly #deliverAfterGaps: boolean;
  #next = 0;
  /** Streams forgotten because of maxStreams. */
  evicted = 0;
  /** Times a gap was skipped because the buffers were full. */
  limitHits = 0;

  constructor(consumer: StreamConsumer, options: TcpStreamsOptions = {}) {
    this.#consumer = consumer;
    this.#deliverAfterGaps = options.deliverAfterGaps ?? false;
    this.#maxStreams = options.maxStreams ?? DEFAULTS.pcapMaxTcpStreams;
    this.#maxPerStream = options.maxBufferedPerStream ?? DEFAULTS.reassemblyMaxBufferedBytesPerStream;
    this.#budget = new ReassemblyBudget(options.maxBufferedTotal ?? DEFAULTS.reassemblyMaxBufferedBytesTotal);
  }

  /** Takes one dissected packet; non-TCP packets are ignored. */
  add(d: Dissection, packetIndex: number): void {
    if (d.l4 !== L4.TCP) return;
    const k = flowKey(d, this.#key);
    const flags = d.tcpFlags;
    const syn = (flags & TCP_FLAGS.SYN) !== 0;
    const pureSyn = syn && (flags & TCP_FLAGS.ACK) === 0;
    let conn = this.#conns.get(k.key);
    const dir = k.forward ? 0 : 1;
    if (conn !== undefined && pureSyn && conn.base[dir] !== -1 && conn.base[dir] !== d.tcpSeq) {
      // A SYN with another initial sequence number on a known 4-tuple is a
      // new connection (port reuse); tshark gives it a new tcp.stream too.
      this.#complete(conn);
      conn = undefined;
    }
    if (conn === undefined) conn = this.#open(d, k, packetIndex);
    if (conn.base[dir] === -1) conn.base[dir] = syn ? d.tcpSeq : (d.tcpSeq - 1) >>> 0;
    conn.info.packets++;
    if (conn.halves !== null) {
      const side: Side = k.forward === conn.clientForward ? 0 : 1;
      const half = conn.halves[side];
      const ok = half.segment(d.tcpSeq, syn, (flags & TCP_FLAGS.FIN) !== 0, d.buf, d.payloadOffset, d.payloadLength, packetIndex);
      if (!ok) this.limitHits++;
    }
  }

  /** Ends the capture: flushes what waits and completes every stream. */
  finish(): void {
    for (const conn of this.#conns.values()) this.#complete(conn);
    this.#conns.clear();
  }

  /** Every stream seen, in tcp.stream order. */
  streams(): readonly TcpStreamInfo[] {
    return this.#all;
  }

  #open(d: Dissection, k: FlowKey, packetIndex: number): Conn {
    if (this.#conns.size >= this.#maxStreams) {
      const oldest = this.#conns.entries().next().value as [string, Conn];
      this.#complete(oldest[1]);
      this.#conns.delete(oldest[0]);
      this.evicted++;
    }
    const info: TcpStreamInfo = {
      index: this.#next++,
      client: formatEndpoint(formatIp(d.buf, d.srcOffset, d.ipVersion), d.srcPort),
      server: formatEndpoint(formatIp(d.buf, d.dstOffset, d.ipVersion), d.dstPort),
      packets: 0,
      bytesClient: 0,
      bytesServer: 0,
      tls: false,
      firstPacket: packetIndex,
      gaps: 0,
      undelivered: 0,
    };
    this.#all.push(info);
    const conn: Conn = { info, clientForward: k.forward, base: [-1, -1], halves: null };
    if (this.#consumer.accept?.(info) ?? true) {
      const consumer = this.#consumer;
      let first = true;
      const deliver = (side: Side) => (data: Uint8Array, index: number) => {
        if (first) {
          first = false;
          // TLS record header: type 20-23, major version 3 (RFC 8446 section 5.1).
          info.tls = data.length >= 3 && data[0]! >= 20 && data[0]! <= 23 && data[1] === 3;
        }
        if (side === 0) info.bytesClient += data.length;
        else info.bytesServer += data.length;
        consumer.reassembled(info, side, data, index);
      };
      conn.halves = [
        new HalfStream(deliver(0), this.#maxPerStream, this.#budget),
        new HalfStream(deliver(1), this.#maxPerStream, this.#budget),
      ];
    }
    this.#conns.set(k.key, conn);
    return conn;
  }

  #complete(conn: Conn): void {
    if (conn.halves === null) return;
    conn.halves[0].flush(this.#deliverAfterGaps);
    conn.halves[1].flush(this.#deliverAfterGaps);
    conn.info.gaps = conn.halves[0].gaps + conn.halves[1].gaps;
    conn.info.undelivered = conn.halves[0].undelivered + conn.halves[1].undelivered;
    conn.halves = null;
    this.#consumer.complete?.(conn.info);
  }
}
