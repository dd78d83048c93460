/**
 * udp:// — datagrams. A server "session" is a peer address: it starts with the
 * first datagram from that address and ends when the server forgets it (idle
 * timeout, end()) since UDP itself has no connections.
 */
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { explainSystemError, type NetlabError } from '../errors.js';
import { toEndpoint, type Endpoint } from '../util/endpoint.js';
import { waitUntilReady } from './connect-timeout.js';
import { Session } from './session.js';
import type { Listener, ListenerEvents, TransportDriver, WireTap } from './types.js';

async function socketTypeFor(host: string): Promise<dgram.SocketType> {
  const family = net.isIP(host) || (await dns.lookup(host).catch(() => ({ family: 4 }))).family;
  return family === 6 ? 'udp6' : 'udp4';
}

/** One remote address talking to a UDP server socket. */
class UdpPeerSession extends Session {
  readonly #listener: UdpListener;
  #paused = false;

  constructor(listener: UdpListener, remote: Endpoint) {
    super('udp', 'message', listener.address, remote);
    this.#listener = listener;
  }

  /** UDP cannot push back on one peer of a shared socket: while paused, its datagrams are dropped. */
  override pause(): void {
    this.#paused = true;
  }

  override resume(): void {
    this.#paused = false;
  }

  /** @internal */
  deliver(datagram: Buffer): void {
    if (!this.#paused) this.received(datagram);
  }

  /** @internal */
  close(error?: NetlabError): void {
    this.finished(error);
  }

  protected override sendData(data: Uint8Array): boolean {
    this.#listener.sendTo(this, data);
    return true;
  }

  protected override sendEnd(): void {
    this.#listener.forget(this);
  }

  protected override sendDestroy(error: NetlabError | undefined): void {
    this.#listener.forget(this, error);
  }

  protected override sendFailure(error: NetlabError): void {
    this.#listener.sendTo(this, Buffer.from(`error: ${error.message}\n`));
    this.#listener.forget(this, error);
  }
}

function peerKey(address: string, port: number): string {
  return `${address}|${port}`;
}

class UdpListener extends EventEmitter<ListenerEvents> implements Listener {
  readonly transport = 'udp' as const;
  readonly socket: dgram.Socket;
  readonly #peers = new Map<string, UdpPeerSession>();
  readonly #sessions = new Set<UdpPeerSession>();
  #address: Endpoint = toEndpoint('', 0);

  readonly #tap: WireTap | undefined;

  constructor(socket: dgram.Socket, tap: WireTap | undefined) {
    super();
    this.socket = socket;
    this.#tap = tap;
    socket.on('message', (msg, rinfo) => this.#onMessage(msg, rinfo));
  }

  get address(): Endpoint {
    return this.#address;
  }

  get sessions(): ReadonlySet<Session> {
    return this.#sessions;
  }

  async bind(host: string, port: number): Promise<this> {
    const context = { action: 'listen' as const, transport: 'udp', host, port };
    const ready = waitUntilReady(this.socket, 'listening', 0, context, () => this.socket.close());
    this.socket.bind(port, host);
    await ready;
    // Send errors (EMSGSIZE, ICMP-triggered ECONNREFUSED) belong to one peer, never the server.
    this.socket.on('error', (err) => this.emit('peerError', err, ''));
    const bound = this.socket.address();
    this.#address = toEndpoint(bound.address, bound.port, bound.family);
    return this;
  }

  #onMessage(datagram: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = peerKey(rinfo.address, rinfo.port);
    let session = this.#peers.get(key);
    if (session === undefined) {
      session = new UdpPeerSession(this, toEndpoint(rinfo.address, rinfo.port, rinfo.family));
      this.#peers.set(key, session);
      this.#sessions.add(session);
      this.emit('session', session);
      // A protocol may refuse or end the session while handling 'session'.
      if (session.closed) return;
    }
    this.#tap?.datagram(session.remote, this.#address, true, datagram);
    session.deliver(datagram);
  }

  /** @internal */
  sendTo(session: UdpPeerSession, data: Uint8Array): void {
    this.#tap?.datagram(this.#address, session.remote, false, data);
    this.socket.send(data, session.remote.port, session.remote.address, (err) => {
      if (err) session.destroy(explainSystemError(err, { action: 'connect', transport: 'udp', host: session.remote.address, port: session.remote.port }));
    });
  }

  /** @internal */
  forget(session: UdpPeerSession, error?: NetlabError): void {
    this.#peers.delete(peerKey(session.remote.address, session.remote.port));
    this.#sessions.delete(session);
    session.close(error);
  }

  async close(): Promise<void> {
    for (const session of [...this.#sessions]) this.forget(session);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** A client's connected UDP socket: datagrams to and from one server. */
class UdpClientSession extends Session {
  readonly socket: dgram.Socket;
  readonly #tap: WireTap | undefined;
  #paused = false;
  #socketOpen = true;

  constructor(socket: dgram.Socket, tap: WireTap | undefined) {
    const local = socket.address();
    const remote = socket.remoteAddress();
    super('udp', 'message', toEndpoint(local.address, local.port, local.family), toEndpoint(remote.address, remote.port, remote.family));
    this.socket = socket;
    this.#tap = tap;
    socket.on('message', (msg) => {
      this.#tap?.datagram(this.remote, this.local, false, msg);
      if (!this.#paused) this.received(msg);
    });
    // On Linux a connected UDP socket learns of ICMP port-unreachable as ECONNREFUSED.
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => {
      this.#socketOpen = false;
      this.finished();
    });
  }

  #closeSocket(): void {
    if (this.#socketOpen) {
      this.#socketOpen = false;
      this.socket.close();
    }
  }

  override pause(): void {
    this.#paused = true;
  }

  override resume(): void {
    this.#paused = false;
  }

  #fail(err: Error): void {
    const error = explainSystemError(err, { action: 'connect', transport: 'udp', host: this.remote.address, port: this.remote.port });
    this.finished(error);
    this.#closeSocket();
  }

  protected override sendData(data: Uint8Array): boolean {
    this.#tap?.datagram(this.local, this.remote, true, data);
    this.socket.send(data, (err) => {
      if (err) this.#fail(err);
    });
    return true;
  }

  protected override sendEnd(): void {
    this.#closeSocket();
  }

  protected override sendDestroy(error: NetlabError | undefined): void {
    this.finished(error);
    this.#closeSocket();
  }

  protected override sendFailure(error: NetlabError): void {
    this.sendDestroy(error);
  }
}

export const udpTransport: TransportDriver = {
  name: 'udp',
  framing: 'message',
  connectionless: true,

  async listen(options) {
    const socket = dgram.createSocket({ type: await socketTypeFor(options.host) });
    return new UdpListener(socket, options.tap).bind(options.host, options.port);
  },

  async connect(options) {
    const socket = dgram.createSocket({ type: await socketTypeFor(options.host) });
    const ready = waitUntilReady(socket, 'connect', options.timeoutMs ?? 0, { action: 'connect', transport: 'udp', host: options.host, port: options.port }, () =>
      socket.close(),
    );
    socket.connect(options.port, options.host);
    await ready;
    return new UdpClientSession(socket, options.tap);
  },
};
