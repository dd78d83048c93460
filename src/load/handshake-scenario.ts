/**
 * `netlab bench handshake`: full TLS handshakes per second, what
 * `openssl s_time -new` measures, with concurrency. Each of C slots loops:
 * TCP connect, full TLS handshake, record the latency (from the connect
 * call to `secureConnect`), close, repeat. No session is ever offered for
 * resumption (no `session` option, no ticket kept), so every handshake is a
 * full one: key exchange and certificate signature each time
 * (RFC 8446 §2: a resumed handshake skips the certificate; this one never
 * does).
 *
 * Closing: after the handshake the client sends close_notify and FIN
 * (`end()`), not a reset, and the slot starts its next handshake at once;
 * the closing socket finishes in the background (a TLS 1.3 server's
 * NewSessionTicket messages arrive after the client's Finished and are read
 * and dropped). The load therefore measures handshakes, not teardown.
 *
 * Hot path: one frozen connect-options object per run, module-level
 * listeners with a back-reference to the slot (no closure per handshake),
 * one shared interval timer for handshake time-outs.
 */
import tls from 'node:tls';
import net from 'node:net';
import { explainSystemError, ERROR_CODES, NetlabError, NetworkError, TimeoutError } from '../errors.js';
import { formatHostPort } from '../util/endpoint.js';
import { runWindow } from './generator.js';
import { LoadMetrics, nowMicros, type LatencySummary } from './metrics.js';
import { anyValue, booleanValue, nonEmptyString, oneOf, optional, port, positiveInteger, positiveMs, positiveSeconds, stringValue, validateOptions, type Checker } from '../util/validate.js';

/** TLS versions `--tls-version` pins (both minimum and maximum). */
export const HANDSHAKE_TLS_VERSIONS = ['1.2', '1.3'] as const;
export type HandshakeTlsVersion = (typeof HANDSHAKE_TLS_VERSIONS)[number];

/** What to run. */
export interface HandshakeLoadOptions {
  host: string;
  port: number;
  /** Concurrent handshakes (C). */
  connections: number;
  /** Measurement window, in seconds. */
  seconds: number;
  /** A handshake not finished after this long counts as a timeout, in milliseconds. */
  handshakeTimeoutMs: number;
  /** Skip certificate verification (lab servers with ephemeral certificates). */
  insecure?: boolean;
  /** SNI name and the name the certificate must match. */
  servername?: string;
  /** PEM CA certificate(s) to trust instead of the system store. */
  ca?: string | Buffer;
  /** Pin the TLS version; default: whatever client and server agree (1.2 or 1.3). */
  tlsVersion?: HandshakeTlsVersion;
}

/** The result of a run (also the `--json` document). */
export interface HandshakeLoadReport {
  scenario: 'handshake';
  transport: 'tls';
  target: string;
  connections: number;
  /** The version asked for with --tls-version, or "any". */
  tls_version: HandshakeTlsVersion | 'any';
  /** What the server negotiated on the first handshake (e.g. "TLSv1.3"), null if none completed. */
  protocol: string | null;
  /** The cipher suite of the first handshake (IANA name), null if none completed. */
  cipher: string | null;
  duration_s: number;
  handshakes: number;
  handshakes_per_s: number;
  /** Connect call to handshake complete, in µs. */
  latency_us: LatencySummary;
  errors: number;
  timeouts: number;
  /** Processes the load ran in (--workers). */
  workers: number;
  /**
   * CPU time the load process(es) used during the window, as a percentage of
   * one CPU (summed over workers). Near 100 per worker, the client side is
   * the limit, not the server.
   */
  load_cpu_percent: number;
}

/** A run ready to start; the probe handshake has succeeded. */
export interface PreparedHandshakeLoad {
  /** Runs the window and reports. */
  run(): Promise<HandshakeLoadReport>;
  /** The metrics of the run (for a parent process to merge). */
  readonly metrics: LoadMetrics;
  /** What the probe handshake negotiated. */
  readonly negotiated: { protocol: string | null; cipher: string | null };
  /** Stops and closes everything without reporting. */
  close(): void;
}

/** Sockets per slot allowed to be closing in the background at once. */
const CLOSING_PER_SLOT = 8;

/** Timer granularity of time-out checks and of the pause after an error, in ms. */
const TICK_MS = 50;

const kSlot = Symbol('netlab.handshakeSlot');
const kClosing = Symbol('netlab.handshakeClosing');
type SlotSocket = tls.TLSSocket & { [kSlot]?: HandshakeSlot | undefined; [kClosing]?: Set<tls.TLSSocket> };

/** Shared by every slot of one run. */
interface RunState {
  readonly metrics: LoadMetrics;
  readonly connectOptions: Readonly<tls.ConnectionOptions>;
  /** Sockets past their handshake, closing in the background. */
  readonly closing: Set<tls.TLSSocket>;
  /** At most this many sockets closing at once; the oldest is destroyed beyond it. */
  readonly closingCap: number;
  running: boolean;
}

/** One of the C connection slots. */
class HandshakeSlot {
  readonly #run: RunState;
  #socket: SlotSocket | undefined;
  #startedUs = 0;
  /** Set after an error: the slot waits for the next tick instead of spinning on a refusing server. */
  #resting = false;

  constructor(run: RunState) {
    this.#run = run;
  }

  begin(): void {
    if (!this.#run.running) return;
    this.#startedUs = nowMicros();
    const socket = tls.connect(this.#run.connectOptions) as SlotSocket;
    socket[kSlot] = this;
    this.#socket = socket;
    socket.once('secureConnect', socketOnSecure);
    socket.on('error', socketOnError);
    socket.once('close', socketOnClose);
  }

  /** @internal the handshake completed */
  secured(socket: SlotSocket): void {
    const run = this.#run;
    this.#release(socket);
    if (run.running) {
      run.metrics.completed += 1;
      run.metrics.record(nowMicros() - this.#startedUs);
    }
    run.closing.add(socket);
    socket[kClosing] = run.closing;
    socket.end();
    // A server that never closes its side must not make closing sockets pile up.
    if (run.closing.size > run.closingCap) {
      const oldest = run.closing.values().next().value as tls.TLSSocket;
      run.closing.delete(oldest);
      oldest.destroy();
    }
    this.begin();
  }

  /** @internal the handshake failed or the server closed before it completed */
  failed(socket: SlotSocket, err: Error): void {
    this.#release(socket);
    socket.destroy();
    if (!this.#run.running) return;
    this.#run.metrics.error(err);
    this.#resting = true;
  }

  /** Called from the shared timer. */
  tick(nowUs: number, timeoutUs: number): void {
    if (!this.#run.running) return;
    if (this.#resting) {
      this.#resting = false;
      this.begin();
      return;
    }
    const socket = this.#socket;
    if (socket === undefined || nowUs - this.#startedUs <= timeoutUs) return;
    this.#release(socket);
    socket.destroy();
    this.#run.metrics.timeouts += 1;
    this.begin();
  }

  /** Destroys the handshake in progress, if any. */
  stop(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#release(socket);
    socket.destroy();
  }

  /** Detaches `socket` from this slot; later events of it are ignored or just close it. */
  #release(socket: SlotSocket): void {
    socket[kSlot] = undefined;
    socket.off('secureConnect', socketOnSecure);
    if (this.#socket === socket) this.#socket = undefined;
  }
}

// Listeners are module-level functions bound once, not closures per handshake.
function socketOnSecure(this: SlotSocket): void {
  this[kSlot]?.secured(this);
}
function socketOnError(this: SlotSocket, err: Error): void {
  // After the handshake (closing in the background) an error only ends the socket.
  const slot = this[kSlot];
  if (slot !== undefined) slot.failed(this, err);
  else this.destroy();
}
function socketOnClose(this: SlotSocket): void {
  const slot = this[kSlot];
  if (slot !== undefined) slot.failed(this, new NetworkError(ERROR_CODES.TLS_HANDSHAKE, 'the server closed the connection during the TLS handshake'));
  else this[kClosing]?.delete(this);
}

/**
 * Connect options shared by every handshake of a run. One SecureContext
 * (OpenSSL SSL_CTX: versions, trusted CAs) is made once and reused: left to
 * tls.connect, a new one would be built per connection, client CPU that
 * would be charged to the server being measured. Reusing it resumes nothing:
 * Node's client contexts keep no internal session cache
 * (SSL_SESS_CACHE_NO_INTERNAL); only an explicit `session` option resumes.
 */
function connectOptionsFor(options: HandshakeLoadOptions): tls.ConnectionOptions {
  const version = options.tlsVersion === undefined ? undefined : (`TLSv${options.tlsVersion}` as tls.SecureVersion);
  const secureContext = tls.createSecureContext({
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    minVersion: version ?? 'TLSv1.2',
    ...(version !== undefined ? { maxVersion: version } : {}),
  });
  return Object.freeze({
    host: options.host,
    port: options.port,
    secureContext,
    rejectUnauthorized: options.insecure !== true,
    ...(options.servername !== undefined ? { servername: options.servername } : net.isIP(options.host) ? {} : { servername: options.host }),
    noDelay: true,
  });
}

/**
 * One handshake outside the measured window, so a wrong port, an untrusted
 * certificate or a version the server refuses is a clear error up front
 * instead of a window full of identical errors.
 */
async function probe(options: HandshakeLoadOptions, connectOptions: tls.ConnectionOptions): Promise<{ protocol: string | null; cipher: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(connectOptions);
    const timer = setTimeout(() => fail(new TimeoutError(`no TLS handshake with ${formatHostPort(options.host, options.port)} within ${options.handshakeTimeoutMs} ms`)), options.handshakeTimeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err instanceof NetlabError ? err : explainSystemError(err, { action: 'connect', transport: 'tls', host: options.host, port: options.port }));
    };
    socket.once('error', fail);
    socket.once('close', () => fail(new NetworkError(ERROR_CODES.TLS_HANDSHAKE, `${formatHostPort(options.host, options.port)} closed the connection during the TLS handshake`)));
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const negotiated = { protocol: socket.getProtocol(), cipher: socket.getCipher()?.standardName ?? null };
      socket.removeAllListeners('close');
      socket.on('error', () => socket.destroy());
      socket.end();
      resolve(negotiated);
    });
  });
}

/**
 * Runs the handshake load and reports.
 * @throws NetlabError when the probe handshake fails (refused, TLS verification, version
 *   refused, timeout) or when no handshake at all completed because of errors
 */
export async function runHandshakeLoad(options: HandshakeLoadOptions): Promise<HandshakeLoadReport> {
  return (await prepareHandshakeLoad(options)).run();
}

/** A handshake load's options (a key added to HandshakeLoadOptions must be added here too). */
const HANDSHAKE_LOAD_OPTIONS = {
  host: nonEmptyString,
  port,
  connections: positiveInteger,
  seconds: positiveSeconds,
  handshakeTimeoutMs: positiveMs,
  insecure: optional(booleanValue),
  servername: optional(stringValue),
  // A Buffer reaches a load worker as JSON, so its shape is left to node:tls.
  ca: anyValue,
  tlsVersion: optional(oneOf(HANDSHAKE_TLS_VERSIONS)),
} satisfies Record<keyof HandshakeLoadOptions, Checker<unknown>>;

/**
 * Checks a handshake load's options before anything is opened.
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT naming the first bad option
 */
export function checkHandshakeLoadOptions(options: HandshakeLoadOptions): void {
  validateOptions(options, 'options', HANDSHAKE_LOAD_OPTIONS);
}

/**
 * Checks the target with one handshake; run() then starts the window.
 * @throws NetlabError when that handshake fails
 */
export async function prepareHandshakeLoad(options: HandshakeLoadOptions): Promise<PreparedHandshakeLoad> {
  checkHandshakeLoadOptions(options);
  const metrics = new LoadMetrics();
  const connectOptions = connectOptionsFor(options);
  const negotiated = await probe(options, connectOptions);
  const state: RunState = { metrics, connectOptions, closing: new Set(), closingCap: options.connections * CLOSING_PER_SLOT, running: false };
  const slots = Array.from({ length: options.connections }, () => new HandshakeSlot(state));
  const close = (): void => {
    state.running = false;
    for (const slot of slots) slot.stop();
    for (const socket of state.closing) socket.destroy();
    state.closing.clear();
  };
  const run = async (): Promise<HandshakeLoadReport> => {
    state.running = true;
    const cpuBefore = process.cpuUsage();
    for (const slot of slots) slot.begin();
    const timeoutUs = options.handshakeTimeoutMs * 1000;
    const elapsed = await runWindow(options.seconds, TICK_MS, (nowUs) => {
      for (const slot of slots) slot.tick(nowUs, timeoutUs);
    });
    const cpu = process.cpuUsage(cpuBefore);
    const report = handshakeReport(options, metrics, elapsed, 1, negotiated, (cpu.user + cpu.system) / 1e6);
    close();
    if (metrics.completed === 0 && metrics.firstError !== undefined) {
      const first = metrics.firstError;
      throw first instanceof NetlabError ? first : explainSystemError(first, { action: 'connect', transport: 'tls', host: options.host, port: options.port });
    }
    return report;
  };
  return { run, close, metrics, negotiated };
}

/**
 * The report of `metrics` gathered over `elapsed` seconds.
 * @param cpuSeconds CPU time (user + system) the load used in the window
 */
export function handshakeReport(
  options: HandshakeLoadOptions,
  metrics: LoadMetrics,
  elapsed: number,
  workers: number,
  negotiated: { protocol: string | null; cipher: string | null },
  cpuSeconds: number,
): HandshakeLoadReport {
  return {
    scenario: 'handshake',
    transport: 'tls',
    target: formatHostPort(options.host, options.port),
    connections: options.connections,
    tls_version: options.tlsVersion ?? 'any',
    protocol: metrics.completed > 0 ? negotiated.protocol : null,
    cipher: metrics.completed > 0 ? negotiated.cipher : null,
    duration_s: round(elapsed, 3),
    handshakes: metrics.completed,
    handshakes_per_s: round(metrics.completed / elapsed, 1),
    latency_us: metrics.latency(),
    errors: metrics.errors,
    timeouts: metrics.timeouts,
    workers,
    load_cpu_percent: Math.round((cpuSeconds / elapsed) * 100),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
