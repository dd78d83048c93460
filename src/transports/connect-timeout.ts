/**
 * Waits for a socket-like emitter to become ready, failing on its error event
 * or after a timeout; shared by every transport's connect().
 */
import type { EventEmitter } from 'node:events';
import { explainSystemError, TimeoutError, type ErrorContext } from '../errors.js';
import { formatHostPort } from '../util/endpoint.js';

/**
 * @param readyEvent event that means "connected" ('connect', 'secureConnect', 'open', 'listening')
 * @param timeoutMs 0 for no timeout
 * @param abort called on failure to release the half-open socket
 * @throws NetlabError explained for the user
 */
export function waitUntilReady(
  emitter: EventEmitter,
  readyEvent: string,
  timeoutMs: number,
  context: ErrorContext,
  abort: () => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      emitter.off(readyEvent, onReady);
      emitter.off('error', onError);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      abort();
      reject(explainSystemError(err, context));
    };
    emitter.once(readyEvent, onReady);
    emitter.once('error', onError);
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        cleanup();
        abort();
        reject(new TimeoutError(`no answer from ${formatHostPort(context.host, context.port)} within ${timeoutMs / 1000} s (${context.transport} connect); is the host up and the port right?`));
      }, timeoutMs);
    }
  });
}
