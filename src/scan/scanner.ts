/**
 * `scan()`: the library entry point of the port scanner (`netlab scan`).
 *
 * @example
 * const report = await scan({ host: '127.0.0.1', ports: parsePortSpec('1-1024') });
 * for (const p of report.ports) if (p.state === 'open') console.log(p.port, p.service);
 */
import { availableParallelism } from 'node:os';
import { DEFAULTS } from '../constants.js';
import {
  arrayOf,
  booleanValue,
  integerIn,
  invalidOption,
  nonEmptyString,
  numberAbove,
  oneOf,
  optional,
  positiveMs,
  requiredFunction,
  requiredObject,
  validateOptions,
  type Checker,
} from '../util/validate.js';
import { grabBanner } from './banner.js';
import { STATE_BY_CODE } from './engine.js';
import type { PortState } from './probe.js';
import { runShards } from './parallel.js';
import { sharePorts } from './port-source.js';
import type { ShardParams } from './shard.js';
import { serviceName, topPorts, type ScanProto } from './services.js';
import { resolveTarget } from './target.js';
import type { TcpDriverName } from './tcp-connect.js';

export type { PortState } from './probe.js';
export type { ScanProto } from './services.js';

export interface ScanOptions {
  /** Name or address to scan (`localhost`, `127.0.0.1`, `::1`, `[::1]`). */
  host: string;
  /** Ports to probe (see parsePortSpec); default: the 1000 most common for the protocol. */
  ports?: readonly number[];
  /** `tcp` (connect scan, default) or `udp`. */
  proto?: ScanProto;
  /** Attempts in flight at once; default 256 for TCP, 128 for UDP. Bounds the open sockets. */
  concurrency?: number;
  /** Fixed per-attempt timeout in ms; default: adaptive from measured round trips (nmap -T4 bounds). */
  timeoutMs?: number;
  /** Most attempts started per second; default unlimited for TCP, 500 for UDP. */
  rate?: number;
  /** Extra attempts for an unanswered port; default 1. */
  retries?: number;
  /** Read what each open TCP service says first; default false. */
  banner?: boolean;
  /** How long to wait for a banner, in ms; default 2000. */
  bannerTimeoutMs?: number;
  /** Address family: 0 (default) prefers IPv4, 4 or 6 forces one. */
  family?: 0 | 4 | 6;
  /** Stops the scan; the promise then resolves with what was finished (`complete: false`). */
  signal?: AbortSignal;
  /** Called every `progressIntervalMs` (default 100) while the scan runs. */
  onProgress?: (progress: ScanProgress) => void;
  progressIntervalMs?: number;
  /** TCP driver: `auto` (default), `native` or `socket`; see tcp-connect.ts. */
  driver?: TcpDriverName;
  /**
   * Threads that share the ports (the main one plus workers); default: one
   * per CPU, at most 4, for TCP scans of 4096 ports or more, else 1.
   */
  threads?: number;
}

export interface ScanProgress {
  /** Ports with a final state. */
  done: number;
  /** Ports to scan. */
  total: number;
  open: number;
  /** Attempts (sockets) in flight now. */
  inFlight: number;
}

export interface PortResult {
  port: number;
  proto: ScanProto;
  state: PortState;
  /** Usual service on that port (`ssh`), or `unknown`. */
  service: string;
  /** First line the service sent, with `banner: true`. */
  banner?: string;
}

export interface ScanReport {
  /** The host as given. */
  host: string;
  /** The address probed. */
  address: string;
  family: 4 | 6;
  /** Other addresses of the name, not scanned. */
  otherAddresses: string[];
  proto: ScanProto;
  /** Every port that got a state, ascending. */
  ports: PortResult[];
  open: number;
  closed: number;
  /** Filtered ports; for UDP this includes the open|filtered ones. */
  filtered: number;
  /** UDP ports that stayed silent (counted in `filtered` too). */
  openFiltered: number;
  /** Ports asked for; equals open + closed + filtered when `complete`. */
  total: number;
  /** False when the signal stopped the scan early. */
  complete: boolean;
  elapsedMs: number;
  /** Loopback connects that reached our own socket (TCP simultaneous open), reported closed. */
  selfConnects: number;
  /** Highest number of attempts in flight at once. */
  peakInFlight: number;
  /** Probe driver used (`native`, `socket`, `udp`). */
  driver: string;
  /** Threads the ports were shared between. */
  threads: number;
  /** Smoothed round-trip time measured, in ms. */
  srttMs: number | undefined;
}

const familyValue: Checker<0 | 4 | 6> = (value, name) => {
  if (value !== 0 && value !== 4 && value !== 6) throw invalidOption(name, '0, 4 or 6', value);
  return value;
};

/** scan()'s options, checked once (a key added to ScanOptions must be added here too). */
const SCAN_OPTIONS = {
  host: nonEmptyString,
  ports: optional(arrayOf(integerIn(1, 65535), true)),
  proto: optional(oneOf<ScanProto>(['tcp', 'udp'])),
  concurrency: optional(integerIn(1, 65535)),
  timeoutMs: optional(positiveMs),
  rate: optional(numberAbove(0, 'a second')),
  retries: optional(integerIn(0, 10)),
  banner: optional(booleanValue),
  bannerTimeoutMs: optional(positiveMs),
  family: optional(familyValue),
  signal: optional(requiredObject),
  onProgress: optional(requiredFunction),
  progressIntervalMs: optional(positiveMs),
  driver: optional(oneOf<TcpDriverName>(['auto', 'native', 'socket'])),
  threads: optional(integerIn(1, 64)),
} satisfies Record<keyof ScanOptions, Checker<unknown>>;

function validate(options: ScanOptions): void {
  validateOptions(options, 'options', SCAN_OPTIONS);
}

/** Unique ports, ascending. */
function normalisePorts(ports: readonly number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

/**
 * Scans one host: a TCP connect scan (nmap -sT) or a UDP probe scan (nmap -sU).
 *
 * @param options see ScanOptions; every field but `host` has a default
 * @returns the report; with an aborted signal, what was finished so far
 * @throws (the promise rejects) UsageError NETLAB_ERR_INVALID_ARGUMENT for a
 *   missing or bad option or an unknown option key; NetworkError NETLAB_ERR_UNKNOWN_HOST
 *   when the host does not resolve; LimitError NETLAB_ERR_OUT_OF_SOCKETS when
 *   no socket can be opened at all
 */
export async function scan(options: ScanOptions): Promise<ScanReport> {
  validate(options);
  const proto = options.proto ?? 'tcp';
  const cfg = DEFAULTS.scan;
  const ports = normalisePorts(options.ports ?? topPorts(proto, cfg.topPorts));
  const started = performance.now();
  const target = await resolveTarget(options.host, options.family ?? 0);
  const rate = options.rate ?? (proto === 'udp' ? cfg.udpRatePerSecond : undefined);
  const params: ShardParams = {
    proto,
    driver: options.driver ?? 'auto',
    target: { address: target.address, family: target.family },
    ports: sharePorts(ports),
    concurrency: options.concurrency ?? (proto === 'udp' ? cfg.udpConcurrency : cfg.tcpConcurrency),
    retries: options.retries ?? cfg.retries,
    rtt: { initialTimeoutMs: cfg.initialRttTimeoutMs, minTimeoutMs: cfg.minRttTimeoutMs, maxTimeoutMs: cfg.maxRttTimeoutMs },
    fixedTimeoutMs: options.timeoutMs,
    rate,
    sweepIntervalMs: Math.min(cfg.sweepIntervalMs, Math.max(1, Math.floor((options.timeoutMs ?? cfg.minRttTimeoutMs) / 4))),
  };
  const threads =
    options.threads ?? (proto === 'tcp' && ports.length >= cfg.parallelMinPorts ? Math.min(availableParallelism(), cfg.maxThreads) : 1);
  const { onProgress } = options;
  const outcome = await runShards(params, threads, {
    signal: options.signal,
    progressIntervalMs: options.progressIntervalMs ?? cfg.progressIntervalMs,
    onProgress:
      onProgress === undefined ? undefined : (c) => onProgress({ done: c.done, total: ports.length, open: c.open, inFlight: c.inFlight }),
  });

  const results: PortResult[] = [];
  let open = 0;
  let closed = 0;
  let filtered = 0;
  let openFiltered = 0;
  for (const port of ports) {
    const state = STATE_BY_CODE[outcome.states[port] as number];
    if (state === undefined) continue;
    if (state === 'open') open++;
    else if (state === 'closed') closed++;
    else filtered++;
    if (state === 'open|filtered') openFiltered++;
    results.push({ port, proto, state, service: serviceName(port, proto) });
  }

  if (options.banner === true && proto === 'tcp' && !outcome.aborted) {
    await grabBanners(results, target, options);
  }

  const counters = outcome.counters;
  return {
    host: target.host,
    address: target.address,
    family: target.family,
    otherAddresses: [...target.otherAddresses],
    proto,
    ports: results,
    open,
    closed,
    filtered,
    openFiltered,
    total: ports.length,
    complete: !outcome.aborted,
    elapsedMs: Math.round(performance.now() - started),
    selfConnects: counters.selfConnects,
    peakInFlight: counters.peakInFlight,
    driver: outcome.driverName,
    threads: outcome.threads,
    srttMs: outcome.srttMs,
  };
}

/** Fills `banner` on the open ports, a bounded number of connections at a time. */
async function grabBanners(results: PortResult[], target: { address: string; family: 4 | 6 }, options: ScanOptions): Promise<void> {
  const open = results.filter((r) => r.state === 'open');
  const bannerOptions = {
    timeoutMs: options.bannerTimeoutMs ?? DEFAULTS.scan.bannerTimeoutMs,
    maxBytes: DEFAULTS.scan.bannerMaxBytes,
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < open.length && options.signal?.aborted !== true) {
      const result = open[next++] as PortResult;
      const banner = await grabBanner(target, result.port, bannerOptions);
      if (banner !== undefined) result.banner = banner;
    }
  };
  const workers = Math.min(DEFAULTS.scan.bannerConcurrency, open.length);
  await Promise.all(Array.from({ length: workers }, worker));
}
