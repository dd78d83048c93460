/**
 * `netlab bench chat`: `clients` users join a `netlab chat` room over TCP;
 * the first `senders` of them each send `rate` lines a second; every
 * receiver counts the lines it is delivered and the delivery latency.
 *
 * A line's text is `~` followed by its send time in µs as 15 fixed-width
 * digits (same process, same monotonic clock), so a receiver parses
 * `NAME: ~DIGITS\n` straight from the received bytes with a small state
 * machine: no string, no split, no allocation per delivered line. Senders
 * write from a per-sender ring of pre-allocated line buffers; the ring is
 * longer than the socket's high-water mark can hold lines, and a sender
 * stops at write() === false, so a buffer is never rewritten while queued.
 * One shared timer paces every sender.
 */
import net from 'node:net';
import { explainSystemError, NetworkError, ERROR_CODES, TimeoutError } from '../errors.js';
import { formatHostPort } from '../util/endpoint.js';
import { waitUntilReady } from '../transports/connect-timeout.js';
import { openAll, runWindow } from './generator.js';
import { LoadMetrics, nowMicros, type LatencySummary } from './metrics.js';
import { DeliveryScanner, LINE_BYTES, writeBenchLine } from './chat-lines.js';

/** What to run. */
export interface ChatLoadOptions {
  host: string;
  port: number;
  clients: number;
  senders: number;
  /** Lines per second per sender. */
  rate: number;
  seconds: number;
  connectTimeoutMs: number;
  /** After the window, how long to wait for lines still on their way, in ms. */
  drainTimeoutMs: number;
}

/** The result of a run (also the `--json` document). */
export interface ChatLoadReport {
  scenario: 'chat';
  transport: 'tcp';
  target: string;
  clients: number;
  senders: number;
  rate_per_sender: number;
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

class ChatUser {
  readonly #metrics: LoadMetrics;
  readonly socket: net.Socket;
  readonly #scanner = new DeliveryScanner();
  readonly #onDelivered = (sentUs: number): void => this.#delivered(sentUs);
  /** Send side (senders only): a ring of line buffers. */
  #ring: Buffer[] = [];
  #next = 0;
  #blocked = false;
  sent = 0;
  running = false;
  dead = false;

  constructor(metrics: LoadMetrics, socket: net.Socket) {
    this.#metrics = metrics;
    this.socket = socket;
  }

  makeSender(): void {
    const lines = Math.ceil(this.socket.writableHighWaterMark / LINE_BYTES) + 2;
    this.#ring = Array.from({ length: lines }, () => Buffer.alloc(LINE_BYTES));
  }

  /** Sends one line if the socket takes it; false when blocked. */
  send(): boolean {
    if (this.#blocked || this.dead) return false;
    const line = this.#ring[this.#next] as Buffer;
    this.#next = (this.#next + 1) % this.#ring.length;
    writeBenchLine(line, Math.round(nowMicros()));
    this.sent += 1;
    this.#metrics.bytesSent += LINE_BYTES;
    if (!this.socket.write(line)) this.#blocked = true;
    return true;
  }

  onDrain(): void {
    this.#blocked = false;
  }

  /** Counts delivered lines in `chunk` from `start`. */
  onData(chunk: Buffer, start: number): void {
    this.#metrics.bytesReceived += chunk.length - start;
    this.#scanner.feed(chunk, start, this.#onDelivered);
  }

  #delivered(sentUs: number): void {
    this.#metrics.completed += 1;
    this.#metrics.record(nowMicros() - sentUs);
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
      let from = 0;
      const before = text.length;
      text += chunk.toString('latin1');
      let nl: number;
      let consumed = 0;
      while ((nl = text.indexOf('\n', consumed)) !== -1) {
        const line = text.slice(consumed, nl).replace(/\r$/, '');
        consumed = nl + 1;
        if (done(line)) {
          from = consumed - before;
          finish(undefined, { chunk, rest: from });
          return;
        }
      }
      text = text.slice(consumed);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/**
 * Runs the chat load and reports.
 * @throws NetlabError when users cannot connect or join (refused, room full, timeout)
 */
export async function runChatLoad(options: ChatLoadOptions): Promise<ChatLoadReport> {
  const metrics = new LoadMetrics();
  const context = { action: 'connect' as const, transport: 'tcp', host: options.host, port: options.port };
  const tag = `b${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const users = await openAll(
    options.clients,
    async (index) => {
      const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
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
  const senders = users.slice(0, options.senders);
  for (const s of senders) s.makeSender();
  for (const u of users) u.running = true;
  // Deliveries of joins and lines before the window do not count.
  metrics.completed = 0;
  metrics.bytesReceived = 0;
  const startedUs = nowMicros();
  const elapsed = await runWindow(options.seconds, TICK_MS, (nowUs) => {
    const due = Math.floor(((nowUs - startedUs) / 1e6) * options.rate);
    for (const s of senders) {
      while (s.sent < due && s.send()) {
        // paced: catch up to the schedule unless the socket pushes back
      }
    }
  });
  const sent = senders.reduce((sum, s) => sum + s.sent, 0);
  const expected = sent * (options.clients - 1);
  const deadline = Date.now() + options.drainTimeoutMs;
  while (metrics.completed < expected && Date.now() < deadline && users.some((u) => !u.dead)) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const missing = Math.max(0, expected - metrics.completed);
  if (missing > 0) metrics.timeouts += missing;
  const report: ChatLoadReport = {
    scenario: 'chat',
    transport: 'tcp',
    target: formatHostPort(options.host, options.port),
    clients: options.clients,
    senders: options.senders,
    rate_per_sender: options.rate,
    duration_s: Math.round(elapsed * 1000) / 1000,
    sent,
    delivered: metrics.completed,
    expected_deliveries: expected,
    missing,
    sent_per_s: Math.round((sent / elapsed) * 10) / 10,
    delivered_per_s: Math.round((metrics.completed / elapsed) * 10) / 10,
    latency_us: metrics.latency(),
    errors: metrics.errors,
    timeouts: metrics.timeouts,
  };
  for (const u of users) {
    u.running = false;
    u.socket.destroy();
  }
  if (metrics.completed === 0 && metrics.firstError !== undefined) throw explainSystemError(metrics.firstError, context);
  return report;
}
