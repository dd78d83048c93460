/**
 * `netlab bench chat`: `clients` users join a `netlab chat` room over TCP;
 * the first `senders` of them send lines; every receiver counts the lines it
 * is delivered and the delivery latency.
 *
 * Two ways to send:
 * - open loop (`rate`): each sender sends `rate` lines a second, paced by
 *   one shared timer, whatever the server manages;
 * - closed loop (`inFlight` = K): each sender keeps at most K lines that one
 *   designated receiver, the "watcher", has not been delivered yet. The
 *   watcher is the last user this process joined, so it is (about) the last
 *   the room fans a line out to: when it has a line, the others (almost all)
 *   have it too. A sender sends its next line as soon as the watcher is
 *   delivered one of its lines, so the offered load follows what the server
 *   delivers, and latency measures the server, not an ever-growing backlog.
 *
 * A line's text is `~`, its send time in µs (15 fixed-width digits, on the
 * system's monotonic clock, which every process on the machine shares, so
 * `--workers` may send in one process and receive in another) and the
 * sender's number (6 digits), so a receiver parses `NAME: ~DIGITS\n` straight
 * from the received bytes with a small state machine: no string, no split,
 * no allocation per delivered line, and one clock reading per chunk.
 */
import net from 'node:net';
import { explainSystemError, NetworkError, ERROR_CODES, TimeoutError } from '../errors.js';
import { formatHostPort } from '../util/endpoint.js';
import { waitUntilReady } from '../transports/connect-timeout.js';
import { openAll, runWindow } from './generator.js';
import { LoadMetrics, type LatencySummary } from './metrics.js';
import { DeliveryScanner, LINE_BYTES, writeBenchLine } from './chat-lines.js';
import { arrayOf, integerIn, nonEmptyString, nonNegativeInteger, nonNegativeMs, numberAtLeast, optional, port, positiveInteger, positiveMs, positiveSeconds, validateOptions, type Checker } from '../util/validate.js';

/** What to run. */
export interface ChatLoadOptions {
  host: string;
  port: number;
  clients: number;
  senders: number;
  /** Open loop: lines per second per sender. Ignored when inFlight is set. */
  rate: number;
  /** Closed loop: lines each sender may have in flight (not yet delivered to the watcher). */
  inFlight?: number;
  seconds: number;
  connectTimeoutMs: number;
  /** After the window, how long to wait for lines still on their way, in ms. */
  drainTimeoutMs: number;
  /** Number of this process's first sender (workers: the senders of earlier workers come first). */
  firstSender?: number;
  /**
   * More nodes of the same room on `host` (chat serve --redis): user i
   * joins [port, ...alsoPorts][i % (1 + alsoPorts.length)], so senders and
   * the watcher are spread over the nodes too.
   */
  alsoPorts?: readonly number[];
}

/** The result of a run (also the `--json` document). */
export interface ChatLoadReport {
  scenario: 'chat';
  transport: 'tcp';
  target: string;
  clients: number;
  senders: number;
  /** 'rate': open loop at rate_per_sender; 'closed': at most in_flight lines per sender. */
  mode: 'rate' | 'closed';
  rate_per_sender: number | null;
  in_flight: number | null;
  workers: number;
  duration_s: number;
  sent: number;
  delivered: number;
  /** sent x (clients - 1): what everyone else should have been delivered. */
  expected_deliveries: number;
  /** Expected deliveries that had not arrived when the drain wait ended. */
  missing: number;
  sent_per_s: number;
  delivered_per_s: number;
  latency_us: LatencySummary;
  errors: number;
  timeouts: number;
}

const TICK_MS = 10;

/** µs on CLOCK_MONOTONIC: the same clock in every process of this machine. */
export function monotonicMicros(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1000);
}

class ChatUser {
  readonly #metrics: LoadMetrics;
  readonly socket: net.Socket;
  readonly #scanner = new DeliveryScanner();
  #now = 0;
  /** Lines of a chunk sent at the same µs are recorded as one value with a count. */
  #runSentUs = -1;
  #runCount = 0;
  readonly #onDelivered = (sentUs: number, sender: number): void => {
    this.#metrics.completed += 1;
    if (sentUs !== this.#runSentUs) {
      this.#flushRun();
      this.#runSentUs = sentUs;
    }
    this.#runCount += 1;
    this.onDelivered?.(sender);
  };

  #flushRun(): void {
    if (this.#runCount > 0) this.#metrics.recordMany(this.#now - this.#runSentUs, this.#runCount);
    this.#runCount = 0;
  }
  /** Set on the watcher of a closed loop: each delivered line, then the end of each chunk. */
  onDelivered: ((sender: number) => void) | undefined;
  afterChunk: (() => void) | undefined;
  /** Sender number (senders only). */
  id = -1;
  #blocked = false;
  sent = 0;
  inFlight = 0;
  running = false;
  dead = false;
  /** Called when the socket drains (a blocked sender may go on). */
  onUnblocked: (() => void) | undefined;

  constructor(metrics: LoadMetrics, socket: net.Socket) {
    this.#metrics = metrics;
    this.socket = socket;
  }

  /**
   * Sends up to `n` lines in one write (one clock reading, one syscall).
   * @returns how many were sent: 0 while the socket pushes back
   */
  send(n: number): number {
    if (this.#blocked || this.dead || n <= 0) return 0;
    const batch = Buffer.allocUnsafe(n * LINE_BYTES);
    const now = monotonicMicros();
    for (let i = 0; i < n; i++) writeBenchLine(batch, now, this.id, i * LINE_BYTES);
    this.sent += n;
    this.inFlight += n;
    this.#metrics.bytesSent += batch.length;
    if (!this.socket.write(batch)) this.#blocked = true;
    return n;
  }

  onDrain(): void {
    this.#blocked = false;
    this.onUnblocked?.();
  }

  /** Counts delivered lines in `chunk` from `start`. */
  onData(chunk: Buffer, start: number): void {
    this.#metrics.bytesReceived += chunk.length - start;
    this.#now = monotonicMicros();
    this.#scanner.feed(chunk, start, this.#onDelivered);
    this.#flushRun();
    this.afterChunk?.();
  }
}

/** Reads lines until one satisfies `done`; returns the offset just past it in the last chunk. */
function untilLine(socket: net.Socket, done: (line: string) => boolean, timeoutMs: number, what: string): Promise<{ chunk: Buffer; rest: number }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => finish(new TimeoutError(`the chat server did not ${what} within ${timeoutMs / 1000} s`)), timeoutMs);
    const finish = (err?: Error, value?: { chunk: Buffer; rest: number }): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(value!);
    };
    const onClose = (): void => finish(new NetworkError(ERROR_CODES.CONNECTION_RESET, `the chat server closed the connection before it would ${what}`));
    const onData = (chunk: Buffer): void => {
      const before = text.length;
      text += chunk.toString('latin1');
      let nl: number;
      let consumed = 0;
      while ((nl = text.indexOf('\n', consumed)) !== -1) {
        const line = text.slice(consumed, nl).replace(/\r$/, '');
        consumed = nl + 1;
        if (done(line)) {
          finish(undefined, { chunk, rest: consumed - before });
          return;
        }
      }
      text = text.slice(consumed);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** A chat load whose users have joined: run the window, then wait for the stragglers. */
export interface PreparedChatLoad {
  readonly metrics: LoadMetrics;
  /** Lines this process sent (known after run()). */
  readonly sent: number;
  /** Sends for the window. @returns the elapsed seconds */
  run(): Promise<number>;
  /**
   * Waits (at most drainTimeoutMs) until this process's users were delivered
   * every line of the `totalSent` sent by all processes, and counts the rest as missing.
   */
  drain(totalSent: number): Promise<void>;
  close(): void;
}

/** A chat load's options (a key added to ChatLoadOptions must be added here too). */
const CHAT_LOAD_OPTIONS = {
  host: nonEmptyString,
  port,
  clients: integerIn(2),
  senders: positiveInteger,
  rate: numberAtLeast(0, 'lines a second'),
  inFlight: optional(positiveInteger),
  seconds: positiveSeconds,
  connectTimeoutMs: positiveMs,
  drainTimeoutMs: nonNegativeMs,
  firstSender: optional(nonNegativeInteger),
  alsoPorts: optional(arrayOf(port)),
} satisfies Record<keyof ChatLoadOptions, Checker<unknown>>;

/**
 * Checks a chat load's options before anything is opened.
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT naming the first bad option
 */
export function checkChatLoadOptions(options: ChatLoadOptions): void {
  validateOptions(options, 'options', CHAT_LOAD_OPTIONS);
}

/**
 * Connects and names `clients` users (at most CONNECT_CONCURRENCY handshakes at once).
 * @throws NetlabError when users cannot connect or join (refused, room full, timeout)
 */
export async function prepareChatLoad(options: ChatLoadOptions): Promise<PreparedChatLoad> {
  checkChatLoadOptions(options);
  const metrics = new LoadMetrics();
  const context = { action: 'connect' as const, transport: 'tcp', host: options.host, port: options.port };
  const tag = `b${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const ports = [options.port, ...(options.alsoPorts ?? [])];
  const users = await openAll(
    options.clients,
    async (index) => {
      const socket = net.connect({ host: options.host, port: ports[index % ports.length] as number, noDelay: true });
      socket.on('error', () => {});
      await waitUntilReady(socket, 'connect', options.connectTimeoutMs, context, () => socket.destroy());
      try {
        await untilLine(socket, (l) => /name/i.test(l), options.connectTimeoutMs, 'ask for a name');
        const name = `${tag}-${index}`;
        socket.write(`${name}\n`);
        const joined = await untilLine(socket, (l) => l.startsWith('Welcome to the chat'), options.connectTimeoutMs, `welcome ${name}`);
        const user = new ChatUser(metrics, socket);
        socket.on('data', (chunk: Buffer) => user.onData(chunk, 0));
        socket.on('drain', () => user.onDrain());
        socket.on('error', (err) => {
          if (!user.dead && user.running) metrics.error(err);
          user.dead = true;
        });
        socket.on('close', () => {
          if (!user.dead && user.running) metrics.error(new Error('the chat server closed the connection'));
          user.dead = true;
        });
        if (joined.rest < joined.chunk.length) user.onData(joined.chunk, joined.rest);
        return user;
      } catch (err) {
        socket.destroy();
        throw err;
      }
    },
    (user) => user.socket.destroy(),
  );
  const firstSender = options.firstSender ?? 0;
  const senders = users.slice(0, options.senders);
  senders.forEach((s, i) => (s.id = firstSender + i));
  let sent = 0;
  const close = (): void => {
    for (const u of users) {
      u.running = false;
      u.socket.destroy();
    }
  };
  return {
    metrics,
    get sent() {
      return sent;
    },
    async run(): Promise<number> {
      for (const u of users) u.running = true;
      // Join notices are not bench lines, so nothing was counted yet; and
      // completed is not reset here: with --workers another process may
      // already be sending, and its first lines may arrive before this 'go'.
      metrics.bytesReceived = 0;
      let open = true;
      const k = options.inFlight;
      let elapsed: number;
      if (k !== undefined) {
        const watcher = users[users.length - 1] as ChatUser;
        const pump = (s: ChatUser): void => {
          if (open) s.send(k - s.inFlight);
        };
        // Credits are collected over one chunk of the watcher's, then each
        // sender refills its window in one write (lines sent together share
        // a timestamp, which keeps the receivers' histograms cheap).
        const credited = new Set<ChatUser>();
        watcher.onDelivered = (id) => {
          const s = senders[id - firstSender];
          if (s === undefined) return;
          s.inFlight -= 1;
          credited.add(s);
        };
        watcher.afterChunk = () => {
          for (const s of credited) pump(s);
          credited.clear();
        };
        for (const s of senders) {
          s.onUnblocked = () => pump(s);
          pump(s);
        }
        elapsed = await runWindow(options.seconds, 1000, () => {});
      } else {
        const startedUs = monotonicMicros();
        elapsed = await runWindow(options.seconds, TICK_MS, () => {
          const due = Math.floor(((monotonicMicros() - startedUs) / 1e6) * options.rate);
          // Paced: catch up to the schedule unless the socket pushes back.
          for (const s of senders) s.send(due - s.sent);
        });
      }
      open = false;
      sent = senders.reduce((sum, s) => sum + s.sent, 0);
      return elapsed;
    },
    async drain(totalSent: number): Promise<void> {
      // Every user gets every line but its own.
      const expected = totalSent * users.length - sent;
      const deadline = Date.now() + options.drainTimeoutMs;
      while (metrics.completed < expected && Date.now() < deadline && users.some((u) => !u.dead)) {
        await new Promise((r) => setTimeout(r, 10));
      }
      metrics.timeouts += Math.max(0, expected - metrics.completed);
    },
    close,
  };
}

/** The report of `metrics` summed over `workers` processes. */
export function chatReport(options: ChatLoadOptions, metrics: LoadMetrics, sent: number, elapsed: number, workers: number): ChatLoadReport {
  const expected = sent * (options.clients - 1);
  const closed = options.inFlight !== undefined;
  return {
    scenario: 'chat',
    transport: 'tcp',
    target: [options.port, ...(options.alsoPorts ?? [])].map((p) => formatHostPort(options.host, p)).join(','),
    clients: options.clients,
    senders: options.senders,
    mode: closed ? 'closed' : 'rate',
    rate_per_sender: closed ? null : options.rate,
    in_flight: closed ? (options.inFlight as number) : null,
    workers,
    duration_s: Math.round(elapsed * 1000) / 1000,
    sent,
    delivered: metrics.completed,
    expected_deliveries: expected,
    missing: Math.max(0, expected - metrics.completed),
    sent_per_s: Math.round((sent / elapsed) * 10) / 10,
    delivered_per_s: Math.round((metrics.completed / elapsed) * 10) / 10,
    latency_us: metrics.latency(),
    errors: metrics.errors,
    timeouts: metrics.timeouts,
  };
}

/**
 * Runs the chat load in this process and reports.
 * @throws NetlabError when users cannot connect or join (refused, room full, timeout)
 */
export async function runChatLoad(options: ChatLoadOptions): Promise<ChatLoadReport> {
  const load = await prepareChatLoad(options);
  try {
    const elapsed = await load.run();
    await load.drain(load.sent);
    const report = chatReport(options, load.metrics, load.sent, elapsed, 1);
    if (load.metrics.completed === 0 && load.metrics.firstError !== undefined) {
      throw explainSystemError(load.metrics.firstError, { action: 'connect', transport: 'tcp', host: options.host, port: options.port });
    }
    return report;
  } finally {
    load.close();
  }
}
