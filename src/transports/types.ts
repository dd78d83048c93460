/**
 * What every transport module (tcp.ts, tls.ts, udp.ts, ws.ts) exports: one
 * driver with the same two entry points, looked up by scheme in registry.ts.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NetlabError } from '../errors.js';
import type { Endpoint } from '../util/endpoint.js';
import type { Framing, Session, TransportName } from './session.js';

/** TLS material and knobs shared by servers and clients. */
export interface TlsOptions {
  /** PEM certificate chain (servers). */
  cert?: string | Buffer;
  /** PEM private key (servers). */
  key?: string | Buffer;
  /** PEM CA certificates to trust instead of the system store (clients). */
  ca?: string | Buffer;
  /** Skip certificate verification (clients; lab use only). */
  insecure?: boolean;
  /** SNI and the name the certificate must match (clients); defaults to the host. */
  servername?: string;
  /** Receives each NSS key-log line (without newline) as keys are made. */
  onKeylog?: (line: string) => void;
  /** Lowest protocol version accepted; never below TLSv1.2. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Highest protocol version offered. */
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/**
 * Records what crosses each socket, as it crosses it: the bytes on the TCP
 * connection (TLS ciphertext, WebSocket frames and all) or each UDP datagram.
 * The --pcap tap implements it; transports call it.
 */
export interface WireTap {
  /** A TCP connection opened by `client`. */
  tcp(client: Endpoint, server: Endpoint): ConversationTap;
  /** One UDP datagram; `fromClient` says which side of the exchange sent it. */
  datagram(src: Endpoint, dst: Endpoint, fromClient: boolean, payload: Uint8Array): void;
}

export interface ConversationTap {
  data(fromClient: boolean, bytes: Uint8Array): void;
  /** That side will send no more. */
  fin(fromClient: boolean): void;
  /** The connection is gone; `failedFromClient` names the side that reset it, if one did. */
  close(failedFromClient?: boolean): void;
}

/**
 * The connection cap's seats, shared by a listener and the cap policy
 * (policies/max-connections.ts implements it). A listener seats what holds
 * resources before it is a session: a socket in its TLS handshake.
 */
export interface Seats {
  readonly max: number;
  /** Takes a seat; false when none is free. */
  take(): boolean;
  /** Gives back a seat taken with take(). */
  release(): void;
  /** The error a peer turned away for want of a seat is told. */
  refusal(): NetlabError;
}

export interface ListenOptions {
  host: string;
  /** 0 asks the kernel for a free port. */
  port: number;
  tls?: TlsOptions;
  /** Largest WebSocket message accepted, in bytes. */
  maxMessageBytes?: number;
  /** Records every session's traffic (netlab serve --pcap). */
  tap?: WireTap;
  /** The connection cap (TLS: sockets still in their handshake count too). Default: no cap. */
  seats?: Seats;
  /** TLS: a socket that has not finished its handshake this long is closed, in ms. Default DEFAULTS.tlsHandshakeTimeoutMs. */
  handshakeTimeoutMs?: number;
  /**
   * UDP: when a peer has proven itself and takes a seat: `return` (default),
   * with its second datagram; `protocol`, when the protocol calls
   * Session.prove() (chat: a valid nickname).
   */
  udpProof?: UdpProof;
  /** UDP: unproven peers remembered at once (least recently heard forgotten first). Default DEFAULTS.udpMaxUnprovenPeers. */
  maxUnprovenPeers?: number;
  /** WebSocket: serve plain HTTP requests and check upgrades (a web page on the same port). */
  http?: HttpHooks;
}

/**
 * WebSocket listener hooks for a page served beside the WebSocket endpoint
 * on the same port (chat serve --web).
 */
export interface HttpHooks {
  /** Answers every plain (non-upgrade) HTTP request; default: 426 with a hint. */
  onRequest?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The only path an upgrade is accepted on (others get 400); default any path. */
  upgradePath?: string;
  /** Checked before the upgrade: an HTTP status to refuse it with (e.g. 403 for a foreign Origin), or undefined to accept. */
  checkUpgrade?: (req: IncomingMessage) => number | undefined;
}

/** When a UDP peer counts as proven (see ListenOptions.udpProof). */
export type UdpProof = 'return' | 'protocol';

export interface ConnectOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  /** Connect/handshake timeout in milliseconds (0: none). */
  timeoutMs?: number;
  /** WebSocket request path (default `/`). */
  path?: string;
  maxMessageBytes?: number;
  /** Records the session's traffic (netlab connect --pcap). */
  tap?: WireTap;
}

export interface ListenerEvents {
  /** A new peer: a connection, or the first datagram from a new UDP address. */
  session: [session: Session];
  /** A peer that failed before it became a session (e.g. a TLS handshake). */
  peerError: [error: Error, peer: string];
  /** A peer turned away before it became a session (no seat free for it). */
  refused: [error: NetlabError, peer: string];
}

/** A bound server socket. */
export interface Listener extends EventEmitter<ListenerEvents> {
  readonly transport: TransportName;
  /** The address actually bound (the real port when 0 was asked for). */
  readonly address: Endpoint;
  /** Sessions currently open on this listener. */
  readonly sessions: ReadonlySet<Session>;
  /** Stops accepting, closes every session, resolves once all is released. */
  close(): Promise<void>;
}

export interface TransportDriver {
  readonly name: TransportName;
  readonly framing: Framing;
  /** True when a "session" is only a peer address (no handshake, no close). */
  readonly connectionless: boolean;
  /**
   * Binds and starts accepting.
   * @throws NetlabError (port in use, permission denied...) explained for a student
   */
  listen(options: ListenOptions): Promise<Listener>;
  /**
   * Opens a session to a server.
   * @throws NetlabError (refused, unknown host, TLS verification...)
   */
  connect(options: ConnectOptions): Promise<Session>;
}
