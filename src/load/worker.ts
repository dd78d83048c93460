/**
 * Entry point of one `netlab bench echo|handshake --workers N` child
 * process. Protocol over the IPC channel (parent -> child, child -> parent):
 *   {type:'prepare', job}  ->  {type:'ready'} | {type:'error', code, message}
 *   {type:'go'}            ->  {type:'done', report, counters, histogram} | {type:'error', ...}
 * The parent prepares every worker first (echo: opens the connections;
 * handshake: one probe handshake) and starts all windows together, so the
 * workers measure the same interval.
 */
import { prepareEchoLoad, type EchoLoadOptions, type EchoLoadReport } from './echo-scenario.js';
import { prepareHandshakeLoad, type HandshakeLoadOptions, type HandshakeLoadReport } from './handshake-scenario.js';
import type { EncodedLatencies, LoadCounters, LoadMetrics } from './metrics.js';
import { exitWhenParentLeaves, finishWith, sendFailure, sendToParent, type WorkerError } from './worker-channel.js';

/** What a worker runs. */
export type WorkerJob = { scenario: 'echo'; options: EchoLoadOptions } | { scenario: 'handshake'; options: HandshakeLoadOptions };

/** Messages a worker sends its parent. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; report: EchoLoadReport | HandshakeLoadReport; counters: LoadCounters; histogram: EncodedLatencies }
  | WorkerError;

/** Messages a parent sends a worker. */
export type WorkerCommand = { type: 'prepare'; job: WorkerJob } | { type: 'go' };

interface Prepared {
  run(): Promise<EchoLoadReport | HandshakeLoadReport>;
  readonly metrics: LoadMetrics;
  close(): void;
}

function prepare(job: WorkerJob): Promise<Prepared> {
  return job.scenario === 'echo' ? prepareEchoLoad(job.options) : prepareHandshakeLoad(job.options);
}

let prepared: Prepared | undefined;

process.on('message', (command: WorkerCommand) => {
  if (command.type === 'prepare') {
    prepare(command.job).then((p) => {
      prepared = p;
      sendToParent<WorkerReply>({ type: 'ready' });
    }, sendFailure);
  } else if (command.type === 'go' && prepared !== undefined) {
    const p = prepared;
    finishWith<WorkerReply>(p.run().then((report) => ({ type: 'done', report, counters: p.metrics.counters(), histogram: p.metrics.encodeHistogram() })));
  }
});
exitWhenParentLeaves(() => prepared?.close());
