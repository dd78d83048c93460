/**
 * A server: one listener of any transport, a protocol factory, and the
 * policies around it (connection cap, idle timeout, traffic log). Every
 * netlab server (echo, chat, relay) is one of these with its own protocol.
 */
import { EventEmitter } from 'node:events';
import { DEFAULTS } from '../constants.js';
import { FileError, UsageError } from '../errors.js';
import { ConnectionSeats, limitConnections } from '../policies/max-connections.js';
import { idleTimeout } from '../policies/idle-timeout.js';
import { logTraffic, type TrafficRecord } from '../policies/traffic-log.js';
import { attachProtocol, type ProtocolFactory } from '../protocols/protocol.js';
import { transportFor } from '../transports/registry.js';
import type { TransportName } from '../transports/session.js';
import type { HttpHooks, Listener, TlsOptions, UdpProof, WireTap } from '../transports/types.js';
import { createSelfSignedCertificate, fingerprint256 } from '../tls/certificate.js';
import type { Endpoint } from '../util/endpoint.js';
import { invalidOption, nonEmptyString, nonNegativeSeconds, oneOf, optional, port, positiveInteger, requiredFunction, requiredObject, validateOptions, withDefault, type Checker } from '../util/validate.js';
import { TRANSPORT_NAMES } from '../transports/registry.js';

export interface ServerOptions {
  transport: TransportName;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: the transport's port in DEFAULTS.ports; 0 picks a free one. */
  port?: number;
  protocol: ProtocolFactory;
  /** Default 1024. */
  maxConnections?: number;
  /** Seconds without traffic before a session is closed; default none (UDP peers: 300). */
  idleTimeoutSeconds?: number;
  /** TLS: cert/key PEM; without them an ephemeral self-signed certificate is made. */
  tls?: TlsOptions;
  /** WebSocket: largest message accepted, in bytes. */
  maxMessageBytes?: number;
  /** Records every session's traffic as it crossed the socket (e.g. a PcapTap). */
  tap?: WireTap;
  /**
   * TLS: seconds a connection may take to finish its handshake before it is
   * closed (meanwhile it holds one of `maxConnections`); default 10, 0 for none.
   */
  handshakeTimeoutSeconds?: number;
  /**
   * UDP: when a peer has proven itself and takes one of `maxConnections`:
   * `return` (default), with its second datagram; `protocol`, when the
   * protocol calls Session.prove() (chat: a valid nickname).
   */
  udpProof?: UdpProof;
  /** WebSocket: a page served on the same port, and the upgrade check (chat serve --web). */
  http?: HttpHooks;
}

export interface ServerEvents {
  /** connect / close / refused / peer_error records, in order. */
  traffic: [record: TrafficRecord];
}

/** Sums over every session the server has had. */
export interface ServerTotals {
  connections: number;
  refused: number;
  bytes_in: number;
  bytes_out: number;
  reads: number;
  writes: number;
}

export interface ServerCertificate {
  fingerprint256: string;
  /** True when netlab made it for this run (no --cert/--key). */
  ephemeral: boolean;
}

export class Server extends EventEmitter<ServerEvents> {
  readonly transport: TransportName;
  readonly listener: Listener;
  readonly certificate: ServerCertificate | undefined;
  readonly #totals: ServerTotals = { connections: 0, refused: 0, bytes_in: 0, bytes_out: 0, reads: 0, writes: 0 };
  #closing: Promise<void> | undefined;

  /** Use createServer(). */
  constructor(listener: Listener, factory: ProtocolFactory, options: { seats: ConnectionSeats; idleTimeoutSeconds: number }, certificate?: ServerCertificate) {
    super();
    this.transport = listener.transport;
    this.listener = listener;
    this.certificate = certificate;
    const record = (r: TrafficRecord): void => this.#record(r);
    // Outermost first: refuse over-limit peers before anything else sees them.
    const composed = limitConnections(idleTimeout(logTraffic(factory, record), options.idleTimeoutSeconds), options.seats, (session, error) =>
      record({ event: 'refused', transport: session.transport, peer: session.peer, time: new Date().toISOString(), reason: error.message }),
    );
    listener.on('session', (session) => attachProtocol(session, composed));
    // Turned away by the listener itself: a TLS socket with no seat for its handshake.
    listener.on('refused', (error, peer) => record({ event: 'refused', transport: this.transport, peer, time: new Date().toISOString(), reason: error.message }));
    listener.on('peerError', (err, peer) =>
      record({ event: 'peer_error', transport: this.transport, peer, time: new Date().toISOString(), message: err.message }),
    );
  }

  get address(): Endpoint {
    return this.listener.address;
  }

  get totals(): Readonly<ServerTotals> {
    return { ...this.#totals };
  }

  #record(record: TrafficRecord): void {
    const t = this.#totals;
    if (record.event === 'connect') t.connections += 1;
    else if (record.event === 'refused') t.refused += 1;
    else if (record.event === 'close') {
      t.bytes_in += record.bytes_in;
      t.bytes_out += record.bytes_out;
      t.reads += record.reads;
      t.writes += record.writes;
    }
    this.emit('traffic', record);
  }

  /** Stops listening and closes every session (their close records still come). */
  close(): Promise<void> {
    this.#closing ??= this.listener.close();
    return this.#closing;
  }
}

function certificateFingerprint(cert: string | Buffer): string {
  try {
    return fingerprint256(cert);
  } catch (err) {
    throw new FileError(`options.tls.cert is not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
}

/** setTimeout() takes at most 2^31 - 1 ms (a longer delay fires at once), so a longer handshake timeout is refused. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const handshakeSeconds: Checker<number> = (value, name) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_SECONDS) {
    throw invalidOption(name, `a number of seconds from 0 to ${MAX_TIMER_SECONDS}`, value);
  }
  return value;
};

/** createServer()'s options, checked once (a key added to ServerOptions must be added here too). */
const SERVER_OPTIONS = {
  transport: oneOf(TRANSPORT_NAMES),
  host: optional(nonEmptyString),
  port: optional(port),
  protocol: requiredFunction,
  maxConnections: withDefault(positiveInteger, DEFAULTS.maxConnections),
  idleTimeoutSeconds: optional(nonNegativeSeconds),
  handshakeTimeoutSeconds: optional(handshakeSeconds),
  udpProof: optional(oneOf(['return', 'protocol'] as const)),
  tls: optional(requiredObject),
  maxMessageBytes: optional(positiveInteger),
  tap: optional(requiredObject),
  http: optional(requiredObject),
} satisfies Record<keyof ServerOptions, Checker<unknown>>;

/**
 * Starts a server.
 * @throws (the promise rejects) UsageError NETLAB_ERR_INVALID_ARGUMENT for a
 *   missing or bad option, an unknown option key included; NetlabError when
 *   the port cannot be bound
 */
export async function createServer(options: ServerOptions): Promise<Server> {
  const checked = validateOptions(options, 'options', SERVER_OPTIONS);
  const driver = transportFor(checked.transport);
  const maxConnections = checked.maxConnections;
  const idleTimeoutSeconds = checked.idleTimeoutSeconds ?? (driver.connectionless ? DEFAULTS.udpPeerIdleSeconds : 0);
  const handshakeTimeoutSeconds = checked.handshakeTimeoutSeconds ?? DEFAULTS.tlsHandshakeTimeoutMs / 1000;
  const seats = new ConnectionSeats(maxConnections);

  let tls = options.tls;
  let certificate: ServerCertificate | undefined;
  if (driver.name === 'tls') {
    if ((tls?.cert === undefined) !== (tls?.key === undefined)) throw new UsageError('options.tls.cert and options.tls.key go together; give both or neither');
    if (tls?.cert === undefined) {
      const made = await createSelfSignedCertificate();
      tls = { ...tls, cert: made.certPem, key: made.keyPem };
      certificate = { fingerprint256: made.fingerprint256, ephemeral: true };
    } else {
      certificate = { fingerprint256: certificateFingerprint(tls.cert), ephemeral: false };
    }
  }
  const listener = await driver.listen({
    host: options.host ?? DEFAULTS.host,
    port: options.port ?? DEFAULTS.ports[driver.name],
    tls,
    maxMessageBytes: options.maxMessageBytes,
    tap: options.tap,
    seats,
    handshakeTimeoutMs: handshakeTimeoutSeconds * 1000,
    udpProof: checked.udpProof,
    http: options.http,
  });
  return new Server(listener, options.protocol, { seats, idleTimeoutSeconds }, certificate);
}
