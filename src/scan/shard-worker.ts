/**
 * Worker-thread entry of a scan shard. Protocol with the parent:
 * - workerData: ShardParams plus `progressIntervalMs`
 * - parent -> worker: `{ type: 'abort' }`
 * - worker -> parent: `{ type: 'ready' }` once the shard is built (before it
 *   takes any port), `{ type: 'progress', counters }` every progressIntervalMs,
 *   then exactly one `{ type: 'done', result }` (states buffer transferred)
 *   or `{ type: 'error', code, message }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { NetlabError } from '../errors.js';
import { Shard, type ShardParams } from './shard.js';

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'progress'; counters: ReturnType<Shard['counters']> }
  | { type: 'done'; result: Awaited<ReturnType<Shard['run']>> }
  | { type: 'error'; code: string | undefined; message: string };

const port = parentPort;
if (port !== null) {
  const params = workerData as ShardParams & { progressIntervalMs: number };
  const controller = new AbortController();
  port.on('message', (message: { type?: string }) => {
    if (message.type === 'abort') controller.abort();
  });
  const post = (reply: WorkerReply, transfer?: ArrayBuffer[]): void => port.postMessage(reply, transfer);
  try {
    const shard = new Shard(params, controller.signal);
    post({ type: 'ready' });
    const timer = setInterval(() => post({ type: 'progress', counters: shard.counters() }), params.progressIntervalMs);
    try {
      const result = await shard.run();
      post({ type: 'done', result }, [result.states.buffer as ArrayBuffer]);
    } finally {
      clearInterval(timer);
    }
  } catch (err) {
    post({ type: 'error', code: err instanceof NetlabError ? err.code : undefined, message: err instanceof Error ? err.message : String(err) });
  }
  port.close();
}
