/**
 * Runs the application-layer table over a capture, packet by packet: UDP
 * datagrams go to the row that detects them; TCP payload is reassembled per
 * direction (TcpStreams, numbered as tcp.stream) and each connection gets
 * the dissector of the row that detects the first bytes of one of its
 * directions. A message is reported on the packet whose bytes complete it,
 * as tshark reports a reassembled PDU; a response that ends at the close is
 * reported on the FIN (or RST) of its side.
 */
import type { AppContext, AppProtocol, StreamDissector, StreamSide } from './app-protocol.js';
import { APP_PROTOCOLS, detectApp } from './app-table.js';
import { L4, TCP_FLAGS, type Dissection } from './dissection.js';
import type { ProtoLayer } from './tree.js';
import { TcpStreams, type Side, type StreamConsumer, type TcpStreamInfo, type TcpStreamsOptions } from '../reassembly/tcp-streams.js';

/** A layer and the packet (frame number, as the reader numbers it) it belongs to. */
export interface AppLayerEvent {
  packet: number;
  layer: ProtoLayer;
  /** tcp.stream of a TCP message, -1 for UDP. */
  stream: number;
}

/** What packet() returns when the packet completed nothing (shared, so most packets allocate no array). */
const NONE: AppLayerEvent[] = [];
Object.freeze(NONE);

/** Per TCP connection: the row chosen (or not yet), its dissector, and which sides have shown their first bytes. */
interface Conn {
  dissector: StreamDissector | null;
  /** Bit 0 / bit 1: that side's first bytes were offered to detection (and refused). */
  tried: number;
  /** Per side: first bytes too few to decide on (under DETECT_BYTES), kept until more come. */
  probe: [Uint8Array | null, Uint8Array | null];
}

/**
 * Bytes a direction's detection may wait for: a first segment shorter than
 * this that no row accepts ("GE" of "GET ") is kept and tried again with
 * the next one, so a row's dissector still gets the direction from its
 * first byte.
 */
export const DETECT_BYTES = 16;

export interface AppLayersOptions {
  /** Rows in detection order (default APP_PROTOCOLS). */
  table?: readonly AppProtocol[];
  /** Reassembly limits. */
  tcp?: TcpStreamsOptions;
}

/** The application layers of a capture, one packet at a time (see the module comment). */
export class AppLayers {
  readonly #table: readonly AppProtocol[];
  readonly #streams: TcpStreams;
  readonly #conns = new Map<number, Conn>();
  #events: AppLayerEvent[] = NONE;
  /** Whether the current packet's bytes went into a PDU still incomplete after it. */
  #segment = false;
  #partial = '';

  constructor(options: AppLayersOptions = {}) {
    this.#table = options.table ?? APP_PROTOCOLS;
    const consumer: StreamConsumer = {
      reassembled: (stream, side, data, packetIndex) => this.#reassembled(stream, side, data, packetIndex),
      complete: (stream) => this.#complete(stream),
    };
    this.#streams = new TcpStreams(consumer, options.tcp);
  }

  /**
   * Dissects the application layer of one packet.
   * @param d the packet's dissection (link to transport)
   * @param packet its frame number
   * @param timeSec capture time (for the idle release of TCP streams)
   * @returns the layers completed by this packet (for TCP also those of held
   *   segments this packet let through, with their own packet); a shared
   *   frozen empty array when there are none
   */
  packet(d: Dissection, packet: number, timeSec = NaN): readonly AppLayerEvent[] {
    this.#events = NONE;
    this.#segment = false;
    this.#partial = '';
    if (d.l4 === L4.UDP) {
      const payload = d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength);
      const context: AppContext = { transport: 'udp', srcPort: d.srcPort, dstPort: d.dstPort };
      const row = detectApp(payload, context, this.#table);
      if (row?.datagram !== undefined) this.#emit({ packet, layer: row.datagram(payload, context), stream: -1 });
    } else if (d.l4 === L4.TCP) {
      this.#current = packet;
      this.#streams.add(d, packet, timeSec);
      if ((d.tcpFlags & (TCP_FLAGS.FIN | TCP_FLAGS.RST)) !== 0) this.#closed(d, packet);
    }
    const out = this.#events;
    this.#events = NONE;
    return out;
  }

  /**
   * Whether the last packet's payload went into a message not complete yet
   * (tshark's "[TCP segment of a reassembled PDU]").
   */
  get segmentOfPdu(): boolean {
    return this.#segment;
  }

  /** Info tshark shows on such a segment when it completed a message head (HTTP), else ''. */
  get partialInfo(): string {
    return this.#partial;
  }

  /** Whether a row's dissector reads this TCP stream (its payload is that protocol's, not Data). */
  claimed(stream: number): boolean {
    return (this.#conns.get(stream)?.dissector ?? null) !== null;
  }

  /** The TCP reassembly (tcp.stream numbers, limits, counters). */
  get tcpStreams(): TcpStreams {
    return this.#streams;
  }

  /** End of capture: what ends at the close of the streams still open. */
  finish(packet: number): readonly AppLayerEvent[] {
    this.#events = NONE;
    this.#current = packet;
    this.#streams.finish();
    const out = this.#events;
    this.#events = NONE;
    return out;
  }

  /** The packet being added (streams completed meanwhile end on it). */
  #current = 0;

  #emit(event: AppLayerEvent): void {
    if (this.#events === NONE) this.#events = [];
    this.#events.push(event);
  }

  #reassembled(stream: TcpStreamInfo, side: Side, data: Uint8Array, packet: number): void {
    let conn = this.#conns.get(stream.index);
    if (conn === undefined) {
      conn = { dissector: null, tried: 0, probe: [null, null] };
      this.#conns.set(stream.index, conn);
    }
    const s: StreamSide = side;
    if (conn.dissector === null) {
      if ((conn.tried & (1 << s)) !== 0) return;
      const held = conn.probe[s];
      if (held !== null) {
        const joined = new Uint8Array(held.length + data.length);
        joined.set(held);
        joined.set(data, held.length);
        data = joined;
        conn.probe[s] = null;
      }
      const [cport, sport] = [portOf(stream.client), portOf(stream.server)];
      const context: AppContext = { transport: 'tcp', srcPort: s === 0 ? cport : sport, dstPort: s === 0 ? sport : cport };
      const row = detectApp(data, context, this.#table);
      if (row?.stream === undefined) {
        if (data.length < DETECT_BYTES) conn.probe[s] = new Uint8Array(data);
        else conn.tried |= 1 << s;
        return;
      }
      conn.dissector = row.stream(context);
      conn.probe = [null, null];
    }
    for (const layer of conn.dissector.push(s, data)) this.#emit({ packet, layer, stream: stream.index });
    if (conn.dissector.pending(s)) {
      this.#segment = true;
      const partial = (conn.dissector as { partialInfo?: (side: StreamSide) => string }).partialInfo?.(s) ?? '';
      if (partial !== '') this.#partial = partial;
    }
  }

  /** A FIN or RST was just added: reassembly says whose stream and side it is. */
  #closed(d: Dissection, packet: number): void {
    const index = this.#streams.lastStream;
    const side: StreamSide = this.#streams.lastSide;
    const conn = index < 0 ? undefined : this.#conns.get(index);
    if (conn?.dissector == null) return;
    for (const layer of conn.dissector.end(side)) this.#emit({ packet, layer, stream: index });
    if ((d.tcpFlags & TCP_FLAGS.RST) !== 0) {
      for (const layer of conn.dissector.end(side === 0 ? 1 : 0)) this.#emit({ packet, layer, stream: index });
    }
  }

  #complete(stream: TcpStreamInfo): void {
    const conn = this.#conns.get(stream.index);
    if (conn === undefined) return;
    if (conn.dissector !== null) {
      for (const s of [0, 1] as const) for (const layer of conn.dissector.end(s)) this.#emit({ packet: this.#current, layer, stream: stream.index });
    }
    this.#conns.delete(stream.index);
  }
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
}

/** Layers whose Info is appended to, not replaced, when one packet completes several messages (tshark: HTTP appends, DNS keeps the last). */
const INFO_APPENDS = new Set(['http']);

/**
 * The Info column of a packet that completed `layers` (in order), as tshark
 * builds it: HTTP messages one after another ('GET /1 HTTP/1.1 GET /2
 * HTTP/1.1 '), otherwise the last message's; '[Malformed Packet]' after it
 * when the last layer is malformed; then `partialInfo` (AppLayers.partialInfo:
 * the start of a message the packet began, as tshark appends it).
 */
export function infoColumn(layers: readonly ProtoLayer[], partialInfo = ''): string {
  let info = '';
  for (const l of layers) info = INFO_APPENDS.has(l.name) ? info + l.info : l.info;
  if (layers.length > 0 && layers[layers.length - 1]!.malformed !== undefined) info += '[Malformed Packet]';
  return info + partialInfo;
}

/** The Protocol column of a packet that completed `layers`: the last one's. */
export function protocolColumn(layers: readonly ProtoLayer[]): string {
  return layers.length === 0 ? '' : layers[layers.length - 1]!.protocol;
}
