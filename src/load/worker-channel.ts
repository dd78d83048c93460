/**
 * The child side of a load worker's IPC channel, shared by the echo/handshake
 * worker (worker.ts) and the chat worker (chat-worker.ts): how a worker
 * answers its parent, reports a failure, sends its last message and ends.
 */
import { NetlabError } from '../errors.js';

/** The message of a worker that failed. */
export interface WorkerError {
  type: 'error';
  code: string | undefined;
  message: string;
}

/** Sends `message` to the parent process. */
export function sendToParent<Message extends { type: string }>(message: Message): void {
  process.send?.(message);
}

/** Tells the parent that `err` stopped this worker. */
export function sendFailure(err: unknown): void {
  sendToParent<WorkerError>({ type: 'error', code: err instanceof NetlabError ? err.code : undefined, message: err instanceof Error ? err.message : String(err) });
}

/** Sends what `last` resolves to (or its failure) as the worker's final message, then leaves the channel. */
export function finishWith<Message extends { type: string }>(last: Promise<Message>): void {
  last.then(sendToParent, sendFailure).finally(() => process.disconnect?.());
}

/** The parent going away (or the worker leaving) ends the worker, after `close()`. */
export function exitWhenParentLeaves(close: () => void): void {
  process.on('disconnect', () => {
    close();
    setTimeout(() => process.exit(0), 100).unref();
  });
}
