/**
 * Entry point of one `netlab bench echo --workers N` child process. Protocol
 * over the IPC channel (parent -> child, child -> parent):
 *   {type:'prepare', options}  ->  {type:'ready'} | {type:'error', code, message}
 *   {type:'go'}                ->  {type:'done', report, histogram} | {type:'error', ...}
 * The parent opens every worker's connections first and starts all windows
 * together, so the workers measure the same interval.
 */
import { NetlabError } from '../errors.js';
import { prepareEchoLoad, type EchoLoadOptions, type PreparedEchoLoad } from './echo-scenario.js';

/** Messages a worker sends its parent. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; report: import('./echo-scenario.js').EchoLoadReport; histogram: import('./metrics.js').EncodedLatencies; bytesSent: number; bytesReceived: number }
  | { type: 'error'; code: string | undefined; message: string };

/** Messages a parent sends a worker. */
export type WorkerCommand = { type: 'prepare'; options: EchoLoadOptions } | { type: 'go' };

function reply(message: WorkerReply): void {
  process.send?.(message);
}

function fail(err: unknown): void {
  reply({ type: 'error', code: err instanceof NetlabError ? err.code : undefined, message: err instanceof Error ? err.message : String(err) });
}

let prepared: PreparedEchoLoad | undefined;

process.on('message', (command: WorkerCommand) => {
  if (command.type === 'prepare') {
    prepareEchoLoad(command.options).then(
      (p) => {
        prepared = p;
        reply({ type: 'ready' });
      },
      fail,
    );
  } else if (command.type === 'go' && prepared !== undefined) {
    const p = prepared;
    p.run().then(
      (report) => {
        reply({ type: 'done', report, histogram: p.metrics.encodeHistogram(), bytesSent: p.metrics.bytesSent, bytesReceived: p.metrics.bytesReceived });
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
