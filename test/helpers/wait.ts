/** Bounded waiting for tests: every wait has a deadline and says what it waited for. */
import type { Readable } from 'node:stream';

/**
 * Polls `condition` until it holds.
 * @throws Error naming `what` after `timeoutMs`
 */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects the lines a stream emits (stdout of a child, a socket). */
export class LineCollector {
  readonly lines: string[] = [];
  #partial = '';

  /** @param stream lines are read from it; without one, feed them with add() */
  constructor(stream?: Readable) {
    if (stream === undefined) return;
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      const parts = (this.#partial + text).split('\n');
      this.#partial = parts.pop() ?? '';
      this.lines.push(...parts.map((l) => l.replace(/\r$/, '')));
    });
  }

  /** Adds one line (for sources that are not byte streams, e.g. WebSocket messages). */
  add(line: string): void {
    this.lines.push(line);
  }

  /** Waits until `count` lines (or a line matching) have arrived. */
  async waitForLine(match: string | RegExp, timeoutMs = 15000): Promise<string> {
    const test = (l: string): boolean => (typeof match === 'string' ? l === match : match.test(l));
    await waitFor(`a line matching ${String(match)} (got ${JSON.stringify(this.lines.slice(-5))})`, () => this.lines.some(test), timeoutMs);
    return this.lines.find(test) as string;
  }

  async waitForCount(count: number, timeoutMs = 15000): Promise<string[]> {
    await waitFor(`${count} lines (got ${JSON.stringify(this.lines)})`, () => this.lines.length >= count, timeoutMs);
    return this.lines.slice(0, count);
  }
}

/** Resolves with a child's exit code (at once if it already exited), bounded in time. */
export async function waitForExit(child: import('node:child_process').ChildProcess, timeoutMs = 15000): Promise<number | null> {
  await waitFor(`process ${child.pid} to exit`, () => child.exitCode !== null || child.signalCode !== null, timeoutMs);
  return child.exitCode;
}
