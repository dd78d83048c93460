/**
 * `netlab bench echo`: closed-loop echo load. Each connection keeps
 * `pipeline` messages of `size` bytes in flight; a round trip completes when
 * `size` more bytes (stream transports) or one more message (udp, ws) come
 * back, and its latency is measured from when that message was written.
 *
 * Hot path: the payload is one pre-allocated Buffer written again and again
 * (never mutated, so reusing it while the kernel or TLS still holds it is
 * safe). On byte streams, the messages one read completes are answered with
 * one write of that many payloads back to back (views of one pre-allocated
 * buffer), not one write each: at K=16 a write per message capped the
 * generator near 360 k round trips/s, below what the servers can do. Send
 * times live in a pre-allocated Float64Array ring per
 * connection; the clock is performance.now() (a double, no allocation).
 */
import { formatHostPort } from '../util/endpoint.js';
import { explainSystemError } from '../errors.js';
import { openAll, runWindow } from './generator.js';
import { LOAD_TRANSPORTS, openLink, type Link, type LinkTarget, type LoadTransport } from './links.js';
import { LoadMetrics, nowMicros, type LatencySummary } from './metrics.js';
import { booleanValue, nonEmptyString, oneOf, optional, port, positiveInteger, positiveMs, positiveSeconds, stringValue, validateOptions, type Checker } from '../util/validate.js';

/** What to run. */
export interface EchoLoadOptions extends LinkTarget {
  /** Concurrent connections (C). */
  connections: number;
  /** Bytes per message. */
  size: number;
  /** Measurement window, in seconds. */
  seconds: number;
  /** Messages in flight per connection (K); 1 is strict ping-pong. */
  pipeline: number;
  /** A reply later than this counts as a timeout, in milliseconds. */
  replyTimeoutMs: number;
}

/** The result of a run (also the `--json` document). */
export interface EchoLoadReport {
  scenario: 'echo';
  transport: LoadTransport;
  target: string;
  connections: number;
  size: number;
  pipeline: number;
  duration_s: number;
  round_trips: number;
  round_trips_per_s: number;
  /** Echoed payload received per second, in 10^6 bytes. */
  mb_per_s: number;
  bytes_sent: number;
  bytes_received: number;
  latency_us: LatencySummary;
  errors: number;
  timeouts: number;
  /** Processes the load ran in (--workers). */
  workers: number;
}

/** Connections opened and ready; run() starts the measured window. */
export interface PreparedEchoLoad {
  /** Runs the window and reports; the connections are closed afterwards. */
  run(): Promise<EchoLoadReport>;
  /** The metrics of the run (for a parent process to merge). */
  readonly metrics: LoadMetrics;
  /** Closes the connections without running. */
  close(): void;
}

/** Timer granularity of reply time-out checks, in ms. */
const TICK_MS = 50;

/** Largest single write of back-to-back payloads on a byte stream. */
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * `views[n]` is n payloads back to back, for n = 1 .. the batch limit (just
 * the payload itself on message transports, where each write is a message).
 */
function payloadBatches(payload: Buffer, pipeline: number, messages: boolean): Buffer[] {
  const most = messages ? 1 : Math.max(1, Math.min(pipeline, Math.floor(MAX_BATCH_BYTES / payload.length)));
  if (most === 1) return [payload.subarray(0, 0), payload];
  const joined = Buffer.alloc(payload.length * most);
  for (let i = 0; i < most; i++) payload.copy(joined, i * payload.length);
  return Array.from({ length: most + 1 }, (_, n) => joined.subarray(0, n * payload.length));
}

/** One connection's closed loop. */
class EchoLoop {
  readonly #metrics: LoadMetrics;
  readonly #payload: Buffer;
  readonly #size: number;
  readonly #depth: number;
  /** Send times (µs) of the messages in flight, a ring of `pipeline` slots. */
  readonly #sentAt: Float64Array;
  /** See payloadBatches(); set once the link is known. */
  #batches: Buffer[] = [];
  #head = 0;
  #inFlight = 0;
  /** Bytes of a round trip not yet complete (stream transports). */
  #partial = 0;
  #blocked = false;
  /** Sends due while blocked, made on drain. */
  #owed = 0;
  #link: Link | undefined;
  running = false;
  dead = false;

  constructor(metrics: LoadMetrics, payload: Buffer, pipeline: number) {
    this.#metrics = metrics;
    this.#payload = payload;
    this.#size = payload.length;
    this.#depth = pipeline;
    this.#sentAt = new Float64Array(pipeline);
  }

  attach(link: Link): void {
    this.#link = link;
    this.#batches = payloadBatches(this.#payload, this.#depth, link.messages);
  }

  get link(): Link | undefined {
    return this.#link;
  }

  start(): void {
    this.running = true;
    this.#send(this.#depth);
  }

  /** Sends `count` more messages, as few writes as the link allows. */
  #send(count: number): void {
    if (!this.running || this.dead || count === 0) return;
    if (this.#blocked) {
      this.#owed += count;
      return;
    }
    const now = nowMicros();
    for (let i = 0; i < count; i++) {
      this.#sentAt[(this.#head + this.#inFlight) % this.#depth] = now;
      this.#inFlight += 1;
    }
    this.#metrics.bytesSent += count * this.#size;
    const most = this.#batches.length - 1;
    // All `count` go out even when the socket fills midway (they are at most
    // K messages); a full socket holds back the sends that follow, until drain.
    for (let left = count; left > 0; ) {
      const n = left < most ? left : most;
      left -= n;
      if (!this.#link!.write(this.#batches[n] as Buffer)) this.#blocked = true;
    }
  }

  /** The oldest message in flight came back. */
  #complete(): void {
    const latency = nowMicros() - (this.#sentAt[this.#head] as number);
    this.#head = (this.#head + 1) % this.#depth;
    this.#inFlight -= 1;
    this.#metrics.completed += 1;
    this.#metrics.record(latency);
  }

  onBytes(n: number): void {
    if (!this.running) return;
    this.#metrics.bytesReceived += n;
    this.#partial += n;
    let done = 0;
    while (this.#partial >= this.#size && this.#inFlight > 0) {
      this.#partial -= this.#size;
      this.#complete();
      done += 1;
    }
    this.#send(done);
  }

  onMessage(n: number): void {
    if (!this.running) return;
    this.#metrics.bytesReceived += n;
    if (this.#inFlight === 0) return;
    this.#complete();
    this.#send(1);
  }

  onDrain(): void {
    this.#blocked = false;
    const owed = this.#owed;
    this.#owed = 0;
    this.#send(owed);
  }

  onError(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    if (this.running) this.#metrics.error(err);
  }

  onClose(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.running) this.#metrics.error(new Error('the server closed the connection'));
  }

  /** Called from the shared timer: the oldest message in flight may be overdue. */
  checkTimeout(nowUs: number, timeoutUs: number): void {
    if (!this.running || this.dead || this.#inFlight === 0) return;
    if (nowUs - (this.#sentAt[this.#head] as number) <= timeoutUs) return;
    this.#metrics.timeouts += 1;
    if (this.#link!.messages) {
      // A lost datagram: forget it and keep the loop going.
      this.#head = (this.#head + 1) % this.#depth;
      this.#inFlight -= 1;
      this.#send(1);
    } else {
      // A stalled stream cannot be resynchronised: give this connection up.
      this.dead = true;
      this.#link!.destroy();
    }
  }
}

/**
 * Runs the echo load and reports.
 * @throws NetlabError when the connections cannot be opened (refused, TLS verification...)
 *   or when no round trip at all completed because of errors
 */
export async function runEchoLoad(options: EchoLoadOptions): Promise<EchoLoadReport> {
  return (await prepareEchoLoad(options)).run();
}

/** An echo load's options (a key added to EchoLoadOptions must be added here too). */
const ECHO_LOAD_OPTIONS = {
  transport: oneOf(LOAD_TRANSPORTS),
  host: nonEmptyString,
  port,
  connectTimeoutMs: positiveMs,
  insecure: optional(booleanValue),
  servername: optional(stringValue),
  connections: positiveInteger,
  size: positiveInteger,
  seconds: positiveSeconds,
  pipeline: positiveInteger,
  replyTimeoutMs: positiveMs,
} satisfies Record<keyof EchoLoadOptions, Checker<unknown>>;

/**
 * Checks an echo load's options before anything is opened.
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT naming the first bad option
 */
export function checkEchoLoadOptions(options: EchoLoadOptions): void {
  validateOptions(options, 'options', ECHO_LOAD_OPTIONS);
}

/**
 * Opens the connections of an echo load without sending anything yet.
 * @throws (the promise rejects) UsageError NETLAB_ERR_INVALID_ARGUMENT for a
 *   missing or bad option; NetlabError when the connections cannot be opened
 */
export async function prepareEchoLoad(options: EchoLoadOptions): Promise<PreparedEchoLoad> {
  checkEchoLoadOptions(options);
  const metrics = new LoadMetrics();
  const payload = Buffer.alloc(options.size, 0x61);
  const loops = await openAll(
    options.connections,
    async () => {
      const loop = new EchoLoop(metrics, payload, options.pipeline);
      const link = await openLink(options, {
        bytes: (n) => loop.onBytes(n),
        message: (n) => loop.onMessage(n),
        drain: () => loop.onDrain(),
        error: (err) => loop.onError(err),
        close: () => loop.onClose(),
      });
      loop.attach(link);
      return loop;
    },
    (loop) => loop.link?.destroy(),
  );
  const close = (): void => {
    for (const loop of loops) loop.link?.destroy();
  };
  const run = async (): Promise<EchoLoadReport> => {
    for (const loop of loops) loop.start();
    const timeoutUs = options.replyTimeoutMs * 1000;
    const elapsed = await runWindow(options.seconds, TICK_MS, (nowUs) => {
      for (const loop of loops) loop.checkTimeout(nowUs, timeoutUs);
    });
    for (const loop of loops) loop.running = false;
    const report = echoReport(options, metrics, elapsed, 1);
    close();
    if (metrics.completed === 0 && metrics.firstError !== undefined) {
      throw explainSystemError(metrics.firstError, { action: 'connect', transport: options.transport, host: options.host, port: options.port });
    }
    return report;
  };
  return { run, close, metrics };
}

/** The report of `metrics` gathered over `elapsed` seconds. */
export function echoReport(options: EchoLoadOptions, metrics: LoadMetrics, elapsed: number, workers: number): EchoLoadReport {
  return {
    scenario: 'echo',
    transport: options.transport,
    target: formatHostPort(options.host, options.port),
    connections: options.connections,
    size: options.size,
    pipeline: options.pipeline,
    duration_s: round(elapsed, 3),
    round_trips: metrics.completed,
    round_trips_per_s: round(metrics.completed / elapsed, 1),
    mb_per_s: round(metrics.bytesReceived / elapsed / 1e6, 3),
    bytes_sent: metrics.bytesSent,
    bytes_received: metrics.bytesReceived,
    latency_us: metrics.latency(),
    errors: metrics.errors,
    timeouts: metrics.timeouts,
    workers,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
