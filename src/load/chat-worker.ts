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
import { prepareChatLoad, type ChatLoadOptions, type PreparedChatLoad } from './chat-scenario.js';
import type { EncodedLatencies, LoadCounters } from './metrics.js';
import { exitWhenParentLeaves, finishWith, sendFailure, sendToParent, type WorkerError } from './worker-channel.js';

/** Messages a worker sends its parent. */
export type ChatWorkerReply =
  | { type: 'ready' }
  | { type: 'sent'; sent: number; elapsed: number }
  | { type: 'done'; histogram: EncodedLatencies; counters: LoadCounters }
  | WorkerError;

/** Messages a parent sends a worker. */
export type ChatWorkerCommand = { type: 'prepare'; options: ChatLoadOptions } | { type: 'go' } | { type: 'drain'; totalSent: number };

let prepared: PreparedChatLoad | undefined;

process.on('message', (command: ChatWorkerCommand) => {
  if (command.type === 'prepare') {
    prepareChatLoad(command.options).then((p) => {
      prepared = p;
      sendToParent<ChatWorkerReply>({ type: 'ready' });
    }, sendFailure);
  } else if (command.type === 'go' && prepared !== undefined) {
    const p = prepared;
    p.run().then((elapsed) => sendToParent<ChatWorkerReply>({ type: 'sent', sent: p.sent, elapsed }), sendFailure);
  } else if (command.type === 'drain' && prepared !== undefined) {
    const p = prepared;
    finishWith<ChatWorkerReply>(p.drain(command.totalSent).then(() => ({ type: 'done', histogram: p.metrics.encodeHistogram(), counters: p.metrics.counters() })));
  }
});
exitWhenParentLeaves(() => prepared?.close());
