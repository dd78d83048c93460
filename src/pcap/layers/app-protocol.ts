/**
 * The application-layer rows of the next-layer table: each protocol (TLS,
 * HTTP, DNS...) is one module under src/pcap/layers/ exporting one
 * AppProtocol. The packet view asks each row, in table order, whether the
 * first bytes of a UDP datagram or of a TCP connection's direction look like
 * it (on any port, by content; ports only break ties), and then feeds that
 * row's dissector. Dissectors are sans-IO: bytes in, ProtoLayers out, never
 * a throw; malformed input gives a layer with `malformed` set.
 */
import type { ProtoLayer } from './tree.js';

/** Client-to-server is 0 (the side that sent the connection's first packet), server-to-client 1. */
export type StreamSide = 0 | 1;

/** Where the bytes come from, for detection. */
export interface AppContext {
  transport: 'tcp' | 'udp';
  srcPort: number;
  dstPort: number;
}

/**
 * One TCP connection's dissector (both directions: protocols like HTTP and
 * TLS need what one side said to read the other). It is given each
 * direction's bytes in order, as reassembly delivers them, and returns the
 * layers of the PDUs those bytes complete (tshark reports a PDU that spans
 * segments on the segment that completes it). What it buffers is bounded.
 */
export interface StreamDissector {
  /** `data` is valid only during the call: copy what must be kept. */
  push(side: StreamSide, data: Uint8Array): ProtoLayer[];
  /**
   * Whether bytes pushed on `side` are waiting for the rest of a PDU
   * (tshark marks such segments "[TCP segment of a reassembled PDU]").
   */
  pending(side: StreamSide): boolean;
  /** That side closed (FIN/RST or end of capture): a PDU that ends at the close (HTTP body without length), if any. */
  end(side: StreamSide): ProtoLayer[];
}

export interface AppProtocol {
  /** Filter name: 'tls', 'http', 'dns'. */
  readonly name: string;
  /** Whether these first bytes (of a datagram, or of a TCP direction) are this protocol. Must be cheap. */
  detect(first: Uint8Array, context: AppContext): boolean;
  /** UDP: dissects one datagram's payload. */
  datagram?(payload: Uint8Array, context: AppContext): ProtoLayer;
  /** TCP: a dissector for one connection. */
  stream?(context: AppContext): StreamDissector;
}
