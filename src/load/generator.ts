/**
 * The parts every load scenario shares: opening many connections with a
 * bounded number of handshakes in flight (so a listen backlog is not
 * overrun), and one coarse shared timer for a whole run instead of a timer
 * per connection or per message.
 */

/** Connection attempts in flight at once while opening a run's connections. */
export const CONNECT_CONCURRENCY = 128;

/**
 * Opens `count` things with `open`, at most `concurrency` at a time.
 * On the first failure the ones already open are closed and the error thrown.
 * @throws whatever `open` throws first
 */
export async function openAll<T>(count: number, open: (index: number) => Promise<T>, close: (item: T) => void, concurrency = CONNECT_CONCURRENCY): Promise<T[]> {
  const items: T[] = [];
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        items[index] = await open(index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure !== undefined) {
    for (const item of items) if (item !== undefined) close(item);
    throw failure.err;
  }
  return items;
}

/**
 * Runs for `seconds`, calling `tick(nowMicros)` every `tickMs` from one shared
 * interval timer (reply time-outs are checked there, not with a timer each).
 * @returns the elapsed time in seconds, measured on the monotonic clock
 */
export async function runWindow(seconds: number, tickMs: number, tick: (nowUs: number) => void): Promise<number> {
  const started = performance.now();
  const interval = setInterval(() => tick(performance.now() * 1000), tickMs);
  await new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));
  clearInterval(interval);
  return (performance.now() - started) / 1000;
}
