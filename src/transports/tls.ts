/** tls:// — TLS over TCP (1.2 minimum), with NSS key logging on both ends. */
import net from 'node:net';
import tls from 'node:tls';
import { explainSystemError, FileError, UsageError } from '../errors.js';
import { formatHostPort } from '../util/endpoint.js';
import { waitUntilReady } from './connect-timeout.js';
import { StreamListener, StreamSession } from './stream-session.js';
import type { TlsOptions, TransportDriver } from './types.js';

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

export const tlsTransport: TransportDriver = {
  name: 'tls',
  framing: 'stream',
  connectionless: false,

  async listen(options) {
    const material = options.tls;
    if (material?.cert === undefined || material.key === undefined) {
      throw new UsageError('a TLS server needs a certificate and key (--cert and --key, or let netlab make an ephemeral one)');
    }
    let server: tls.Server;
    try {
      server = tls.createServer({ cert: material.cert, key: material.key, allowHalfOpen: true, noDelay: true, ...versions(material) });
    } catch (err) {
      throw new FileError(`the TLS certificate or key could not be used: ${(err as Error).message}; check --cert and --key are PEM files that belong together`, { cause: err });
    }
    const keylog = emitKeylog(material);
    if (keylog !== undefined) server.on('keylog', keylog);
    const listener = new StreamListener('tls', server, 'secureConnection');
    // A client that fails its handshake never becomes a session; report it.
    server.on('tlsClientError', (err, socket) => {
      const host = socket.remoteAddress ?? '?';
      const port = socket.remotePort ?? 0;
      listener.emit('peerError', explainSystemError(err, { action: 'listen', transport: 'tls', host, port }), formatHostPort(host, port));
    });
    return listener.bind(options.host, options.port);
  },

  async connect(options) {
    const material = options.tls;
    const servername = material?.servername ?? (net.isIP(options.host) === 0 ? options.host : undefined);
    // allowHalfOpen reaches the TLSSocket although @types/node does not list it.
    const connectOptions: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
      host: options.host,
      port: options.port,
      servername,
      ca: material?.ca,
      rejectUnauthorized: material?.insecure !== true,
      allowHalfOpen: true,
      ...versions(material),
    };
    const socket = tls.connect(connectOptions);
    const keylog = emitKeylog(material);
    if (keylog !== undefined) socket.on('keylog', keylog);
    await waitUntilReady(socket, 'secureConnect', options.timeoutMs ?? 0, { action: 'connect', transport: 'tls', host: options.host, port: options.port }, () =>
      socket.destroy(),
    );
    return new StreamSession('tls', socket);
  },
};
