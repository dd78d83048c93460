/**
 * `npm run bench`: every benchmark in one go. Runs the area scripts
 * (bench:echo, bench:im, bench:pcap, bench:tls) one after another, then the
 * TCP echo comparison against the peers, which updates docs/performance.md.
 *
 *   npm run bench
 *   NETLAB_BENCH_SKIP=pcap,tls npm run bench   skips areas by name
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const skip = new Set((process.env.NETLAB_BENCH_SKIP ?? '').split(',').filter(Boolean));
const steps: [string, string[]][] = [
  ['echo', ['npm', 'run', '--silent', 'bench:echo']],
  ['im', ['npm', 'run', '--silent', 'bench:im']],
  ['pcap', ['npm', 'run', '--silent', 'bench:pcap']],
  ['tls', ['npm', 'run', '--silent', 'bench:tls']],
  ['peers', [process.execPath, '--import', 'tsx', 'bench/echo-peers.ts']],
];

const failed: string[] = [];
for (const [name, argv] of steps) {
  if (skip.has(name)) {
    process.stdout.write(`\n== ${name}: skipped (NETLAB_BENCH_SKIP)\n`);
    continue;
  }
  process.stdout.write(`\n== ${name}: ${argv.join(' ').replace(process.execPath, 'node')}\n`);
  const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  process.stderr.write(`benchmarks that failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
