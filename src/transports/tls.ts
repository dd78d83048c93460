/** tls:// — TLS over TCP (1.2 minimum), with NSS key logging on both ends. */
import net from 'node:net';
import tls from 'node:tls';
import { DEFAULTS } from '../constants.js';
import { ERROR_CODES, explainSystemError, FileError, TimeoutError, UsageError } from '../errors.js';
import { formatHostPort, type Endpoint } from '../util/endpoint.js';
import { waitUntilReady } from './connect-timeout.js';
import { StreamListener, StreamSession } from './stream-session.js';
import { RecordingSocket } from './recording-socket.js';
import type { Seats, TlsOptions, TransportDriver, WireTap } from './types.js';

/** What was negotiated, for banners and logs. */
export interface TlsDetails {
  protocol: string | null;
  cipher: string;
  /** SHA-256 fingerprint of the peer's certificate, colon-separated hex (clients). */
  peerFingerprint256: string | undefined;
}

export function tlsDetails(session: StreamSession): TlsDetails | undefined {
  const socket = session.socket;
  if (!(socket instanceof tls.TLSSocket)) return undefined;
  const peer = socket.getPeerCertificate();
  return {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher().standardName,
    peerFingerprint256: peer && 'fingerprint256' in peer ? peer.fingerprint256 : undefined,
  };
}

function versions(options: TlsOptions | undefined): Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion'> {
  return { minVersion: options?.minVersion ?? 'TLSv1.2', maxVersion: options?.maxVersion ?? 'TLSv1.3' };
}

function emitKeylog(options: TlsOptions | undefined): ((line: Buffer) => void) | undefined {
  const sink = options?.onKeylog;
  return sink === undefined ? undefined : (line: Buffer) => sink(line.toString('latin1').trimEnd());
}

function secureContextFor(material: TlsOptions & { cert: string | Buffer; key: string | Buffer }): tls.SecureContext {
  try {
    return tls.createSecureContext({ cert: material.cert, key: material.key, ...versions(material) });
  } catch (err) {
    throw new FileError(`the TLS certificate or key could not be used: ${(err as Error).message}; check --cert and --key are PEM files that belong together`, { cause: err });
  }
}

/** Reports a peer whose handshake failed: it never becomes a session. */
function reportHandshakeFailure(listener: StreamListener, err: Error, host: string, port: number): void {
  listener.emit('peerError', explainSystemError(err, { action: 'listen', transport: 'tls', host, port }), formatHostPort(host, port));
}

/**
 * A socket between accept and the end of its handshake. It holds a seat of
 * the connection cap (so 1 000 silent sockets cannot sit beside 1 000
 * sessions), a handshake timer, and nothing else; the seat is handed to the
 * session when the handshake completes.
 */
interface Handshake {
  readonly listener: StreamListener;
  readonly seats: Seats | undefined;
  readonly timeoutMs: number;
  /** The peer's address, as the raw socket knew it. */
  readonly host: string;
  readonly port: number;
  /** The addresses, for a TLS socket over the tap's wrapper (which cannot tell them). */
  readonly endpoints: { local: Endpoint; remote: Endpoint } | undefined;
  timer: NodeJS.Timeout | undefined;
}

const kHandshake = Symbol('netlab.tls.handshake');
type HandshakingSocket = tls.TLSSocket & { [kHandshake]?: Handshake };

// Handshake listeners are module-level functions bound once, not closures per socket.
function handshakeOnSecure(this: HandshakingSocket): void {
  const h = endHandshake(this);
  if (h === undefined) return;
  // Same turn: the cap policy takes the seat back for the session at once,
  // so no other socket can slip in between.
  h.seats?.release();
  h.listener.adopt(this, h.endpoints);
}

function handshakeOnError(this: HandshakingSocket, err: Error): void {
  const h = this[kHandshake];
  if (h !== undefined) reportHandshakeFailure(h.listener, err, h.host, h.port);
  this.destroy();
}

/**
 * The peer closed its side before the handshake finished. allowHalfOpen
 * (wanted once a session exists) would otherwise keep this socket in
 * CLOSE_WAIT for ever: nobody is left to answer its FIN.
 */
function handshakeOnEnd(this: HandshakingSocket): void {
  this.destroy();
}

function handshakeOnClose(this: HandshakingSocket): void {
  endHandshake(this)?.seats?.release();
}

function handshakeExpired(socket: HandshakingSocket): void {
  const h = socket[kHandshake];
  if (h === undefined) return;
  h.timer = undefined;
  const error = new TimeoutError(`TLS handshake not finished within ${h.timeoutMs / 1000} s (the --handshake-timeout limit)`, { code: ERROR_CODES.HANDSHAKE_TIMEOUT });
  h.listener.emit('peerError', error, formatHostPort(h.host, h.port));
  socket.destroy();
}

/** Detaches the handshake state (once): its listeners and timer go. */
function endHandshake(socket: HandshakingSocket): Handshake | undefined {
  const h = socket[kHandshake];
  if (h === undefined) return undefined;
  socket[kHandshake] = undefined;
  clearTimeout(h.timer);
  socket.off('secure', handshakeOnSecure);
  socket.off('error', handshakeOnError);
  socket.off('end', handshakeOnEnd);
  socket.off('close', handshakeOnClose);
  return h;
}

interface TlsListenSetup {
  listener: StreamListener;
  context: tls.SecureContext;
  keylog: ((line: Buffer) => void) | undefined;
  tap: WireTap | undefined;
  seats: Seats | undefined;
  timeoutMs: number;
}

/**
 * TCP is accepted by a plain net.Server and TLS run on each socket here
 * (what tls.Server does inside), so that a socket in its handshake can be
 * seated, timed and closed on FIN. Tapped, TLS runs over the recording
 * wrapper, so the tap sees ciphertext.
 */
function acceptTls(setup: TlsListenSetup, raw: net.Socket): void {
  const host = raw.remoteAddress ?? '?';
  const port = raw.remotePort ?? 0;
  if (setup.seats !== undefined && !setup.seats.take()) {
    // Full: turned away at once, before any handshake work.
    raw.destroy();
    setup.listener.emit('refused', setup.seats.refusal(), formatHostPort(host, port));
    return;
  }
  let carrier: net.Socket | RecordingSocket = raw;
  let endpoints: Handshake['endpoints'];
  if (setup.tap !== undefined) {
    const recorded = new RecordingSocket(raw, setup.tap, false);
    endpoints = { local: recorded.localEndpoint, remote: recorded.remoteEndpoint };
    carrier = recorded;
  }
  // allowHalfOpen reaches the socket although @types/node does not list it.
  const options: tls.TLSSocketOptions & { allowHalfOpen: boolean } = { isServer: true, secureContext: setup.context, allowHalfOpen: true };
  const socket: HandshakingSocket = new tls.TLSSocket(carrier as net.Socket, options);
  const h: Handshake = { listener: setup.listener, seats: setup.seats, timeoutMs: setup.timeoutMs, host, port, endpoints, timer: undefined };
  socket[kHandshake] = h;
  if (setup.timeoutMs > 0) {
    h.timer = setTimeout(handshakeExpired, setup.timeoutMs, socket);
    h.timer.unref();
  }
  if (setup.keylog !== undefined) socket.on('keylog', setup.keylog);
  socket.on('secure', handshakeOnSecure);
  socket.on('error', handshakeOnError);
  socket.on('end', handshakeOnEnd);
  socket.on('close', handshakeOnClose);
  setup.listener.track(socket);
}

export const tlsTransport: TransportDriver = {
  name: 'tls',
  framing: 'stream',
  connectionless: false,

  async listen(options) {
    const material = options.tls;
    if (material?.cert === undefined || material.key === undefined) {
      throw new UsageError('a TLS server needs a certificate and key (--cert and --key, or let netlab make an ephemeral one)');
    }
    const context = secureContextFor({ ...material, cert: material.cert, key: material.key });
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    const listener = new StreamListener('tls', server);
    const setup: TlsListenSetup = {
      listener,
      context,
      keylog: emitKeylog(material),
      tap: options.tap,
      seats: options.seats,
      timeoutMs: options.handshakeTimeoutMs ?? DEFAULTS.tlsHandshakeTimeoutMs,
    };
    server.on('connection', (raw: net.Socket) => acceptTls(setup, raw));
    return listener.bind(options.host, options.port);
  },

  async connect(options) {
    const material = options.tls;
    const timeoutMs = options.timeoutMs ?? 0;
    const context = { action: 'connect' as const, transport: 'tls', host: options.host, port: options.port };
    let recorded: RecordingSocket | undefined;
    if (options.tap !== undefined) {
      // Tapped: connect TCP first, then run TLS over the recording socket.
      const raw = net.connect({ host: options.host, port: options.port, allowHalfOpen: true, noDelay: true });
      await waitUntilReady(raw, 'connect', timeoutMs, context, () => raw.destroy());
      recorded = new RecordingSocket(raw, options.tap, true);
    }
    const servername = material?.servername ?? (net.isIP(options.host) === 0 ? options.host : undefined);
    // allowHalfOpen reaches the TLSSocket although @types/node does not list it.
    const connectOptions: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
      ...(recorded === undefined ? { host: options.host, port: options.port } : { socket: recorded }),
      servername,
      ca: material?.ca,
      rejectUnauthorized: material?.insecure !== true,
      allowHalfOpen: true,
      ...versions(material),
    };
    const socket = tls.connect(connectOptions);
    const keylog = emitKeylog(material);
    if (keylog !== undefined) socket.on('keylog', keylog);
    await waitUntilReady(socket, 'secureConnect', timeoutMs, context, () => socket.destroy());
    const endpoints = recorded === undefined ? undefined : { local: recorded.localEndpoint, remote: recorded.remoteEndpoint };
    return new StreamSession('tls', socket, endpoints);
  },
};
