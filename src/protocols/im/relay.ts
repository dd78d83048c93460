/**
 * The IM relay: a blind fan-out of length-prefixed frames. Every frame a
 * client sends goes, unchanged, to every other connected client; the relay
 * never decodes the payload (it needs no keys). A bad length disconnects
 * only its sender; a client that stops reading is cut off once its bounded
 * queue is full, and the others keep receiving.
 *
 * Flow control is per receiver, never a lever for one client. Each receiver
 * has a bounded queue (OutboundQueue): past `maxQueuedBytes` waiting, or
 * `drainTimeoutMs` without draining, it is cut off (NETLAB_ERR_SLOW_READER)
 * and the relay goes on. A receiver whose socket fills holds the senders
 * back (the relay stops reading from them) only for the first
 * `stallGraceMs` of that stall; a stall ends when the receiver has drained
 * everything. So a flood does not outrun healthy readers (they drain in
 * milliseconds), but a client that stops reading holds the others for one
 * grace period at most, then its own queue fills (or its drain timeout
 * expires) and it is cut off while the others keep receiving. A reader can
 * still slow the room to its own pace only by draining its whole buffer
 * (at least the 64 KiB high-water mark) within every grace period: that is
 * backpressure working, not a stall.
 *
 * Where a frame goes is the relay's bus (relay-bus.ts): by default its own
 * other clients; with a Redis bus, also every other relay of the room, whose
 * frames come back through `deliverFromNode` into the same bounded queues.
 * Frames from other nodes cannot be paused at their source; the receivers'
 * queue limits bound them instead.
 */
import { EventEmitter } from 'node:events';
import { DEFAULTS } from '../../constants.js';
import { encodeFrame, FrameDecoder, MAX_UINT32 } from '../../codec/length-prefixed.js';
import type { NetlabError } from '../../errors.js';
import type { Session } from '../../transports/session.js';
import { OutboundQueue } from '../outbound-queue.js';
import { FanOutTurn } from '../turn-batch.js';
import type { Protocol, ProtocolFactory } from '../protocol.js';
import { integerIn, invalidOption, nonNegativeMs, positiveInteger, validateOptions, withDefault, type Checker } from '../../util/validate.js';
import { LocalRelayBus, type RelayBus, type RelayBusContext } from './relay-bus.js';

export interface ImRelayOptions {
  /** Largest frame payload relayed, in bytes. Default 65536. */
  maxFrameBytes?: number;
  /** Bytes that may wait for one slow client before it is cut off. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** A client whose socket stays full this long is cut off, in ms. Default 5000; 0 never. */
  drainTimeoutMs?: number;
  /**
   * How long a congested client may hold the senders back, per stall (until
   * it drains everything), in ms. Default 250; 0: never.
   */
  stallGraceMs?: number;
  /** Where frames go: default a LocalRelayBus (this relay's clients only); a RedisRelayBus for relays across processes. */
  bus?: RelayBus;
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
  /** Frames received from other nodes (a Redis bus). */
  framesFromNodes: number;
  /** Frames from other nodes longer than this relay's maxFrameBytes, not relayed. */
  framesRefusedFromNodes: number;
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
  stallGraceMs: withDefault(nonNegativeMs, DEFAULTS.imStallGraceMs),
  bus: (value: unknown, name: string): RelayBus | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || typeof (value as RelayBus).publish !== 'function' || typeof (value as RelayBus).attach !== 'function') {
      throw invalidOption(name, 'a RelayBus (attach and publish)', value);
    }
    return value as RelayBus;
  },
} satisfies Record<keyof ImRelayOptions, Checker<unknown>>;

export class ImRelay extends EventEmitter<ImRelayEvents> implements RelayBusContext {
  readonly maxFrameBytes: number;
  readonly maxQueuedBytes: number;
  readonly drainTimeoutMs: number;
  readonly stallGraceMs: number;
  /** @internal This relay's fan-out turn: its clients' batched frames share joined Buffers and are flushed together. */
  readonly turn = new FanOutTurn();
  readonly #clients = new Set<RelayClient>();
  /** Congested receivers still within their grace: they count towards pausing the senders. */
  readonly #holding = new Set<RelayClient>();
  #paused = false;
  #framesIn = 0;
  #framesOut = 0;
  #framesFromNodes = 0;
  #framesRefusedFromNodes = 0;
  readonly #bus: RelayBus;

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
    this.stallGraceMs = checked.stallGraceMs;
    this.#bus = checked.bus ?? new LocalRelayBus();
    this.#bus.attach(this);
  }

  /** The per-session protocol, for a Server or a listener. */
  readonly protocol: ProtocolFactory = (session) => new RelayClient(this, session);

  get stats(): ImRelayStats {
    let bufferedBytes = 0;
    for (const client of this.#clients) bufferedBytes += client.bufferedBytes;
    return {
      framesIn: this.#framesIn,
      framesOut: this.#framesOut,
      framesFromNodes: this.#framesFromNodes,
      framesRefusedFromNodes: this.#framesRefusedFromNodes,
      clients: this.#clients.size,
      bufferedBytes,
    };
  }

  /** True while the relay has stopped reading because the room is behind (see the module comment). */
  get paused(): boolean {
    return this.#paused;
  }

  /** @internal */
  join(client: RelayClient): void {
    this.#clients.add(client);
    if (this.#paused) client.pause();
    this.#update();
  }

  /** @internal */
  leave(client: RelayClient): void {
    if (!this.#clients.delete(client)) return;
    this.#holding.delete(client);
    client.stopGrace();
    this.#update();
  }

  /**
   * @internal A receiver's socket buffer filled (true) or drained (false).
   * A newly congested receiver holds the senders back for its grace at most.
   */
  congestion(client: RelayClient, congested: boolean): void {
    if (congested && this.stallGraceMs > 0 && this.#clients.has(client)) {
      this.#holding.add(client);
      client.startGrace(this.stallGraceMs);
    } else {
      this.#holding.delete(client);
      client.stopGrace();
    }
    this.#update();
  }

  /** @internal The receiver stayed congested past its grace: it stops holding the room. */
  graceOver(client: RelayClient): void {
    this.#holding.delete(client);
    this.#update();
  }

  /** Pauses or resumes every client when the room's verdict changes. */
  #update(): void {
    const paused = this.#holding.size > 0;
    if (paused === this.#paused) return;
    this.#paused = paused;
    for (const c of this.#clients) {
      if (paused) c.pause();
      else c.resume();
    }
  }

  /** @internal one frame from a local client: the bus decides where it goes. */
  forward(from: RelayClient, payload: Buffer): void {
    this.#framesIn += 1;
    this.#bus.publish(payload, from);
  }

  /** RelayBusContext: one frame to every local client but `from`, encoded once. */
  deliverLocal(payload: Buffer, from?: object): void {
    const frame = encodeFrame(payload);
    for (const client of this.#clients) {
      if (client !== from && client.send(frame)) this.#framesOut += 1;
    }
  }

  /** RelayBusContext: a frame from another node, held to this relay's own --max-frame. */
  deliverFromNode(payload: Buffer): void {
    if (payload.length > this.maxFrameBytes) {
      this.#framesRefusedFromNodes += 1;
      return;
    }
    this.#framesFromNodes += 1;
    this.deliverLocal(payload);
  }
}

/** Module-level, so a stall costs a timer but no closure. */
function clientGraceOver(client: RelayClient): void {
  client.graceOver();
}

class RelayClient implements Protocol {
  readonly #relay: ImRelay;
  readonly #session: Session;
  readonly #decoder: FrameDecoder;
  readonly #queue: OutboundQueue;
  #grace: NodeJS.Timeout | undefined;

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
      turn: relay.turn,
    });
    relay.join(this);
  }

  pause(): void {
    this.#session.pause();
  }

  startGrace(ms: number): void {
    clearTimeout(this.#grace);
    this.#grace = setTimeout(clientGraceOver, ms, this);
    this.#grace.unref();
  }

  stopGrace(): void {
    clearTimeout(this.#grace);
    this.#grace = undefined;
  }

  /** @internal timer callback */
  graceOver(): void {
    this.#grace = undefined;
    this.#relay.graceOver(this);
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
