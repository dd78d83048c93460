/**
 * Runs a scan as N shards: shard 0 on the calling thread, the others in
 * worker threads (shard-worker.ts). The shards take ports in blocks from one
 * shared list (port-source.ts), concurrency and rate are divided so the
 * totals stay what the caller asked for, and the AbortSignal and progress
 * cross the thread boundary as messages.
 *
 * Why threads: on loopback a connect scan is bound by the per-connect work in
 * the kernel and in libuv on one CPU; sharing the ports between threads uses
 * the others (a 65535-port loopback scan takes about a third less time on 2 CPUs).
 */
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, LimitError, NetlabError } from '../errors.js';
import { STATE_BY_CODE, type EngineCounters } from './engine.js';
import { Shard, type ShardParams, type ShardResult } from './shard.js';
import type { WorkerReply } from './shard-worker.js';

// The worker runs the same build as this module: .js from dist/, or .ts when
// the sources run under tsx (tests).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './shard-worker.ts' : './shard-worker.js', import.meta.url);

function startWorker(workerData: unknown): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData });
  // Node 20 does not run a worker's entry through tsx's loader, even with
  // --import tsx in execArgv; register the loader first, then import the entry.
  const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

export interface ShardRunOptions {
  signal: AbortSignal | undefined;
  progressIntervalMs: number;
  onProgress: ((counters: EngineCounters) => void) | undefined;
}

export interface MergedResult {
  states: Uint8Array;
  counters: EngineCounters;
  aborted: boolean;
  driverName: string;
  srttMs: number | undefined;
  threads: number;
}

function split(params: ShardParams, n: number): ShardParams[] {
  const shards: ShardParams[] = [];
  for (let k = 0; k < n; k++) {
    const concurrency = Math.floor(params.concurrency / n) + (k < params.concurrency % n ? 1 : 0);
    shards.push({ ...params, concurrency, rate: params.rate === undefined ? undefined : params.rate / n });
  }
  return shards;
}

function emptyCounters(): EngineCounters {
  return { done: 0, open: 0, inFlight: 0, selfConnects: 0, peakInFlight: 0 };
}

function sum(all: EngineCounters[]): EngineCounters {
  const total = emptyCounters();
  for (const c of all) {
    total.done += c.done;
    total.open += c.open;
    total.inFlight += c.inFlight;
    total.selfConnects += c.selfConnects;
    total.peakInFlight += c.peakInFlight;
  }
  return total;
}

function errorFromWorker(reply: { code: string | undefined; message: string }): Error {
  if (reply.code === ERROR_CODES.OUT_OF_SOCKETS) return new LimitError(ERROR_CODES.OUT_OF_SOCKETS, reply.message);
  return new NetlabError(ERROR_CODES.NETWORK, `a scan thread failed: ${reply.message}`);
}

/** The result of a shard that never took a port. */
function idleResult(): ShardResult {
  return { states: new Uint8Array(65536), counters: emptyCounters(), loopbackOpens: [], aborted: false, driverName: 'none', srttMs: undefined };
}

/**
 * Runs one shard in a worker thread; `latest` is updated with its progress.
 * A worker that fails before it is ready has taken no port, so the other
 * shards scan its share and the scan goes on; a failure later is an error.
 */
function runInWorker(params: ShardParams, options: ShardRunOptions, latest: EngineCounters[], index: number): Promise<ShardResult> {
  return new Promise<ShardResult>((resolve, reject) => {
    let worker: Worker;
    try {
      worker = startWorker({ ...params, progressIntervalMs: options.progressIntervalMs });
    } catch {
      resolve(idleResult());
      return;
    }
    let settled = false;
    let ready = false;
    const onAbort = (): void => worker.postMessage({ type: 'abort' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (err: Error | undefined, result?: ShardResult): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) {
        void worker.terminate();
        if (ready) reject(err);
        else resolve(idleResult());
      } else {
        resolve(result as ShardResult);
      }
    };
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') ready = true;
      else if (reply.type === 'progress') latest[index] = reply.counters;
      else if (reply.type === 'done') {
        latest[index] = reply.result.counters;
        finish(undefined, reply.result);
      } else finish(errorFromWorker(reply));
    });
    worker.on('error', (err) => finish(err));
    worker.on('exit', (code) => finish(new NetlabError(ERROR_CODES.NETWORK, `a scan thread stopped early (exit code ${code})`)));
  });
}

const CLOSED = STATE_BY_CODE.indexOf('closed');

/**
 * Two of the scan's own sockets can connect to each other: A from local port
 * p to port q while B goes from q to p — each SYN matches the other socket's
 * 4-tuple and TCP simultaneous open (RFC 793, 3.4, figure 8) completes both.
 * Neither port has a listener; both are reported closed. The pair may span
 * shards, which is why the check runs here on the merged results.
 *
 * @returns the number of ports corrected
 */
export function uncrossOpens(states: Uint8Array, results: ShardResult[]): number {
  const localOf = new Map<number, number>();
  for (const r of results) for (let i = 0; i + 1 < r.loopbackOpens.length; i += 2) localOf.set(r.loopbackOpens[i] as number, r.loopbackOpens[i + 1] as number);
  let corrected = 0;
  for (const [port, local] of localOf) {
    if (localOf.get(local) === port) {
      states[port] = CLOSED;
      corrected++;
    }
  }
  return corrected;
}

/**
 * @param threads 1 runs everything on this thread
 * @throws LimitError NETLAB_ERR_OUT_OF_SOCKETS; NetlabError when a worker fails
 */
export async function runShards(params: ShardParams, threads: number, options: ShardRunOptions): Promise<MergedResult> {
  const n = Math.max(1, Math.min(threads, params.concurrency, params.ports.ports.length));
  const shards = split(params, n);
  const latest: EngineCounters[] = shards.map(emptyCounters);
  // One signal for every shard: the caller's abort, or a failure of any shard
  // (the others then stop instead of scanning on for nothing).
  const stop = new AbortController();
  const forward = (): void => stop.abort();
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener('abort', forward, { once: true });
  const shardOptions = { ...options, signal: stop.signal };
  const main = new Shard(shards[0] as ShardParams, stop.signal);
  const running: Promise<ShardResult>[] = [main.run()];
  for (let k = 1; k < n; k++) running.push(runInWorker(shards[k] as ShardParams, shardOptions, latest, k));
  for (const promise of running) promise.catch(forward);

  let timer: NodeJS.Timeout | undefined;
  const report = (): void => {
    latest[0] = main.counters();
    options.onProgress?.(sum(latest));
  };
  if (options.onProgress !== undefined) {
    timer = setInterval(report, options.progressIntervalMs);
    timer.unref();
  }
  let results: ShardResult[];
  try {
    results = await Promise.all(running);
  } finally {
    if (timer !== undefined) clearInterval(timer);
    options.signal?.removeEventListener('abort', forward);
  }
  latest.splice(0, latest.length, ...results.map((r) => r.counters));
  options.onProgress?.(sum(latest));

  const states = new Uint8Array(65536);
  for (const result of results) {
    const shardStates = result.states;
    for (let port = 1; port < 65536; port++) if (shardStates[port] !== 0) states[port] = shardStates[port] as number;
  }
  const counters = sum(results.map((r) => r.counters));
  counters.selfConnects += uncrossOpens(states, results);
  const first = results[0] as ShardResult;
  return {
    states,
    counters,
    aborted: results.some((r) => r.aborted),
    driverName: first.driverName,
    srttMs: first.srttMs,
    threads: n,
  };
}
