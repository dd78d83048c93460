/**
 * `netlab bench chat --workers N`: the chat load split over N child
 * processes, so one load process is not what limits the measurement. Users
 * and senders are split as evenly as possible (worker i's senders are the
 * first of its users and numbered after the senders of workers before it);
 * each worker's closed loop has its own watcher among its own users.
 * Counters are summed and the HDR histograms merged. Send times are on the
 * system's monotonic clock, which all the processes share, so a line sent
 * by one worker and delivered to another is timed correctly.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, NetlabError, type ErrorCode } from '../errors.js';
import { chatReport, checkChatLoadOptions, type ChatLoadOptions, type ChatLoadReport } from './chat-scenario.js';
import type { ChatWorkerCommand, ChatWorkerReply } from './chat-worker.js';
import { LoadMetrics } from './metrics.js';
import { nextReply, shareOf } from './workers.js';
import { integerIn } from '../util/validate.js';

const WORKER = fileURLToPath(new URL('./chat-worker.js', import.meta.url));

function check(replies: ChatWorkerReply[]): void {
  const failed = replies.find((m) => m.type === 'error');
  if (failed === undefined || failed.type !== 'error') return;
  const known = Object.values(ERROR_CODES) as string[];
  throw new NetlabError((failed.code !== undefined && known.includes(failed.code) ? failed.code : ERROR_CODES.INTERNAL) as ErrorCode, failed.message);
}

/**
 * Runs a chat load in `workers` processes and merges their reports.
 * @param workers at least 1 and at most options.clients / 2
 * @throws NetlabError the first worker error (refused, room full, timeout...)
 */
export async function runChatLoadInWorkers(options: ChatLoadOptions, workers: number): Promise<ChatLoadReport> {
  checkChatLoadOptions(options);
  integerIn(1, Math.floor(options.clients / 2))(workers, 'workers');
  const children = Array.from({ length: workers }, () => fork(WORKER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  const ask = (type: ChatWorkerReply['type'], command: (i: number) => ChatWorkerCommand): Promise<ChatWorkerReply[]> =>
    Promise.all(
      children.map((child, i) => {
        const pending = nextReply<ChatWorkerReply>(child, type);
        child.send(command(i));
        return pending;
      }),
    );
  try {
    let firstSender = 0;
    const shares = children.map((_, i) => {
      const share = { clients: shareOf(options.clients, workers, i), senders: shareOf(options.senders, workers, i), firstSender };
      firstSender += share.senders;
      return share;
    });
    check(await ask('ready', (i) => ({ type: 'prepare', options: { ...options, ...shares[i] } })));
    const sent = await ask('sent', () => ({ type: 'go' }));
    check(sent);
    let totalSent = 0;
    let elapsed = 0;
    for (const m of sent) {
      if (m.type !== 'sent') continue;
      totalSent += m.sent;
      elapsed = Math.max(elapsed, m.elapsed);
    }
    const done = await ask('done', () => ({ type: 'drain', totalSent }));
    check(done);
    const metrics = new LoadMetrics();
    for (const m of done) {
      if (m.type !== 'done') continue;
      metrics.absorb(m.counters, m.histogram);
    }
    return chatReport(options, metrics, totalSent, elapsed, workers);
  } finally {
    for (const child of children) {
      if (child.connected) child.disconnect();
      if (child.exitCode === null && child.signalCode === null) setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }
  }
}
