/**
 * The IM relay: a blind fan-out of length-prefixed frames. Every frame a
 * client sends goes, unchanged, to every other connected client; the relay
 * never decodes the payload (it needs no keys). A bad length disconnects
 * only its sender; a client that stops reading is cut off once its bounded
 * queue is full, and the others keep receiving.
 */
import { EventEmitter } from 'node:events';
import { DEFAULTS } from '../../constants.js';
import { encodeFrame, FrameDecoder, MAX_UINT32 } from '../../codec/length-prefixed.js';
import type { NetlabError } from '../../errors.js';
import type { Session } from '../../transports/session.js';
import { OutboundQueue } from '../outbound-queue.js';
import type { Protocol, ProtocolFactory } from '../protocol.js';
import { integerIn, nonNegativeMs, positiveInteger, validateOptions, withDefault, type Checker } from '../../util/validate.js';

export interface ImRelayOptions {
  /** Largest frame payload relayed, in bytes. Default 65536. */
  maxFrameBytes?: number;
  /** Bytes that may wait for one slow client before it is cut off. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** A client whose socket stays full this long is cut off, in ms. Default 5000; 0 never. */
  drainTimeoutMs?: number;
}

export interface ImRelayEvents {
  /** A client was disconnected for a reason of its own (bad frame, slow reader). */
  dropped: [session: Session, error: NetlabError];
}

export interface ImRelayStats {
  /** Frames received from clients. */
  framesIn: number;
  /** Frame copies sent to clients. */
  framesOut: number;
  clients: number;
  /**
   * Bytes the relay holds for its clients right now: their bounded queues
   * plus what their sockets buffer in user space.
   */
  bufferedBytes: number;
}

/** ImRelay's options, checked once (a key added to ImRelayOptions must be added here too). */
const RELAY_OPTIONS = {
  maxFrameBytes: withDefault(integerIn(1, MAX_UINT32), DEFAULTS.maxFrameBytes),
  maxQueuedBytes: withDefault(positiveInteger, DEFAULTS.maxQueuedBytesPerClient),
  drainTimeoutMs: withDefault(nonNegativeMs, DEFAULTS.drainTimeoutMs),
} satisfies Record<keyof ImRelayOptions, Checker<unknown>>;

export class ImRelay extends EventEmitter<ImRelayEvents> {
  readonly maxFrameBytes: number;
  readonly maxQueuedBytes: number;
  readonly drainTimeoutMs: number;
  readonly #clients = new Set<RelayClient>();
  /** Receivers whose socket buffer is full: while any is, nobody is read from. */
  readonly #congested = new Set<RelayClient>();
  #framesIn = 0;
  #framesOut = 0;

  /**
   * @param options maxFrameBytes (default 65536), maxQueuedBytes (default 1 MiB)
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT (synchronously) for a
   *   limit out of range or an unknown option key
   */
  constructor(options: ImRelayOptions = {}) {
    super();
    const checked = validateOptions(options, 'options', RELAY_OPTIONS, true);
    this.maxFrameBytes = checked.maxFrameBytes;
    this.maxQueuedBytes = checked.maxQueuedBytes;
    this.drainTimeoutMs = checked.drainTimeoutMs;
  }

  /** The per-session protocol, for a Server or a listener. */
  readonly protocol: ProtocolFactory = (session) => new RelayClient(this, session);

  get stats(): ImRelayStats {
    let bufferedBytes = 0;
    for (const client of this.#clients) bufferedBytes += client.bufferedBytes;
    return { framesIn: this.#framesIn, framesOut: this.#framesOut, clients: this.#clients.size, bufferedBytes };
  }

  /** True while the relay has stopped reading because a receiver is behind. */
  get paused(): boolean {
    return this.#congested.size > 0;
  }

  /** @internal */
  join(client: RelayClient): void {
    this.#clients.add(client);
    if (this.paused) client.pause();
  }

  /** @internal */
  leave(client: RelayClient): void {
    this.#clients.delete(client);
    this.congestion(client, false);
  }

  /**
   * @internal Room-wide backpressure (a push producer per client): while any
   * receiver cannot take more, stop reading from every client, so a flood
   * cannot outrun healthy readers; resume once all have drained or the
   * stalled ones have been cut off.
   */
  congestion(client: RelayClient, congested: boolean): void {
    const wasPaused = this.paused;
    if (congested) this.#congested.add(client);
    else this.#congested.delete(client);
    if (wasPaused === this.paused) return;
    for (const c of this.#clients) {
      if (this.paused) c.pause();
      else c.resume();
    }
  }

  /** @internal one frame from `from` to everyone else, encoded once. */
  forward(from: RelayClient, payload: Buffer): void {
    this.#framesIn += 1;
    const frame = encodeFrame(payload);
    for (const client of this.#clients) {
      if (client !== from && client.send(frame)) this.#framesOut += 1;
    }
  }
}

class RelayClient implements Protocol {
  readonly #relay: ImRelay;
  readonly #session: Session;
  readonly #decoder: FrameDecoder;
  readonly #queue: OutboundQueue;

  constructor(relay: ImRelay, session: Session) {
    this.#relay = relay;
    this.#session = session;
    this.#decoder = new FrameDecoder({
      maxFrameBytes: relay.maxFrameBytes,
      onFrame: (payload) => relay.forward(this, payload),
      onError: (error) => this.#drop(error),
    });
    this.#queue = new OutboundQueue(session, {
      maxQueuedBytes: relay.maxQueuedBytes,
      drainTimeoutMs: relay.drainTimeoutMs,
      onOverflow: (error) => this.#drop(error),
      onCongestion: (congested) => relay.congestion(this, congested),
    });
    relay.join(this);
  }

  pause(): void {
    this.#session.pause();
  }

  resume(): void {
    this.#session.resume();
  }

  get bufferedBytes(): number {
    const transport = (this.#session as { bufferedAmount?: number }).bufferedAmount ?? 0;
    return this.#queue.queuedBytes + transport;
  }

  send(frame: Buffer): boolean {
    return this.#queue.sendBatched(frame);
  }

  dataReceived(chunk: Buffer): void {
    if (!this.#decoder.failed) this.#decoder.push(chunk);
  }

  endReceived(): void {
    this.#queue.end();
  }

  connectionLost(): void {
    this.#relay.leave(this);
  }

  #drop(error: NetlabError): void {
    this.#relay.leave(this);
    // No text notice: the peer expects frames, and a slow reader would never
    // read it anyway. The reason goes to the connection log.
    this.#session.destroy(error);
    this.#relay.emit('dropped', this.#session, error);
  }
}
