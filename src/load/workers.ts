/**
 * `netlab bench echo|handshake --workers N`: the same load split over N child
 * processes (node:child_process fork with an IPC channel), so one load
 * generator is not limited to one CPU. Connections are split as evenly as
 * possible; every worker opens its share first, then all windows start
 * together; counters are summed and the HDR histograms merged, so the
 * percentiles are those of all round trips.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, NetlabError, type ErrorCode } from '../errors.js';
import { checkEchoLoadOptions, echoReport, type EchoLoadOptions, type EchoLoadReport } from './echo-scenario.js';
import { LoadMetrics } from './metrics.js';
import { checkHandshakeLoadOptions, handshakeReport, type HandshakeLoadOptions, type HandshakeLoadReport } from './handshake-scenario.js';
import type { WorkerCommand, WorkerJob, WorkerReply } from './worker.js';
import { integerIn } from '../util/validate.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Connections of worker `index` of `workers` when `total` are split evenly. */
export function shareOf(total: number, workers: number, index: number): number {
  return Math.floor(total / workers) + (index < total % workers ? 1 : 0);
}

/**
 * The next reply of type `expect` (or an error reply) from a worker.
 * @throws NetlabError (INTERNAL) when the worker exits before it replies
 */
export function nextReply<R extends { type: string }>(child: ChildProcess, expect: R['type']): Promise<R> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: R): void => {
      if (m.type === expect || m.type === 'error') {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new NetlabError(ERROR_CODES.INTERNAL, `a bench worker exited (code ${code}) before it reported`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function asError(m: Extract<WorkerReply, { type: 'error' }>): NetlabError {
  const known = Object.values(ERROR_CODES) as string[];
  return new NetlabError((m.code !== undefined && known.includes(m.code) ? m.code : ERROR_CODES.INTERNAL) as ErrorCode, m.message);
}

/** What the parent gathers from its workers. */
interface Gathered {
  metrics: LoadMetrics;
  elapsed: number;
  reports: (EchoLoadReport | HandshakeLoadReport)[];
}

/**
 * Runs `jobs[i]` in child i: all prepare first, then all windows start together.
 * @throws NetlabError the first worker error (refused, TLS verification...)
 */
async function runJobs(jobs: WorkerJob[]): Promise<Gathered> {
  const children = jobs.map(() => fork(WORKER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  try {
    const ready = await Promise.all(
      children.map((child, i) => {
        const pending = nextReply<WorkerReply>(child, 'ready');
        child.send({ type: 'prepare', job: jobs[i] as WorkerJob } satisfies WorkerCommand);
        return pending;
      }),
    );
    const failed = ready.find((m) => m.type === 'error');
    if (failed !== undefined && failed.type === 'error') throw asError(failed);
    const done = await Promise.all(
      children.map((child) => {
        const pending = nextReply<WorkerReply>(child, 'done');
        child.send({ type: 'go' } satisfies WorkerCommand);
        return pending;
      }),
    );
    const metrics = new LoadMetrics();
    const reports: Gathered['reports'] = [];
    let elapsed = 0;
    for (const m of done) {
      if (m.type === 'error') throw asError(m);
      if (m.type !== 'done') continue;
      metrics.absorb(m.counters, m.histogram);
      elapsed = Math.max(elapsed, m.report.duration_s);
      reports.push(m.report);
    }
    return { metrics, elapsed, reports };
  } finally {
    for (const child of children) {
      if (child.connected) child.disconnect();
      if (child.exitCode === null && child.signalCode === null) setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }
  }
}

/**
 * Runs an echo load in `workers` processes and merges their reports.
 * @param workers at least 1 and at most options.connections
 * @throws NetlabError the first worker error (refused, TLS verification...)
 */
export async function runEchoLoadInWorkers(options: EchoLoadOptions, workers: number): Promise<EchoLoadReport> {
  checkEchoLoadOptions(options);
  integerIn(1, options.connections)(workers, 'workers');
  const jobs = Array.from({ length: workers }, (_, i): WorkerJob => ({ scenario: 'echo', options: { ...options, connections: shareOf(options.connections, workers, i) } }));
  const { metrics, elapsed } = await runJobs(jobs);
  return echoReport(options, metrics, elapsed, workers);
}

/**
 * Runs a handshake load in `workers` processes (the client side of a
 * handshake costs CPU too: key exchange and signature verification) and
 * merges their reports.
 * @param workers at least 1 and at most options.connections
 * @throws NetlabError the first worker error (refused, TLS verification...)
 */
export async function runHandshakeLoadInWorkers(options: HandshakeLoadOptions, workers: number): Promise<HandshakeLoadReport> {
  checkHandshakeLoadOptions(options);
  integerIn(1, options.connections)(workers, 'workers');
  const jobs = Array.from({ length: workers }, (_, i): WorkerJob => ({ scenario: 'handshake', options: { ...options, connections: shareOf(options.connections, workers, i) } }));
  const { metrics, elapsed, reports } = await runJobs(jobs);
  const handshakes = reports.filter((r): r is HandshakeLoadReport => r.scenario === 'handshake');
  const first = handshakes.find((r) => r.protocol !== null);
  const cpuSeconds = handshakes.reduce((sum, r) => sum + (r.load_cpu_percent / 100) * r.duration_s, 0);
  return handshakeReport(options, metrics, elapsed, workers, { protocol: first?.protocol ?? null, cipher: first?.cipher ?? null }, cpuSeconds);
}
