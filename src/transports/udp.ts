/**
 * udp:// — datagrams. A server "session" is a peer address: it starts with the
 * first datagram from that address and ends when the server forgets it (idle
 * timeout, end()) since UDP itself has no connections.
 */
import dgram from 'node:dgram';
import { lookup as resolve } from 'node:dns';
import dns from 'node:dns/promises';
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { explainSystemError, type NetlabError } from '../errors.js';
import { formatEndpoint, toEndpoint, type Endpoint } from '../util/endpoint.js';
import { waitUntilReady } from './connect-timeout.js';
import { Session } from './session.js';
import { NoticeAllowance, PeerTable, UnprovenPeers } from './udp-peers.js';
import { DEFAULTS } from '../constants.js';
import type { Listener, ListenerEvents, ListenOptions, Seats, TransportDriver, WireTap } from './types.js';

async function socketTypeFor(host: string): Promise<dgram.SocketType> {
  const family = net.isIP(host) || (await dns.lookup(host).catch(() => ({ family: 4 }))).family;
  return family === 6 ? 'udp6' : 'udp4';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The server socket's resolver. Node resolves the address of every send(),
 * even a numeric one: an IP-matching regular expression and a nextTick per
 * datagram. The server binds to whatever --host names (resolved as usual),
 * then only ever answers addresses taken from received datagrams, which are
 * numeric already, so after binding the address is passed through as is.
 */
function literalLookup(): typeof resolve {
  let bound = false;
  const lookup = (address: string, family: number, callback: LookupCallback): void => {
    if (bound) return callback(null, address, family);
    bound = true;
    resolve(address, family, callback);
  };
  return lookup as unknown as typeof resolve;
}

/** One remote address talking to a UDP server socket. */
class UdpPeerSession extends Session {
  readonly #listener: UdpListener;
  /** The address exactly as Node reports it in rinfo (remote.address is normalised). */
  readonly rawAddress: string;
  #paused = false;
  #proven = false;
  /** Unproven peers: the size of the last datagram, the most any answer to it may be. */
  lastDatagramBytes = 0;
  /** Unproven peers: when the last datagram went to it (Date.now ms). */
  lastSentAtMs = Number.NEGATIVE_INFINITY;

  constructor(listener: UdpListener, rinfo: dgram.RemoteInfo) {
    super('udp', 'message', listener.address, toEndpoint(rinfo.address, rinfo.port, rinfo.family));
    this.#listener = listener;
    this.rawAddress = rinfo.address;
  }

  override get proven(): boolean {
    return this.#proven;
  }

  override prove(): boolean {
    if (this.closed) return false;
    if (!this.#proven) this.#proven = this.#listener.seat(this);
    return this.#proven;
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
    if (!this.#listener.sendTo(this, data)) {
      // Held back (an unproven peer): the close record counts only what went.
      this.stats.bytesOut -= data.byteLength;
      this.stats.writes -= 1;
    }
    return true;
  }

  protected override sendEnd(): void {
    this.#listener.forget(this);
  }

  protected override sendDestroy(error: NetlabError | undefined): void {
    this.#listener.forget(this, error);
  }

  protected override sendFailure(error: NetlabError): void {
    this.#listener.sendTo(this, Buffer.from(`error: ${error.message}\n`), true);
    this.#listener.forget(this, error);
  }
}

/**
 * The largest UDP payload (RFC 768 length field minus the IPv4/IPv6 headers).
 * Checked before sending because a send without a callback (below) would
 * drop an EMSGSIZE failure silently.
 */
const MAX_DATAGRAM = { IPv4: 65_507, IPv6: 65_527 } as const;

class UdpListener extends EventEmitter<ListenerEvents> implements Listener {
  readonly transport = 'udp' as const;
  readonly socket: dgram.Socket;
  readonly #peers = new PeerTable<UdpPeerSession>();
  readonly #sessions = new Set<UdpPeerSession>();
  readonly #unproven: UnprovenPeers<UdpPeerSession>;
  readonly #allowance = new NoticeAllowance(DEFAULTS.udpNoticesPerSecond);
  readonly #seats: Seats | undefined;
  readonly #proofByReturn: boolean;
  #address: Endpoint = toEndpoint('', 0);
  #closing: Promise<void> | undefined;

  readonly #tap: WireTap | undefined;

  constructor(socket: dgram.Socket, options: Pick<ListenOptions, 'tap' | 'seats' | 'udpProof' | 'maxUnprovenPeers'>) {
    super();
    this.socket = socket;
    this.#tap = options.tap;
    this.#seats = options.seats;
    this.#proofByReturn = (options.udpProof ?? 'return') === 'return';
    this.#unproven = new UnprovenPeers(options.maxUnprovenPeers ?? DEFAULTS.udpMaxUnprovenPeers);
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
    let session = this.#peers.get(rinfo.address, rinfo.port);
    if (session === undefined) {
      session = new UdpPeerSession(this, rinfo);
      this.#peers.set(rinfo.address, rinfo.port, session);
      this.#sessions.add(session);
      this.#remember(session);
      this.emit('session', session);
      // A protocol may refuse or end the session while handling 'session'.
      if (session.closed) return;
    } else if (!session.proven) {
      // serve udp: a peer that comes back after its first datagram is proven;
      // with no seat free it is told so (within the notice rules) and forgotten.
      if (this.#proofByReturn && !session.prove()) return;
      if (!session.proven) this.#remember(session);
    }
    if (!session.proven) session.lastDatagramBytes = datagram.byteLength;
    this.#tap?.datagram(session.remote, this.#address, true, datagram);
    session.deliver(datagram);
  }

  /** Marks an unproven peer most recently heard, forgetting the least recently heard one past the cap. */
  #remember(session: UdpPeerSession): void {
    const evicted = this.#unproven.touch(session);
    if (evicted !== undefined) this.forget(evicted);
  }

  /**
   * Gives a proving peer its connection seat.
   * @returns false (and the peer refused) when none is free
   * @internal
   */
  seat(session: UdpPeerSession): boolean {
    if (this.#seats !== undefined && !this.#seats.take()) {
      const error = this.#seats.refusal();
      this.emit('refused', error, session.peer);
      session.fail(error);
      return false;
    }
    this.#unproven.delete(session);
    return true;
  }

  /**
   * Whether a datagram may go to a peer that has not proven itself: one per
   * peer per interval and none larger than the datagram it answers, so a
   * forged source address gets no amplification. In `return` mode (serve
   * udp) a reply over that, a long --reply, may still go within the
   * listener-wide allowance; a notice (a refusal) never exceeds the
   * datagram and always needs the allowance.
   */
  #mayAnswer(session: UdpPeerSession, bytes: number, notice: boolean): boolean {
    const now = Date.now();
    const fits = bytes <= session.lastDatagramBytes && now - session.lastSentAtMs >= DEFAULTS.udpUnprovenReplyIntervalMs;
    if (notice ? !fits || !this.#allowance.take() : !fits && !(this.#proofByReturn && this.#allowance.take())) return false;
    session.lastSentAtMs = now;
    return true;
  }

  /**
   * Sends one datagram to a peer. No completion callback: with one, Node
   * allocates a closure and schedules a nextTick for every datagram even when
   * the kernel took it at once. The one failure a reply can cause, a datagram
   * too large for UDP, is caught here before sending; anything else the kernel
   * refuses (ENOBUFS under overload) is a lost datagram, as UDP allows.
   * @param notice a refusal (see #mayAnswer)
   * @returns false when the datagram was held back (not sent)
   * @internal
   */
  sendTo(session: UdpPeerSession, data: Uint8Array, notice = false): boolean {
    if (!session.proven && !this.#mayAnswer(session, data.byteLength, notice)) return false;
    const remote = session.remote;
    if (data.byteLength > MAX_DATAGRAM[remote.family]) {
      const err = Object.assign(new Error(`send EMSGSIZE ${formatEndpoint(remote)}`), { code: 'EMSGSIZE', syscall: 'send' });
      session.destroy(explainSystemError(err, { action: 'connect', transport: 'udp', host: remote.address, port: remote.port }));
      return false;
    }
    this.#tap?.datagram(this.#address, remote, false, data);
    this.socket.send(data, remote.port, session.rawAddress);
    return true;
  }

  /** @internal */
  forget(session: UdpPeerSession, error?: NetlabError): void {
    if (!this.#sessions.delete(session)) return;
    this.#peers.delete(session.rawAddress, session.remote.port);
    if (session.proven) this.#seats?.release();
    else this.#unproven.delete(session);
    session.close(error);
  }

  close(): Promise<void> {
    // Idempotent: a server's close and a test's teardown may both ask.
    this.#closing ??= new Promise<void>((resolve) => {
      for (const session of [...this.#sessions]) this.forget(session);
      this.socket.close(() => resolve());
    });
    return this.#closing;
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
    const socket = dgram.createSocket({ type: await socketTypeFor(options.host), lookup: literalLookup() });
    return new UdpListener(socket, options).bind(options.host, options.port);
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
