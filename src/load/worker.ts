/**
 * Entry point of one `netlab bench echo|handshake --workers N` child
 * process. Protocol over the IPC channel (parent -> child, child -> parent):
 *   {type:'prepare', job}  ->  {type:'ready'} | {type:'error', code, message}
 *   {type:'go'}            ->  {type:'done', report, counters, histogram} | {type:'error', ...}
 * The parent prepares every worker first (echo: opens the connections;
 * handshake: one probe handshake) and starts all windows together, so the
 * workers measure the same interval.
 */
import { NetlabError } from '../errors.js';
import { prepareEchoLoad, type EchoLoadOptions, type EchoLoadReport } from './echo-scenario.js';
import { prepareHandshakeLoad, type HandshakeLoadOptions, type HandshakeLoadReport } from './handshake-scenario.js';
import type { EncodedLatencies, LoadCounters, LoadMetrics } from './metrics.js';

/** What a worker runs. */
export type WorkerJob = { scenario: 'echo'; options: EchoLoadOptions } | { scenario: 'handshake'; options: HandshakeLoadOptions };

/** Messages a worker sends its parent. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; report: EchoLoadReport | HandshakeLoadReport; counters: LoadCounters; histogram: EncodedLatencies }
  | { type: 'error'; code: string | undefined; message: string };

/** Messages a parent sends a worker. */
export type WorkerCommand = { type: 'prepare'; job: WorkerJob } | { type: 'go' };

interface Prepared {
  run(): Promise<EchoLoadReport | HandshakeLoadReport>;
  readonly metrics: LoadMetrics;
  close(): void;
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

function fail(err: unknown): void {
  reply({ type: 'error', code: err instanceof NetlabError ? err.code : undefined, message: err instanceof Error ? err.message : String(err) });
}

function prepare(job: WorkerJob): Promise<Prepared> {
  return job.scenario === 'echo' ? prepareEchoLoad(job.options) : prepareHandshakeLoad(job.options);
}

let prepared: Prepared | undefined;

process.on('message', (command: WorkerCommand) => {
  if (command.type === 'prepare') {
    prepare(command.job).then(
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
        const m = p.metrics;
        reply({ type: 'done', report, counters: m.counters(), histogram: m.encodeHistogram() });
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
