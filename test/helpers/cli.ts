/**
 * Runs the built CLI (dist/cli/main.js) as a user would, with bounded waits.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, then stdin is closed (default: closed at once). */
  input?: string | Buffer;
  /** The process is killed after this long (the test then fails on its output). Default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run inside this network namespace (`ip netns exec NAME`; needs root). */
  netns?: string;
}

/** Runs `netlab ...args` to completion. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], options);
}

/** Runs any program to completion with a kill timeout. */
export function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<CliResult> {
  const [program, ...rest] = options.netns === undefined ? [command, ...args] : ['ip', 'netns', 'exec', options.netns, command, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(program as string, rest, { env: { ...process.env, NO_COLOR: '1', ...options.env }, cwd: options.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running child (a server) whose output can be awaited line by line. */
export class RunningProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { env: { ...process.env, NO_COLOR: '1', ...env } });
    // Decoded as a stream, so a character split between chunks stays whole.
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (c: string) => (this.stdout += c));
    this.child.stderr.on('data', (c: string) => (this.stderr += c));
    this.child.stdin.on('error', () => undefined); // the program may exit before reading
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Waits until stdout or stderr matches `pattern` (a string matches where it occurs).
   * @throws after `timeoutMs`, or once the program exited without printing it, with what was printed so far
   */
  async waitFor(pattern: RegExp | string, timeoutMs = 15_000, stream: 'stdout' | 'stderr' | 'both' = 'both'): Promise<RegExpMatchArray> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = stream === 'stdout' ? this.stdout : stream === 'stderr' ? this.stderr : `${this.stdout}\n${this.stderr}`;
      const match = text.match(regex);
      if (match) return match;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`${this.child.spawnfile}: timed out waiting for ${pattern}; stdout:\n${this.stdout.slice(-2000)}\nstderr:\n${this.stderr.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  /** Ends stdin and waits for the program to exit on its own, killing it after `timeoutMs`. */
  async close(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin.end();
    return this.stop(null, timeoutMs);
  }

  /**
   * Sends a signal (default SIGTERM; null sends none) and waits for exit, killing after `timeoutMs`.
   */
  async stop(signal: NodeJS.Signals | null = 'SIGTERM', timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (signal !== null && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

/** Starts `netlab serve ... --json -p 0` and resolves once it listens, with its port. */
export async function startServeCli(args: string[], env?: NodeJS.ProcessEnv): Promise<{ proc: RunningProcess; port: number; listening: Record<string, unknown> }> {
  const proc = new RunningProcess(process.execPath, [CLI, 'serve', ...args, '--json', '-p', '0'], env);
  const match = await proc.waitFor(/^(\{"event":"listening".*\})$/m, 15_000, 'stdout');
  const listening = JSON.parse(match[1] as string) as Record<string, unknown>;
  const port = Number(String(listening.address).split(':').pop());
  return { proc, port, listening };
}

/** Parses NDJSON output into records. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
