/**
 * Session and listener over a stream socket (net.Socket, tls.TLSSocket):
 * shared by the tcp and tls transports.
 */
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import { explainSystemError, type NetlabError } from '../errors.js';
import { toEndpoint, type Endpoint } from '../util/endpoint.js';
import type { RecordingSocket } from './recording-socket.js';
import { allClosed, deleteEmitterFrom, Session, type TransportName } from './session.js';
import type { Listener, ListenerEvents } from './types.js';

const kSession = Symbol('netlab.session');

/** A TCP or TLS socket, or the tap's recording wrapper around one. */
export type StreamSocket = Socket | RecordingSocket;
type SocketWithSession = StreamSocket & { [kSession]?: StreamSession };

export class StreamSession extends Session {
  readonly socket: StreamSocket;
  #error: NetlabError | undefined;

  /**
   * @param endpoints the addresses, when the socket cannot tell them itself
   *   (a TLS socket layered over the tap's recording wrapper)
   */
  constructor(transport: TransportName, socket: StreamSocket, endpoints?: { local: Endpoint; remote: Endpoint }) {
    super(
      transport,
      'stream',
      endpoints?.local ?? toEndpoint(socket.localAddress, socket.localPort, socket.localFamily),
      endpoints?.remote ?? toEndpoint(socket.remoteAddress, socket.remotePort, socket.remoteFamily),
    );
    this.socket = socket;
    (socket as SocketWithSession)[kSession] = this;
    socket.setNoDelay(true);
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('drain', socketOnDrain);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    // A socket that is already gone (possible for very short connections)
    // must still close the session exactly once.
    if (socket.destroyed) queueMicrotask(() => this.finished(this.#error));
  }

  override pause(): void {
    this.socket.pause();
  }

  override resume(): void {
    this.socket.resume();
  }

  /** Bytes queued in user space, not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  protected override sendData(data: Uint8Array): boolean {
    if (!this.socket.writable) return false;
    return this.socket.write(data);
  }

  protected override sendEnd(): void {
    this.socket.end();
  }

  protected override sendDestroy(error: NetlabError | undefined): void {
    this.#error ??= error;
    this.socket.destroy();
  }

  protected override sendFailure(error: NetlabError): void {
    this.#error ??= error;
    // End, then drop the socket once the notice is flushed: a failed peer must
    // not keep its session alive by never closing its own side.
    if (this.socket.writable) this.socket.end(`error: ${error.message}\n`, () => this.socket.destroy());
    else this.socket.destroy();
  }

  /** @internal socket event plumbing */
  onSocketData(chunk: Buffer): void {
    this.received(chunk);
  }

  /** @internal */
  onSocketEnd(): void {
    this.peerEnded();
  }

  /** @internal */
  onSocketDrain(): void {
    this.emit('drain');
  }

  /** @internal */
  onSocketError(err: Error): void {
    this.#error ??= explainSystemError(err, {
      action: 'connect',
      transport: this.transport,
      host: this.remote.address,
      port: this.remote.port,
    });
  }

  /** @internal */
  onSocketClose(): void {
    this.finished(this.#error);
  }
}

// Listeners are module-level functions bound once, not closures per socket.
function socketOnData(this: SocketWithSession, chunk: Buffer): void {
  this[kSession]?.onSocketData(chunk);
}
function socketOnEnd(this: SocketWithSession): void {
  this[kSession]?.onSocketEnd();
}
function socketOnDrain(this: SocketWithSession): void {
  this[kSession]?.onSocketDrain();
}
function socketOnError(this: SocketWithSession, err: Error): void {
  this[kSession]?.onSocketError(err);
}
function socketOnClose(this: SocketWithSession): void {
  this[kSession]?.onSocketClose();
}

/**
 * Wraps a listening net/tls server. The transport decides when a socket is
 * ready to be a session (TCP: accepted; TLS: handshake done) and calls adopt().
 */
export class StreamListener extends EventEmitter<ListenerEvents> implements Listener {
  readonly transport: TransportName;
  readonly server: Server;
  readonly #sessions = new Set<Session>();
  #address: Endpoint = toEndpoint('', 0);

  /** Accepted sockets given to track(): sessions or not yet (a TLS handshake in progress). */
  readonly #accepted = new Set<Socket>();

  readonly #forgetSession = deleteEmitterFrom(this.#sessions);
  readonly #forgetSocket = deleteEmitterFrom(this.#accepted);

  constructor(transport: TransportName, server: Server) {
    super();
    this.transport = transport;
    this.server = server;
  }

  /**
   * Keeps an accepted socket that is not a session yet (a TLS handshake in
   * progress) until it closes, so close() ends it too. A transport whose
   * sockets are sessions from the start (TCP) need not call it.
   */
  track(socket: Socket): void {
    this.#accepted.add(socket);
    socket.on('close', this.#forgetSocket);
  }

  get address(): Endpoint {
    return this.#address;
  }

  get sessions(): ReadonlySet<Session> {
    return this.#sessions;
  }

  /** Binds; rejects with an explained error (port in use...). */
  async bind(host: string, port: number): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(explainSystemError(err, { action: 'listen', transport: this.transport, host, port }));
      };
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    // After binding, a server error must not crash the process.
    this.server.on('error', (err) => this.emit('peerError', err, ''));
    const bound = this.server.address();
    if (bound !== null && typeof bound === 'object') this.#address = toEndpoint(bound.address, bound.port, bound.family);
    return this;
  }

  /** Makes `socket` a session of this listener and announces it. */
  adopt(socket: StreamSocket, endpoints?: { local: Endpoint; remote: Endpoint }): void {
    const session = new StreamSession(this.transport, socket, endpoints ?? this.#endpointsOf(socket));
    this.#sessions.add(session);
    session.on('close', this.#forgetSession);
    this.emit('session', session);
  }

  /**
   * Bound to one address, every session's local end is that address: the
   * sessions share the listener's endpoint instead of asking the kernel for
   * it and keeping it twice per connection (Node's cached copy and ours).
   */
  #endpointsOf(socket: StreamSocket): { local: Endpoint; remote: Endpoint } | undefined {
    const bound = this.#address.address;
    if (bound === '0.0.0.0' || bound === '::' || bound === '') return undefined;
    return { local: this.#address, remote: toEndpoint(socket.remoteAddress, socket.remotePort, socket.remoteFamily) };
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const sessionsGone = allClosed(this.#sessions);
    for (const session of this.#sessions) session.destroy();
    // Peers that never became sessions (a handshake half done, a port scan)
    // must not hold the server open either.
    for (const socket of this.#accepted) socket.destroy();
    await Promise.all([closed, sessionsGone]);
  }
}
