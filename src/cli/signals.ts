/** Long-running commands stop cleanly on SIGINT (Ctrl-C) or SIGTERM. */

/**
 * Resolves with the first SIGINT/SIGTERM (or when `signal` aborts); the
 * handlers are removed then, so a second Ctrl-C during shutdown still kills.
 */
export function untilStopped(signal?: AbortSignal): Promise<NodeJS.Signals | 'abort'> {
  return new Promise((resolve) => {
    const done = (why: NodeJS.Signals | 'abort'): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      signal?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    const onAbort = (): void => done('abort');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
