/**
 * Runs the built CLI (dist/cli/main.js, `npm run build` first) as a child
 * process, optionally inside a network namespace, with a hard time limit.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * @param args arguments after `netlab`
 * @param options netns: run inside `ip netns exec NAME`; timeoutMs: kill after this long (default 60 s)
 */
export function runCli(args: string[], options: { netns?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const argv = [process.execPath, CLI_PATH, ...args];
  const [command, ...rest] = options.netns === undefined ? argv : ['ip', 'netns', 'exec', options.netns, ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
