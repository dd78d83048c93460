/**
 * The one session shape every transport gives every protocol: a peer, its
 * traffic counters and its lifetime, whatever the socket underneath is
 * (Twisted's ITransport). A protocol only ever sees a Session.
 */
import { EventEmitter } from 'node:events';
import diagnostics from 'node:diagnostics_channel';
import { NetlabError } from '../errors.js';
import { formatEndpoint, type Endpoint } from '../util/endpoint.js';

export type TransportName = 'tcp' | 'tls' | 'udp' | 'ws';

/**
 * `stream`: bytes with no boundaries (TCP, TLS).
 * `message`: each read is one datagram or WebSocket message (UDP, WS).
 */
export type Framing = 'stream' | 'message';

/** Traffic counters of one session ("packet counts" of a socket). */
export interface SessionStats {
  bytesIn: number;
  bytesOut: number;
  /** Chunks, datagrams or messages received. */
  reads: number;
  /** write() calls that sent data. */
  writes: number;
  /** Epoch milliseconds (numbers, not Date objects: a server holds one per connection). */
  openedAtMs: number;
  closedAtMs: number | undefined;
  /** Epoch milliseconds of the last byte in or out (drives idle timeouts). */
  lastActivityMs: number;
}

export interface SessionCloseInfo {
  /** Why it closed, when it was not a normal close by either side. */
  error: NetlabError | undefined;
}

export interface SessionEvents {
  /** A chunk (stream) or a whole datagram/message (message framing). */
  data: [chunk: Buffer];
  /** The peer will send no more (TCP/TLS half-close); we may still write. */
  end: [];
  /** Buffered outgoing data has been flushed below the high-water mark. */
  drain: [];
  /**
   * The session is over; emitted exactly once, so listen with on(): once()
   * would cost a bound wrapper and a state object per listener and session
   * (about 100 bytes each, and a server has thousands of sessions).
   */
  close: [info: SessionCloseInfo];
}

/**
 * An event listener that deletes the emitter (`this`) from `set`: one
 * function serves every session or socket of a listener, where a closure
 * per connection would cost about 100 bytes of each idle connection.
 */
export function deleteEmitterFrom<T>(set: Set<T>): (this: T) => void {
  return function (this: T): void {
    set.delete(this);
  };
}

/**
 * Resolves once every session given has closed. A listener's close() waits
 * for it: a net.Server reports 'close' as soon as its last socket is
 * destroyed, a turn before that socket's own 'close' (and so the session's
 * close record, with its byte counts) comes.
 */
export function allClosed(sessions: Iterable<Session>): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const session of sessions) {
    if (!session.closed) waits.push(new Promise<void>((resolve) => session.on('close', () => resolve())));
  }
  return waits.length === 0 ? Promise.resolve() : Promise.all(waits).then(() => undefined);
}

const openChannel = diagnostics.channel('netlab:session:open');
const closeChannel = diagnostics.channel('netlab:session:close');

/**
 * While a chunk is being handled, the time it arrived (else 0). An answer
 * written in the same handler, the echo case, takes this as its activity
 * time instead of reading the clock a second time per datagram (a
 * gettimeofday call each; the idle timeout only needs milliseconds).
 */
let receivingAtMs = 0;

/**
 * Base class of the per-transport sessions. Subclasses feed `received()`,
 * `peerEnded()` and `finished()` from their socket events and implement the
 * protected `send*` hooks.
 */
export abstract class Session extends EventEmitter<SessionEvents> {
  readonly transport: TransportName;
  readonly framing: Framing;
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly stats: SessionStats;
  #closed = false;

  protected constructor(transport: TransportName, framing: Framing, local: Endpoint, remote: Endpoint) {
    super();
    // EventEmitter keeps listeners in a null-prototype object, which V8 holds
    // in dictionary mode (about 260 bytes per session). An object with this
    // class's events named up front stays a fast object of about 40 bytes;
    // Node's own streams do the same.
    (this as unknown as { _events: object })._events = { data: undefined, end: undefined, drain: undefined, close: undefined };
    this.transport = transport;
    this.framing = framing;
    this.local = local;
    this.remote = remote;
    const now = Date.now();
    this.stats = { bytesIn: 0, bytesOut: 0, reads: 0, writes: 0, openedAtMs: now, closedAtMs: undefined, lastActivityMs: now };
    if (openChannel.hasSubscribers) openChannel.publish({ session: this });
  }

  /** The peer as `address:port` (`[v6]:port`). */
  get peer(): string {
    return formatEndpoint(this.remote);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * False while a UDP peer has not proven itself (it holds no connection
   * seat, and nothing larger than what it sent goes back to it); every
   * connection-oriented session is proven from the start.
   */
  get proven(): boolean {
    return true;
  }

  /**
   * The protocol vouches for the peer (chat: a valid nickname): it takes its
   * connection seat now. When no seat is free the peer is told so and closed.
   * @returns whether the session is proven (and still open)
   */
  prove(): boolean {
    return !this.#closed;
  }

  /** Milliseconds since the session opened (until it closed, once closed). */
  get durationMs(): number {
    return (this.stats.closedAtMs ?? Date.now()) - this.stats.openedAtMs;
  }

  /**
   * Sends bytes (stream) or one datagram/message (message framing).
   * @returns false when the peer is not keeping up: stop producing until 'drain'.
   */
  write(data: Uint8Array): boolean {
    if (this.#closed) return false;
    if (data.byteLength > 0) {
      this.stats.bytesOut += data.byteLength;
      this.stats.writes += 1;
      this.stats.lastActivityMs = receivingAtMs !== 0 ? receivingAtMs : Date.now();
    }
    return this.sendData(data);
  }

  /** Says we will send no more (TCP FIN, TLS close_notify, WS close, UDP forget). */
  end(): void {
    if (!this.#closed) this.sendEnd();
  }

  /**
   * Ends the session at once, dropping anything unsent.
   * @param error why, for the close event and the connection log
   */
  destroy(error?: NetlabError): void {
    if (!this.#closed) this.sendDestroy(error);
  }

  /**
   * Tells the peer what went wrong and closes: an `error: ...` line on
   * streams, a close code and reason on WebSocket, one notice datagram on UDP.
   * The error is kept as the session's close reason (for the connection log).
   */
  fail(error: NetlabError): void {
    if (!this.#closed) this.sendFailure(error);
  }

  /** Stops reading from the peer (backpressure towards it). */
  abstract pause(): void;
  abstract resume(): void;

  protected abstract sendData(data: Uint8Array): boolean;
  protected abstract sendEnd(): void;
  protected abstract sendDestroy(error: NetlabError | undefined): void;
  protected abstract sendFailure(error: NetlabError): void;

  /** Subclasses call this for every chunk/datagram/message that arrives. */
  protected received(chunk: Buffer): void {
    if (this.#closed) return;
    const now = Date.now();
    this.stats.bytesIn += chunk.byteLength;
    this.stats.reads += 1;
    this.stats.lastActivityMs = now;
    const outer = receivingAtMs;
    receivingAtMs = now;
    try {
      this.emit('data', chunk);
    } finally {
      receivingAtMs = outer;
    }
  }

  protected peerEnded(): void {
    if (!this.#closed) this.emit('end');
  }

  /** Subclasses call this once the underlying socket is gone. Idempotent. */
  protected finished(error?: NetlabError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stats.closedAtMs = Date.now();
    if (closeChannel.hasSubscribers) closeChannel.publish({ session: this, error });
    this.emit('close', { error });
  }
}
