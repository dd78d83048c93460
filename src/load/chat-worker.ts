/**
 * Entry point of one `netlab bench chat --workers N` child process. Protocol
 * over the IPC channel (parent -> child, child -> parent):
 *   {type:'prepare', options}   ->  {type:'ready'} | {type:'error', code, message}
 *   {type:'go'}                 ->  {type:'sent', sent, elapsed}
 *   {type:'drain', totalSent}   ->  {type:'done', histogram, counters} | {type:'error', ...}
 * Every worker joins its users first; all windows start together; after the
 * window the parent tells every worker how many lines were sent in all, so
 * each knows how many deliveries its own users still wait for.
 */
import { NetlabError } from '../errors.js';
import { prepareChatLoad, type ChatLoadOptions, type PreparedChatLoad } from './chat-scenario.js';
import type { EncodedLatencies, LoadCounters } from './metrics.js';

/** Messages a worker sends its parent. */
export type ChatWorkerReply =
  | { type: 'ready' }
  | { type: 'sent'; sent: number; elapsed: number }
  | { type: 'done'; histogram: EncodedLatencies; counters: LoadCounters }
  | { type: 'error'; code: string | undefined; message: string };

/** Messages a parent sends a worker. */
export type ChatWorkerCommand = { type: 'prepare'; options: ChatLoadOptions } | { type: 'go' } | { type: 'drain'; totalSent: number };

function reply(message: ChatWorkerReply): void {
  process.send?.(message);
}

function fail(err: unknown): void {
  reply({ type: 'error', code: err instanceof NetlabError ? err.code : undefined, message: err instanceof Error ? err.message : String(err) });
}

let prepared: PreparedChatLoad | undefined;

process.on('message', (command: ChatWorkerCommand) => {
  if (command.type === 'prepare') {
    prepareChatLoad(command.options).then((p) => {
      prepared = p;
      reply({ type: 'ready' });
    }, fail);
  } else if (command.type === 'go' && prepared !== undefined) {
    prepared.run().then((elapsed) => reply({ type: 'sent', sent: prepared?.sent ?? 0, elapsed }), fail);
  } else if (command.type === 'drain' && prepared !== undefined) {
    const p = prepared;
    p.drain(command.totalSent).then(
      () => {
        const m = p.metrics;
        reply({
          type: 'done',
          histogram: m.encodeHistogram(),
          counters: m.counters(),
        });
        p.close();
        process.disconnect?.();
      },
      (err) => {
        fail(err);
        process.disconnect?.();
      },
    );
  }
});
// The parent going away ends the worker.
process.on('disconnect', () => {
  prepared?.close();
  setTimeout(() => process.exit(0), 100).unref();
});
