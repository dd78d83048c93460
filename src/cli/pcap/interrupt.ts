/**
 * SIGINT/SIGTERM during a long read: stop reading, then print what was read
 * (the summary of the packets so far) and exit 0, as every long-running
 * netlab command does.
 */

/** An AbortSignal that fires on SIGINT or SIGTERM until `dispose()`. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSignal = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose() {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}
