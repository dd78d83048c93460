/** Spawns the built CLI (`node dist/cli/main.js`; run `npm run build` first). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { LineCollector } from './wait.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  stdout: LineCollector;
  stderr: LineCollector;
}

/** Starts `netlab ...args`; killed (by PID) in the test's teardown if still running. */
export function spawnCli(t: TestContext, args: string[]): RunningCli {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: new LineCollector(child.stdout!), stderr: new LineCollector(child.stderr!) };
}

/** The port from a banner like `... listening on 127.0.0.1:43211 ...`. */
export async function bannerPort(cli: RunningCli, pattern = /listening on 127\.0\.0\.1:(\d+)/): Promise<number> {
  const line = await cli.stderr.waitForLine(pattern);
  return Number(pattern.exec(line)?.[1]);
}
