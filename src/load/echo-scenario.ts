/**
 * `netlab bench echo`: closed-loop echo load. Each connection keeps
 * `pipeline` messages of `size` bytes in flight; a round trip completes when
 * `size` more bytes (stream transports) or one more message (udp, ws) come
 * back, and its latency is measured from when that message was written.
 *
 * Hot path: the payload is one pre-allocated Buffer written again and again
 * (never mutated, so reusing it while the kernel or TLS still holds it is
 * safe); send times live in a pre-allocated Float64Array ring per
 * connection; the clock is performance.now() (a double, no allocation).
 */
import { formatHostPort } from '../util/endpoint.js';
import { explainSystemError } from '../errors.js';
import { openAll, runWindow } from './generator.js';
import { openLink, type Link, type LinkTarget, type LoadTransport } from './links.js';
import { LoadMetrics, nowMicros, type LatencySummary } from './metrics.js';

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

/** One connection's closed loop. */
class EchoLoop {
  readonly #metrics: LoadMetrics;
  readonly #payload: Buffer;
  readonly #size: number;
  readonly #depth: number;
  /** Send times (µs) of the messages in flight, a ring of `pipeline` slots. */
  readonly #sentAt: Float64Array;
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
  }

  get link(): Link | undefined {
    return this.#link;
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.#depth; i++) this.#send();
  }

  #send(): void {
    if (!this.running || this.dead) return;
    if (this.#blocked) {
      this.#owed += 1;
      return;
    }
    this.#sentAt[(this.#head + this.#inFlight) % this.#depth] = nowMicros();
    this.#inFlight += 1;
    this.#metrics.bytesSent += this.#size;
    if (!this.#link!.write(this.#payload)) this.#blocked = true;
  }

  #complete(): void {
    const latency = nowMicros() - (this.#sentAt[this.#head] as number);
    this.#head = (this.#head + 1) % this.#depth;
    this.#inFlight -= 1;
    if (!this.running) return;
    this.#metrics.completed += 1;
    this.#metrics.record(latency);
    this.#send();
  }

  onBytes(n: number): void {
    if (!this.running) return;
    this.#metrics.bytesReceived += n;
    this.#partial += n;
    while (this.#partial >= this.#size && this.#inFlight > 0) {
      this.#partial -= this.#size;
      this.#complete();
    }
  }

  onMessage(n: number): void {
    if (!this.running) return;
    this.#metrics.bytesReceived += n;
    if (this.#inFlight > 0) this.#complete();
  }

  onDrain(): void {
    this.#blocked = false;
    while (this.#owed > 0 && !this.#blocked) {
      this.#owed -= 1;
      this.#send();
    }
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
      this.#send();
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

/**
 * Opens the connections of an echo load without sending anything yet.
 * @throws NetlabError when the connections cannot be opened
 */
export async function prepareEchoLoad(options: EchoLoadOptions): Promise<PreparedEchoLoad> {
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
