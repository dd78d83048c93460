/**
 * The one Redis connection of a node (`--redis URL`): what the chat room's
 * bus and the IM relay's bus both stand on. Two connections, because a Redis
 * connection that SUBSCRIBEs can do nothing else: a publisher (PUBLISH, and
 * the few commands a bus needs, `link.commands`) and a subscriber.
 *
 * Delivery (docs/chat-and-im.md, "Many servers"): records a node sends on a
 * channel reach every node subscribed to it at most once and in the order
 * sent. That is what Redis pub/sub gives one connection: commands run in the
 * order they arrive and each subscriber receives them in that order. There is
 * no replay: what is sent while Redis is unreachable, or while the bound
 * below is full, is dropped and counted, never queued without limit. Local
 * delivery never waits for Redis.
 *
 * Bounds (docs/limits.md): bytes batched or published and not yet
 * acknowledged by Redis stay under `maxBufferedBytes`; past it, `send()`
 * drops the record (NETLAB_ERR_REDIS_BACKLOG, once per episode, then
 * counted) until Redis catches up: the slow-reader rule applied to the bus.
 * ioredis's offline queue is off (`enableOfflineQueue: false`) and commands
 * in flight when a connection drops are failed, not resent, so nothing grows
 * behind the bound's back.
 *
 * Faults: a dropped connection is retried with capped exponential backoff
 * (`retryInitialMs` doubling up to `retryMaxMs`, with jitter so nodes do not
 * reconnect in step); a server that accepts but stops answering (paused,
 * swapping) is noticed by a PING left unanswered for `stallTimeoutMs`. Each
 * outage is one `down` event and one `up` event, never a log line per retry.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import { DEFAULTS } from '../constants.js';
import { ERROR_CODES, LimitError, NetlabError, NetworkError } from '../errors.js';
import { integerIn, nonNegativeMs, positiveInteger, positiveMs, validateOptions, withDefault, type Checker } from '../util/validate.js';
import { decodeEnvelope, encodeEnvelope, NODE_ID_BYTES, RECORD_OVERHEAD_BYTES } from './envelope.js';
import { parseRedisUrl, type RedisEndpoint } from './url.js';

export interface RedisLinkOptions {
  /** `redis://HOST:PORT[/DB]`, or an endpoint from parseRedisUrl(). */
  url: string | RedisEndpoint;
  /** Bytes batched or unacknowledged before send() drops records. Default 8 MiB. */
  maxBufferedBytes?: number;
  /** A batch this large is published at once, in bytes. Default 256 KiB. */
  batchBytes?: number;
  /** First reconnection delay, in ms, doubling per attempt. Default 100. */
  retryInitialMs?: number;
  /** Longest reconnection delay, in ms. Default 2000. */
  retryMaxMs?: number;
  /** One connection attempt's limit, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** PING period, in ms. Default 1000. */
  heartbeatMs?: number;
  /** An unanswered PING this old means Redis is unreachable, in ms. Default 5000. */
  stallTimeoutMs?: number;
}

/** What a node lost to one outage or one backlog episode. */
export interface RedisLinkLoss {
  /** How long it lasted, in ms. */
  durationMs: number;
  /** Records send() dropped meanwhile, and their bytes. */
  droppedRecords: number;
  droppedBytes: number;
}

export interface RedisLinkEvents {
  /** Both connections ready and every channel subscribed, the first time. */
  connected: [];
  /** Redis became unreachable (refused, closed, or not answering); once per outage. */
  down: [error: NetlabError];
  /** Redis answers again and every channel is subscribed again, after `down`. */
  up: [loss: RedisLinkLoss];
  /** send() began dropping records because the bound is full (NETLAB_ERR_REDIS_BACKLOG); once per episode. */
  backlog: [error: NetlabError];
  /** The backlog fell under half the bound again. */
  caughtUp: [loss: RedisLinkLoss];
  /** A message on a subscribed channel that is not netlab's envelope (another program publishing there); it is skipped. */
  malformed: [channel: string, error: NetlabError];
}

export interface RedisLinkStats {
  /** Records handed to Redis, and the PUBLISH commands that carried them. */
  sentRecords: number;
  publishes: number;
  /** Records received from other nodes. */
  receivedRecords: number;
  /** Records send() dropped (Redis unreachable or the bound full), and their bytes. */
  droppedRecords: number;
  droppedBytes: number;
  /** Bytes batched or awaiting Redis's acknowledgement now (at most maxBufferedBytes). */
  bufferedBytes: number;
  /** Messages skipped as not netlab's. */
  malformed: number;
  /** Times Redis became unreachable after having been reached. */
  outages: number;
}

/** Delivers one record another node sent; `origin` is that node's id (hex). */
export type RedisRecordHandler = (record: Buffer, origin: string) => void;

const LINK_OPTIONS = {
  url: (value: unknown, name: string): RedisEndpoint => (typeof value === 'object' && value !== null ? (value as RedisEndpoint) : parseRedisUrl(value, name)),
  maxBufferedBytes: withDefault(positiveInteger, DEFAULTS.redisMaxBufferedBytes),
  batchBytes: withDefault(integerIn(1, 64 * 1024 * 1024), DEFAULTS.redisBatchBytes),
  retryInitialMs: withDefault(positiveMs, DEFAULTS.redisRetryInitialMs),
  retryMaxMs: withDefault(positiveMs, DEFAULTS.redisRetryMaxMs),
  connectTimeoutMs: withDefault(positiveMs, DEFAULTS.redisConnectTimeoutMs),
  heartbeatMs: withDefault(positiveMs, DEFAULTS.redisHeartbeatMs),
  stallTimeoutMs: withDefault(nonNegativeMs, DEFAULTS.redisStallTimeoutMs),
} satisfies Record<keyof RedisLinkOptions, Checker<unknown>>;

type CheckedOptions = ReturnType<typeof validateLinkOptions>;
function validateLinkOptions(options: RedisLinkOptions) {
  return validateOptions(options, 'options', LINK_OPTIONS);
}

/** Records waiting for the end of the turn on one channel. */
interface Batch {
  records: Buffer[];
  bytes: number;
}

/** One PUBLISH awaiting Redis's answer. */
interface InFlight {
  link: RedisLink;
  bytes: number;
  records: number;
}

/**
 * Opens a node's link (ioredis is loaded here, on first use, so commands
 * without --redis never load it). It connects in the background: a Redis that
 * is not there yet is a `down` event and retries, not a failure to start.
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT for a bad URL or option
 */
export async function openRedisLink(options: RedisLinkOptions): Promise<RedisLink> {
  const checked = validateLinkOptions(options);
  const { Redis } = await import('ioredis');
  return new RedisLink(checked, (extra) => new Redis(ioredisOptions(checked, extra)));
}

function ioredisOptions(options: CheckedOptions, extra: RedisOptions): RedisOptions {
  const endpoint = options.url;
  return {
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    username: endpoint.username,
    password: endpoint.password,
    connectionName: 'netlab',
    connectTimeout: options.connectTimeoutMs,
    // disconnect() arms a timer to destroy a socket that will not close; on
    // a socket already closed (a link closed while Redis is down) nothing
    // clears it, so keep it short instead of ioredis's 2 s.
    disconnectTimeout: 200,
    // The bound is ours (maxBufferedBytes): no queue of commands while
    // disconnected, no resending after a reconnect, and every command in
    // flight failed when its connection drops (maxRetriesPerRequest 0).
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    // The link resubscribes itself, to know when the subscriptions are live again.
    autoResubscribe: false,
    retryStrategy: (attempt: number) => backoffMs(attempt, options.retryInitialMs, options.retryMaxMs),
    ...extra,
  };
}

/**
 * Capped exponential backoff with ±20% jitter: attempt 1 waits about
 * `initialMs`, each further one twice as long, never more than `maxMs`.
 */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(initialMs * 2 ** Math.min(attempt - 1, 30), maxMs);
  return Math.round(Math.min(maxMs, base * (0.8 + Math.random() * 0.4)));
}

/**
 * Ends a connection that QUIT did not end (or one still retrying). Only
 * then: every disconnect() arms a destroy timer (see disconnectTimeout).
 */
function disconnect(redis: Redis): void {
  if (redis.status !== 'end') redis.disconnect();
}

type LinkState = 'connecting' | 'up' | 'down' | 'closed';

/** Module-level, so a PUBLISH costs a promise but no closure per outcome. */
function publishSettled(this: InFlight): void {
  this.link.acknowledged(this.bytes);
}
function publishFailed(this: InFlight): void {
  this.link.acknowledged(this.bytes, this.records);
}

/**
 * A node's Redis link: send records to the other nodes of a channel,
 * receive theirs, and hear when Redis goes and comes back (see the module
 * comment for the guarantee and the bounds). Made by openRedisLink().
 */
export class RedisLink extends EventEmitter<RedisLinkEvents> {
  /** Where Redis is (for log lines: `endpoint.label`). */
  readonly endpoint: RedisEndpoint;
  /** This node's id, random per process (hex); other nodes see it as a record's origin. */
  readonly nodeId: string;
  readonly maxBufferedBytes: number;
  readonly #origin: Buffer;
  readonly #options: CheckedOptions;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #handlers = new Map<string, RedisRecordHandler>();
  readonly #batches = new Map<string, Batch>();
  #flushScheduled: NodeJS.Immediate | undefined;
  #state: LinkState = 'connecting';
  #everUp = false;
  #publisherReady = false;
  #subscriberReady = false;
  /** Bumped on each subscriber (re)connection, so a late SUBSCRIBE answer from an old one is ignored. */
  #subscriberGeneration = 0;
  #stalled = false;
  #pingSince: number | undefined;
  readonly #heartbeat: NodeJS.Timeout;
  #lastError: Error | undefined;
  #batchedBytes = 0;
  #inFlightBytes = 0;
  #outage: { since: number; droppedRecords: number; droppedBytes: number } | undefined;
  #backlog: { since: number; droppedRecords: number; droppedBytes: number } | undefined;
  readonly #stats = { sentRecords: 0, publishes: 0, receivedRecords: 0, droppedRecords: 0, droppedBytes: 0, malformed: 0, outages: 0 };

  /** @internal use openRedisLink() */
  constructor(options: CheckedOptions, connect: (extra: RedisOptions) => Redis) {
    super();
    this.#options = options;
    this.endpoint = options.url;
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.#origin = randomBytes(NODE_ID_BYTES);
    this.nodeId = this.#origin.toString('hex');
    this.#publisher = connect({ connectionName: 'netlab-pub' });
    this.#subscriber = connect({ connectionName: 'netlab-sub' });
    this.#watch(this.#publisher, 'publisher');
    this.#watch(this.#subscriber, 'subscriber');
    this.#subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#received(channel.toString('latin1'), message));
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /**
   * The publisher connection, for the few commands a bus needs besides
   * PUBLISH (a nickname claim, a heartbeat key). While Redis is unreachable
   * they fail at once (no offline queue). They are not counted in the
   * bound: keep them to a handful per user event, never one per line.
   */
  get commands(): Redis {
    return this.#publisher;
  }

  /** True while both connections work, every channel is subscribed and Redis answers. */
  get up(): boolean {
    return this.#state === 'up';
  }

  get stats(): RedisLinkStats {
    return { ...this.#stats, bufferedBytes: this.#batchedBytes + this.#inFlightBytes };
  }

  /**
   * The Redis channel a logical name maps to: `netlab:DB:NAME`. Redis
   * pub/sub ignores SELECT, so the DB of the URL is put in the name, and
   * rooms on different DBs of one server stay apart.
   */
  channel(name: string): string {
    return `netlab:${this.endpoint.db}:${name}`;
  }

  /** True if `name` has a handler already (subscribe() would refuse another). */
  hasSubscription(name: string): boolean {
    return this.#handlers.has(this.channel(name));
  }

  /**
   * Delivers the records other nodes send on `name` to `handler` (never this
   * node's own). One handler per channel. Resolves once subscribed, or at
   * once while Redis is unreachable (the link subscribes when it is back).
   * @throws NetlabError NETLAB_ERR_INVALID_STATE if `name` already has a handler or the link is closed
   */
  async subscribe(name: string, handler: RedisRecordHandler): Promise<void> {
    const channel = this.channel(name);
    if (this.#state === 'closed') throw new NetlabError(ERROR_CODES.INVALID_STATE, 'the Redis link is closed');
    if (this.#handlers.has(channel)) throw new NetlabError(ERROR_CODES.INVALID_STATE, `channel ${name} already has a handler`);
    this.#handlers.set(channel, handler);
    if (this.#subscriberReady) await this.#subscriber.subscribe(channel).catch(() => undefined);
  }

  /**
   * Sends one record to every other node subscribed to `name`, in order
   * after the records sent before it. Records of one event-loop turn go in
   * one PUBLISH. Never blocks and never throws for Redis's state.
   * @returns false if the record was dropped (Redis unreachable, or the bound full)
   */
  send(name: string, record: Buffer): boolean {
    const cost = record.length + RECORD_OVERHEAD_BYTES;
    if (this.#state !== 'up') return this.#drop(cost, this.#outage);
    if (this.#batchedBytes + this.#inFlightBytes + cost > this.maxBufferedBytes) {
      if (this.#backlog === undefined) {
        this.#backlog = { since: Date.now(), droppedRecords: 0, droppedBytes: 0 };
        this.emit(
          'backlog',
          new LimitError(
            ERROR_CODES.REDIS_BACKLOG,
            `Redis at ${this.endpoint.label} is not keeping up: ${this.#batchedBytes + this.#inFlightBytes} bytes wait for it (limit ${this.maxBufferedBytes}); messages to other nodes are dropped until it catches up (local delivery continues)`,
          ),
        );
      }
      return this.#drop(cost, this.#backlog);
    }
    const channel = this.channel(name);
    let batch = this.#batches.get(channel);
    if (batch === undefined) {
      batch = { records: [], bytes: 0 };
      this.#batches.set(channel, batch);
    }
    batch.records.push(record);
    batch.bytes += record.length;
    this.#batchedBytes += cost;
    if (batch.bytes >= this.#options.batchBytes) this.#publish(channel, batch);
    else this.#flushScheduled ??= setImmediate(() => this.flush());
    return true;
  }

  /** Publishes every batch now (send() does it at the end of the turn by itself). */
  flush(): void {
    if (this.#flushScheduled !== undefined) clearImmediate(this.#flushScheduled);
    this.#flushScheduled = undefined;
    for (const [channel, batch] of this.#batches) this.#publish(channel, batch);
  }

  /**
   * Publishes what is batched, waits (at most `timeoutMs`) for Redis to take
   * it, and closes both connections. Idempotent.
   */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#state === 'closed') return;
    if (this.#state === 'up') this.flush();
    this.#state = 'closed';
    clearInterval(this.#heartbeat);
    if (this.#flushScheduled !== undefined) clearImmediate(this.#flushScheduled);
    this.#batches.clear();
    this.#batchedBytes = 0;
    // QUIT is answered after the commands before it, so it waits for the last PUBLISH.
    const quit = (redis: Redis): Promise<unknown> => (redis.status === 'ready' ? redis.quit().catch(() => undefined) : Promise.resolve(disconnect(redis)));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all([quit(this.#publisher), quit(this.#subscriber)]), deadline]);
    clearTimeout(timer);
    disconnect(this.#publisher);
    disconnect(this.#subscriber);
  }

  /** @internal a PUBLISH was answered (or failed: then its records count as dropped). */
  acknowledged(bytes: number, failedRecords = 0): void {
    this.#inFlightBytes -= bytes;
    if (failedRecords > 0) {
      this.#stats.droppedRecords += failedRecords;
      this.#stats.droppedBytes += bytes;
    }
    if (this.#backlog !== undefined && this.#batchedBytes + this.#inFlightBytes <= this.maxBufferedBytes / 2) {
      const backlog = this.#backlog;
      this.#backlog = undefined;
      this.emit('caughtUp', { durationMs: Date.now() - backlog.since, droppedRecords: backlog.droppedRecords, droppedBytes: backlog.droppedBytes });
    }
  }

  #drop(cost: number, episode: { droppedRecords: number; droppedBytes: number } | undefined): false {
    this.#stats.droppedRecords += 1;
    this.#stats.droppedBytes += cost;
    if (episode !== undefined) {
      episode.droppedRecords += 1;
      episode.droppedBytes += cost;
    }
    return false;
  }

  #publish(channel: string, batch: Batch): void {
    this.#batches.delete(channel);
    const cost = batch.bytes + RECORD_OVERHEAD_BYTES * batch.records.length;
    this.#batchedBytes -= cost;
    const message = encodeEnvelope(this.#origin, batch.records, batch.bytes);
    const inFlight: InFlight = { link: this, bytes: cost, records: batch.records.length };
    this.#inFlightBytes += cost;
    this.#stats.sentRecords += batch.records.length;
    this.#stats.publishes += 1;
    this.#publisher.publish(channel, message).then(publishSettled.bind(inFlight), publishFailed.bind(inFlight));
  }

  #received(channel: string, message: Buffer): void {
    const handler = this.#handlers.get(channel);
    if (handler === undefined) return;
    const envelope = decodeEnvelope(message);
    if (!('records' in envelope)) {
      this.#stats.malformed += 1;
      this.emit('malformed', channel, envelope);
      return;
    }
    if (envelope.origin.equals(this.#origin)) return;
    const origin = envelope.origin.toString('hex');
    this.#stats.receivedRecords += envelope.records.length;
    for (const record of envelope.records) handler(record, origin);
  }

  #watch(redis: Redis, role: 'publisher' | 'subscriber'): void {
    // An 'error' with no listener would crash the node; the reason is kept for the `down` line.
    redis.on('error', (error: Error) => {
      this.#lastError = error;
    });
    redis.on('close', () => {
      if (role === 'publisher') {
        this.#publisherReady = false;
        // A new connection is judged by its own PINGs.
        this.#stalled = false;
      } else {
        this.#subscriberReady = false;
        this.#subscriberGeneration += 1;
      }
      this.#pingSince = undefined;
      this.#evaluate();
    });
    redis.on('ready', () => {
      if (role === 'publisher') {
        this.#publisherReady = true;
        this.#evaluate();
      } else void this.#resubscribe();
    });
  }

  async #resubscribe(): Promise<void> {
    const generation = ++this.#subscriberGeneration;
    const subscribed = new Set<string>();
    try {
      // A subscribe() that comes while this one waits is not yet in `subscribed`: go round until none is missing.
      for (let missing = [...this.#handlers.keys()]; missing.length > 0; missing = [...this.#handlers.keys()].filter((c) => !subscribed.has(c))) {
        await this.#subscriber.subscribe(...missing);
        for (const channel of missing) subscribed.add(channel);
        if (generation !== this.#subscriberGeneration) return;
      }
    } catch {
      return; // the connection dropped again: its 'close' has been handled, and 'ready' comes back here
    }
    if (generation !== this.#subscriberGeneration || this.#state === 'closed') return;
    this.#subscriberReady = true;
    this.#evaluate();
  }

  /** One PING in flight at a time; one unanswered for stallTimeoutMs means Redis is gone. */
  #beat(): void {
    if (!this.#publisherReady) return;
    const now = Date.now();
    if (this.#pingSince !== undefined) {
      if (this.#options.stallTimeoutMs > 0 && now - this.#pingSince >= this.#options.stallTimeoutMs && !this.#stalled) {
        this.#stalled = true;
        this.#lastError = new Error(`no answer for ${Math.round((now - this.#pingSince) / 1000)} s`);
        this.#evaluate();
      }
      return;
    }
    this.#pingSince = now;
    this.#publisher.ping().then(
      () => {
        this.#pingSince = undefined;
        if (this.#stalled) {
          this.#stalled = false;
          this.#evaluate();
        }
      },
      () => {
        this.#pingSince = undefined;
      },
    );
  }

  #evaluate(): void {
    if (this.#state === 'closed') return;
    const healthy = this.#publisherReady && this.#subscriberReady && !this.#stalled;
    if (healthy && this.#state !== 'up') {
      const outage = this.#outage;
      this.#outage = undefined;
      this.#lastError = undefined;
      this.#state = 'up';
      if (!this.#everUp) {
        this.#everUp = true;
        this.emit('connected');
      } else if (outage !== undefined) {
        this.emit('up', { durationMs: Date.now() - outage.since, droppedRecords: outage.droppedRecords, droppedBytes: outage.droppedBytes });
      }
    } else if (!healthy && this.#state !== 'down' && (this.#state === 'up' || this.#lastError !== undefined)) {
      // Batched records would only wait for a connection that is gone: dropped and counted now.
      for (const batch of this.#batches.values()) {
        for (const record of batch.records) this.#drop(record.length + RECORD_OVERHEAD_BYTES, undefined);
      }
      this.#batches.clear();
      this.#batchedBytes = 0;
      if (this.#state === 'up') this.#stats.outages += 1;
      this.#state = 'down';
      this.#outage = { since: Date.now(), droppedRecords: 0, droppedBytes: 0 };
      const reason = this.#lastError?.message ?? 'the connection closed';
      this.emit('down', new NetworkError(ERROR_CODES.REDIS_UNREACHABLE, `Redis at ${this.endpoint.label} unreachable: ${reason} (local delivery continues)`, { cause: this.#lastError }));
    }
  }
}
