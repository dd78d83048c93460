/**
 * Application-layer dissection over TCP reassembly: the StreamConsumer that
 * picks a row of the next-layer table for each connection from its first
 * bytes and feeds it each direction in order. The layers a push returns
 * belong to the packet being added (reassembly delivers bytes while the
 * packet that completes them is added), so they are put on that packet.
 */
import type { AppContext, StreamDissector, StreamSide } from '../layers/app-protocol.js';
import { detectApp } from '../layers/app-table.js';
import type { ProtoLayer } from '../layers/tree.js';
import type { Side, StreamConsumer, TcpStreamInfo } from '../reassembly/tcp-streams.js';
import type { ViewPacket } from './packet.js';

/** A connection whose first bytes matched no row: nothing more is looked for. */
const UNKNOWN = null;

interface Conn {
  name: string;
  dissector: StreamDissector;
}

export class AppStreams implements StreamConsumer {
  /** Connections with payload seen, by tcp.stream; removed when reassembly completes them. */
  readonly #conns = new Map<number, Conn | typeof UNKNOWN>();
  /** The packet being added; its layers receive what the dissectors return. */
  packet: ViewPacket | undefined;
  /**
   * The reassembly feeding this consumer, to know the stream of the packet
   * being added: a stream completed while another packet is added (by
   * idleness) gives its last layers to nobody.
   */
  tcp: { readonly lastStream: number } | undefined;

  accept(): boolean {
    return true;
  }

  reassembled(stream: TcpStreamInfo, side: Side, data: Uint8Array): void {
    const p = this.packet;
    if (p === undefined) return;
    let conn = this.#conns.get(stream.index);
    if (conn === undefined) {
      // Ports as the client sees them: the packet's own when it came from the client.
      const d = p.d;
      const fromClient = side === 0;
      const context: AppContext = { transport: 'tcp', srcPort: fromClient ? d.srcPort : d.dstPort, dstPort: fromClient ? d.dstPort : d.srcPort };
      const row = detectApp(data, { ...context, srcPort: d.srcPort, dstPort: d.dstPort });
      const dissector = row?.stream?.(context);
      conn = row === undefined || dissector === undefined ? UNKNOWN : { name: row.name, dissector };
      this.#conns.set(stream.index, conn);
    }
    if (conn === UNKNOWN) return;
    p.appProtocol = conn.name;
    const layers = conn.dissector.push(side as StreamSide, data);
    put(p, layers);
    p.segmentOfPdu = layers.length === 0 && conn.dissector.pending(side as StreamSide);
  }

  complete(stream: TcpStreamInfo): void {
    const conn = this.#conns.get(stream.index);
    this.#conns.delete(stream.index);
    if (conn === undefined || conn === UNKNOWN || this.packet === undefined || stream.index !== this.tcp?.lastStream) return;
    put(this.packet, conn.dissector.end(0));
    put(this.packet, conn.dissector.end(1));
  }
}

function put(p: ViewPacket, layers: readonly ProtoLayer[]): void {
  for (const layer of layers) p.layers.push(layer);
}
