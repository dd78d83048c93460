/**
 * Profiles a netlab server under a netlab load: the server runs with
 * `node --cpu-prof` pinned to CPU 0, the load (any `netlab bench ...`) on
 * CPU 1; on SIGINT the server writes its profile. Prints where the server's
 * CPU time went (self time per function, idle included) and keeps the
 * .cpuprofile, which Chrome DevTools (Performance, "Load profile") or
 * speedscope show as a flame graph.
 *
 *   npm run bench:profile -- "serve tcp -p PORT" "bench echo tcp 127.0.0.1 PORT -c 50 -s 16384 -d 5"
 *   npm run bench:profile -- "chat serve --tcp PORT --rate-limit 0" "bench chat 127.0.0.1 PORT -c 500 --senders 10 -d 5"
 *
 * PORT is replaced by a free port. `--top N` (default 25) sets how many
 * functions are listed; `--out DIR` where the profile goes (default a new
 * temp directory).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, LOAD_CPU, PIN, SERVER_CPU, freePort, waitForPort } from './peer-runner.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function, as a share of the whole profile, largest first. */
function selfTimes(profile: CpuProfile): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.timeDeltas.reduce((a, b) => a + b, 0);
  const perFunction = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^file:\/\//, '').split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    perFunction.set(key, (perFunction.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...perFunction].map(([k, t]): [string, number] => [k, t / total]).sort((a, b) => b[1] - a[1]);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, out: { type: 'string' } },
  });
  const [serverArgs, loadArgs] = positionals;
  if (serverArgs === undefined || loadArgs === undefined) {
    process.stderr.write('usage: npm run bench:profile -- "SERVER ARGS with PORT" "LOAD ARGS with PORT" [--top N] [--out DIR]\n');
    process.exitCode = 2;
    return;
  }
  const port = await freePort();
  const words = (s: string): string[] => s.split(/\s+/).filter(Boolean).map((w) => w.replaceAll('PORT', String(port)));
  const dir = values.out ?? mkdtempSync(join(os.tmpdir(), 'netlab-profile-'));
  const serverArgv = [...(PIN ? SERVER_CPU : []), process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, ...words(serverArgs)];
  const server = spawn(serverArgv[0] as string, serverArgv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForPort(port, server, 'the server', false);
    const loadArgv = [...(PIN ? LOAD_CPU : []), process.execPath, CLI, ...words(loadArgs)];
    process.stderr.write(`load: ${loadArgv.join(' ')}\n`);
    spawnSync(loadArgv[0] as string, loadArgv.slice(1), { stdio: 'inherit' });
  } finally {
    server.kill('SIGINT');
    await once(server, 'exit');
  }
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
  if (file === undefined) throw new Error(`the server wrote no profile into ${dir}`);
  const path = join(dir, file);
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  process.stdout.write(`\nserver self time (share of the profile, start-up and idle included):\n`);
  for (const [name, share] of selfTimes(profile).slice(0, Number(values.top))) {
    process.stdout.write(`${(share * 100).toFixed(1).padStart(6)} %  ${name}\n`);
  }
  process.stdout.write(`\nprofile: ${path}\n(a flame graph: Chrome DevTools > Performance > Load profile, or speedscope)\n`);
}

await main();
