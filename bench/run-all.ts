/**
 * `npm run bench`: every benchmark in one go. Runs the area scripts
 * (bench:im, bench:pcap, bench:tls, bench:scan, bench:memory) one after another, then the
 * TCP/UDP echo comparison against the peers, the TLS comparison
 * (bench/tls-peers.ts) and the chat fan-out comparison (bench/chat-peers.ts),
 * which update docs/performance.md.
 *
 *   npm run bench
 *   NETLAB_BENCH_SKIP=pcap,tls npm run bench   skips areas by name
 *
 * On Debian, run as root, it first apt-installs the peers it compares with
 * (python3-twisted, ncat, socat, tshark, capinfos, nmap, the Python IM stack,
 * util-linux for taskset) when one is missing; NETLAB_BENCH_NO_INSTALL=1 turns that off. A peer that is still
 * missing is reported as "skipped: not installed".
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const skip = new Set((process.env.NETLAB_BENCH_SKIP ?? '').split(',').filter(Boolean));
const steps: [string, string[]][] = [
  ['im', ['npm', 'run', '--silent', 'bench:im']],
  ['pcap', ['npm', 'run', '--silent', 'bench:pcap']],
  ['tls', ['npm', 'run', '--silent', 'bench:tls']],
  ['scan', ['npm', 'run', '--silent', 'bench:scan']],
  ['memory', ['npm', 'run', '--silent', 'bench:memory']],
  ['peers', [process.execPath, '--import', 'tsx', 'bench/echo-peers.ts']],
  ['tls-peers', [process.execPath, '--import', 'tsx', 'bench/tls-peers.ts']],
  ['chat', ['npm', 'run', '--silent', 'bench:chat']],
];

/** Debian packages of the peers, with a command or module that shows each is there. */
const PEER_PACKAGES: [pkg: string, check: string][] = [
  ['python3-twisted', '/usr/bin/python3 -c "import twisted"'],
  ['python3-openssl', '/usr/bin/python3 -c "import OpenSSL"'],
  ['openssl', 'command -v openssl'],
  ['ncat', 'command -v ncat'],
  ['socat', 'command -v socat'],
  ['tshark', 'command -v tshark'],
  ['wireshark-common', 'command -v capinfos'],
  ['nmap', 'command -v nmap'],
  ['python3-protobuf', '/usr/bin/python3 -c "import google.protobuf"'],
  ['python3-pycryptodome', '/usr/bin/python3 -c "import Cryptodome"'],
  ['protobuf-compiler', 'command -v protoc'],
  ['util-linux', 'command -v taskset'],
];

function installPeers(): void {
  if (process.env.NETLAB_BENCH_NO_INSTALL === '1' || process.getuid?.() !== 0) return;
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) return;
  const missing = PEER_PACKAGES.filter(([, check]) => spawnSync('sh', ['-c', check], { stdio: 'ignore' }).status !== 0).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  const command = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  process.stdout.write(`\n== peers: apt-get update && ${command.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A fresh machine has no package lists yet.
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  const r = spawnSync(command[0] as string, command.slice(1), { stdio: 'inherit', env });
  if (r.status !== 0) process.stderr.write('could not install every peer; the missing ones are reported as skipped\n');
}

installPeers();
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
