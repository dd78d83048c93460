/** tls:// — TLS over TCP (1.2 minimum), with NSS key logging on both ends. */
import net from 'node:net';
import tls from 'node:tls';
import { explainSystemError, FileError, UsageError } from '../errors.js';
import { formatHostPort } from '../util/endpoint.js';
import { waitUntilReady } from './connect-timeout.js';
import { StreamListener, StreamSession } from './stream-session.js';
import { RecordingSocket } from './recording-socket.js';
import type { TlsOptions, TransportDriver, WireTap } from './types.js';

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
 * The tapped server: TCP accepted by a plain net.Server, wrapped in the
 * recording socket, and TLS run on top of that, so the tap sees ciphertext.
 */
function listenTapped(listener: StreamListener, server: net.Server, context: tls.SecureContext, material: TlsOptions, tap: WireTap): void {
  const keylog = emitKeylog(material);
  server.on('connection', (raw) => {
    listener.track(raw);
    const recorded = new RecordingSocket(raw, tap, false);
    const endpoints = { local: recorded.localEndpoint, remote: recorded.remoteEndpoint };
    // allowHalfOpen reaches the socket although @types/node does not list it.
    const options: tls.TLSSocketOptions & { allowHalfOpen: boolean } = { isServer: true, secureContext: context, allowHalfOpen: true };
    const socket = new tls.TLSSocket(recorded, options);
    if (keylog !== undefined) socket.on('keylog', keylog);
    const onHandshakeError = (err: Error): void => {
      reportHandshakeFailure(listener, err, endpoints.remote.address, endpoints.remote.port);
      socket.destroy();
    };
    socket.once('error', onHandshakeError);
    socket.once('secure', () => {
      socket.off('error', onHandshakeError);
      listener.adopt(socket, endpoints);
    });
  });
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
    if (options.tap !== undefined) {
      const server = net.createServer({ allowHalfOpen: true, noDelay: true });
      const listener = new StreamListener('tls', server);
      listenTapped(listener, server, context, material, options.tap);
      return listener.bind(options.host, options.port);
    }
    const server = tls.createServer({ cert: material.cert, key: material.key, allowHalfOpen: true, noDelay: true, ...versions(material) });
    const keylog = emitKeylog(material);
    if (keylog !== undefined) server.on('keylog', keylog);
    const listener = new StreamListener('tls', server);
    server.on('connection', (raw: net.Socket) => listener.track(raw));
    server.on('secureConnection', (socket) => listener.adopt(socket));
    server.on('tlsClientError', (err, socket) => reportHandshakeFailure(listener, err, socket.remoteAddress ?? '?', socket.remotePort ?? 0));
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
