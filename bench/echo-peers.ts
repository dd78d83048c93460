/**
 * Echo servers against their peers, all driven by the same load generator
 * (`netlab bench echo`): TCP (netlab serve, a bare Node `net` echo — the
 * ceiling of any Node server — Python asyncio, Twisted, ncat --exec cat,
 * socat), UDP (netlab, bare Node dgram, asyncio, Twisted) and TLS (netlab,
 * bare Node tls, same certificate). A peer that is not installed is
 * reported as "skipped: not installed".
 *
 * Same machine, same run; every server started once and left idle while the
 * others are measured; the order of the peers rotates from run to run (A/B
 * alternation), and the median of the runs is reported. With `taskset` and
 * at least 2 CPUs the servers are pinned to CPU 0 and the load to CPU 1.
 * Writes its tables into docs/performance.md between two markers, keeping
 * everything else in the file.
 *
 *   node --import tsx bench/echo-peers.ts     (npm run bench runs it)
 *   NETLAB_BENCH_SECONDS=2 NETLAB_BENCH_RUNS=3 change the window and run count.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import dgram from 'node:dgram';
import { join } from 'node:path';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const DOC = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
const PYTHON = '/usr/bin/python3';
const SECONDS = Number(process.env.NETLAB_BENCH_SECONDS ?? '2');
const RUNS = Number(process.env.NETLAB_BENCH_RUNS ?? '3');
const START = '<!-- bench:echo-peers:start -->';
const END = '<!-- bench:echo-peers:end -->';

const BARE_NODE = `const net = require('node:net');
const server = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
server.listen(Number(process.argv[1]), '127.0.0.1');`;

const PY_ASYNCIO = `import asyncio, sys
class Echo(asyncio.Protocol):
    def connection_made(self, t): self.t = t
    def data_received(self, d): self.t.write(d)
async def main():
    loop = asyncio.get_running_loop()
    s = await loop.create_server(Echo, '127.0.0.1', int(sys.argv[1]), backlog=1024)
    await s.serve_forever()
asyncio.run(main())`;

const PY_TWISTED = `import sys
from twisted.internet import protocol, reactor
class Echo(protocol.Protocol):
    def dataReceived(self, d): self.transport.write(d)
f = protocol.Factory(); f.protocol = Echo
reactor.listenTCP(int(sys.argv[1]), f, backlog=1024, interface='127.0.0.1')
reactor.run()`;

const BARE_NODE_UDP = `const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(Number(process.argv[1]), '127.0.0.1');`;

const PY_ASYNCIO_UDP = `import asyncio, sys
class Echo(asyncio.DatagramProtocol):
    def connection_made(self, t): self.t = t
    def datagram_received(self, d, a): self.t.sendto(d, a)
async def main():
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Echo, local_addr=('127.0.0.1', int(sys.argv[1])))
    await asyncio.Event().wait()
asyncio.run(main())`;

const PY_TWISTED_UDP = `import sys
from twisted.internet import protocol, reactor
class Echo(protocol.DatagramProtocol):
    def datagramReceived(self, d, a): self.transport.write(d, a)
reactor.listenUDP(int(sys.argv[1]), Echo(), interface='127.0.0.1')
reactor.run()`;

const BARE_NODE_TLS = `const fs = require('node:fs');
const dir = process.argv[2];
const server = require('node:tls').createServer({ cert: fs.readFileSync(dir + '/cert.pem'), key: fs.readFileSync(dir + '/key.pem') }, (s) => {
  s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {});
});
server.listen(Number(process.argv[1]), '127.0.0.1');`;

interface Peer {
  name: string;
  /** argv of the server; PORT is replaced by the port. */
  argv: string[];
  /** Why it cannot run here, if it cannot. */
  missing?: string;
}

export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function pythonHas(module: string): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

const TCP_PEERS: Peer[] = [
  { name: 'netlab serve tcp', argv: [process.execPath, CLI, 'serve', 'tcp', '-p', 'PORT', '--max-conns', '100000'] },
  { name: 'bare Node net echo', argv: [process.execPath, '-e', BARE_NODE, 'PORT'] },
  { name: 'Python asyncio (Protocol)', argv: [PYTHON, '-c', PY_ASYNCIO, 'PORT'], ...(existsSync(PYTHON) ? {} : { missing: `${PYTHON} not installed` }) },
  { name: 'Twisted', argv: [PYTHON, '-c', PY_TWISTED, 'PORT'], ...(pythonHas('twisted') ? {} : { missing: 'python3-twisted not installed' }) },
  { name: 'ncat --exec cat', argv: ['ncat', '-l', '127.0.0.1', 'PORT', '-k', '-m', '100000', '--exec', '/bin/cat'], ...(has('ncat') ? {} : { missing: 'ncat not installed' }) },
  {
    name: 'socat EXEC:cat',
    argv: ['socat', 'TCP-LISTEN:PORT,bind=127.0.0.1,fork,reuseaddr,backlog=1024', 'EXEC:/bin/cat'],
    ...(has('socat') ? {} : { missing: 'socat not installed' }),
  },
];

interface Scenario {
  title: string;
  conns: number;
  size: number;
  pipeline: number;
}

export const CERT_DIR = mkdtempSync(join(os.tmpdir(), 'netlab-bench-'));

const UDP_PEERS: Peer[] = [
  { name: 'netlab serve udp', argv: [process.execPath, CLI, 'serve', 'udp', '-p', 'PORT', '--max-conns', '100000'] },
  { name: 'bare Node dgram echo', argv: [process.execPath, '-e', BARE_NODE_UDP, 'PORT'] },
  { name: 'Python asyncio (DatagramProtocol)', argv: [PYTHON, '-c', PY_ASYNCIO_UDP, 'PORT'], ...(existsSync(PYTHON) ? {} : { missing: `${PYTHON} not installed` }) },
  { name: 'Twisted UDP', argv: [PYTHON, '-c', PY_TWISTED_UDP, 'PORT'], ...(pythonHas('twisted') ? {} : { missing: 'python3-twisted not installed' }) },
];

const TLS_PEERS: Peer[] = [
  { name: 'netlab serve tls', argv: [process.execPath, CLI, 'serve', 'tls', '-p', 'PORT', '--max-conns', '100000', '--cert', `${CERT_DIR}/cert.pem`, '--key', `${CERT_DIR}/key.pem`] },
  { name: 'bare Node tls echo', argv: [process.execPath, '-e', BARE_NODE_TLS, 'PORT', CERT_DIR] },
];

interface Area {
  title: string;
  transport: 'tcp' | 'udp' | 'tls';
  peers: Peer[];
  scenarios: Scenario[];
}

const AREAS: Area[] = [
  {
    title: 'TCP echo',
    transport: 'tcp',
    peers: TCP_PEERS,
    scenarios: [
      { title: 'C=1, 64 B', conns: 1, size: 64, pipeline: 1 },
      { title: 'C=50, 64 B', conns: 50, size: 64, pipeline: 1 },
      { title: 'C=500, 64 B', conns: 500, size: 64, pipeline: 1 },
      { title: 'C=50, 16 KiB', conns: 50, size: 16384, pipeline: 1 },
      { title: 'C=50, 64 B, pipelined K=16', conns: 50, size: 64, pipeline: 16 },
    ],
  },
  {
    title: 'UDP echo',
    transport: 'udp',
    peers: UDP_PEERS,
    scenarios: [
      { title: 'C=1, 64 B', conns: 1, size: 64, pipeline: 1 },
      { title: 'C=50, 64 B', conns: 50, size: 64, pipeline: 1 },
    ],
  },
  {
    title: 'TLS echo (same ECDSA P-256 certificate, TLS 1.3)',
    transport: 'tls',
    peers: TLS_PEERS,
    scenarios: [
      { title: 'C=50, 64 B', conns: 50, size: 64, pipeline: 1 },
      { title: 'C=50, 16 KiB (bulk)', conns: 50, size: 16384, pipeline: 1 },
    ],
  },
];

export const PIN = has('taskset') && os.cpus().length >= 2;
export const SERVER_CPU = ['taskset', '-c', '0'];
export const LOAD_CPU = ['taskset', '-c', '1'];

export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

function udpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 200);
    s.on('message', () => done(true));
    s.on('error', () => done(false));
    s.send('ping', port, '127.0.0.1');
  });
}

export function tcpAccepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string, udp: boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await (udp ? udpAnswers(port) : tcpAccepts(port));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on ${port}`);
}

interface Running {
  peer: Peer;
  child: ChildProcess;
  port: number;
  command: string;
}

async function start(peer: Peer, area: Area): Promise<Running> {
  const port = await freePort();
  const argv = [...(PIN ? SERVER_CPU : []), ...peer.argv.map((a) => (a === 'PORT' ? String(port) : a.replace('PORT', String(port))))];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], detached: false });
  await waitForPort(port, child, peer.name, area.transport === 'udp');
  const shown = argv.map((a) => (a.includes('\n') ? '<script>' : a)).join(' ');
  return { peer, child, port, command: shown };
}

interface Sample {
  rps: number;
  mbps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
}

function loadArgv(transport: Area['transport'], s: Scenario, port: number): string[] {
  return [
    ...(PIN ? LOAD_CPU : []),
    process.execPath,
    CLI,
    'bench', 'echo', transport, '127.0.0.1', String(port), ...(transport === 'tls' ? ['--insecure'] : []),
    '-c', String(s.conns), '-s', String(s.size), '-d', String(SECONDS), '--pipeline', String(s.pipeline), '--json',
  ];
}

function measure(transport: Area['transport'], s: Scenario, port: number): Sample | string {
  const argv = loadArgv(transport, s, port);
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: (SECONDS + 60) * 1000 });
  if (r.status !== 0) return `failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? r.status}`;
  const j = JSON.parse(r.stdout) as { round_trips_per_s: number; mb_per_s: number; latency_us: { p50: number; p99: number }; errors: number; timeouts: number };
  return { rps: j.round_trips_per_s, mbps: j.mb_per_s, p50: j.latency_us.p50, p99: j.latency_us.p99, errors: j.errors, timeouts: j.timeouts };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor(s.length / 2)] as number);
};

type Results = Map<string, Map<string, Sample[] | string>>;

async function runArea(area: Area): Promise<{ results: Results; running: Running[] }> {
  const running: Running[] = [];
  const results: Results = new Map();
  try {
    for (const p of area.peers.filter((x) => x.missing === undefined)) running.push(await start(p, area));
    for (const s of area.scenarios) {
      const row = new Map<string, Sample[] | string>();
      results.set(s.title, row);
      for (let run = 0; run < RUNS; run++) {
        // Rotate the order each run so no peer always goes first (A/B alternation).
        const order = running.map((_, i) => running[(i + run) % running.length] as Running);
        if (run % 2 === 1) order.reverse();
        for (const r of order) {
          const prior = row.get(r.peer.name);
          if (typeof prior === 'string') continue;
          const sample = measure(area.transport, s, r.port);
          if (typeof sample === 'string') row.set(r.peer.name, sample);
          else row.set(r.peer.name, [...(prior ?? []), sample]);
          process.stderr.write(`${area.title} ${s.title} | ${r.peer.name} | run ${run + 1}: ${typeof sample === 'string' ? sample : `${Math.round(sample.rps)} rt/s, p99 ${sample.p99} µs`}\n`);
        }
      }
    }
    return { results, running };
  } finally {
    for (const r of running) {
      r.child.kill('SIGTERM');
      await Promise.race([once(r.child, 'exit'), new Promise((res) => setTimeout(res, 3000))]);
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
  }
}

async function main(): Promise<void> {
  try {
    const cert = spawnSync(process.execPath, [CLI, 'cert', '--out', CERT_DIR], { stdio: 'ignore' });
    if (cert.status !== 0) throw new Error('netlab cert failed');
    const out: string[] = [header()];
    for (const area of AREAS) {
      const { results, running } = await runArea(area);
      out.push(render(area, results, running));
    }
    const section = [...out, 'The bare Node, Python asyncio and Twisted servers are the scripts in bench/echo-peers.ts.', END].join('\n');
    process.stdout.write(`${section}\n`);
    writeSection(section);
  } finally {
    rmSync(CERT_DIR, { recursive: true, force: true });
  }
}

function header(): string {
  const cpus = os.cpus();
  return [
    START,
    '## Echo servers against their peers (`npm run bench`)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ` +
      `${SECONDS} s per run, median of ${RUNS} runs, peers alternated run to run; ` +
      (PIN ? 'servers pinned to CPU 0 and the load generator to CPU 1 with taskset.' : 'no CPU pinning (taskset or a second CPU missing).'),
    '',
    'Load: `netlab bench echo` for every peer (closed loop, K messages in flight per connection). ' +
      '"netlab ÷ peer" is netlab\'s round trips/s divided by the peer\'s: above 1 netlab is faster. ' +
      'Errors and timeouts counted by the load generator are shown next to the server\'s name.',
    '',
  ].join('\n');
}

function display(argv: string, port: number): string {
  return argv.replace(process.execPath, 'node').replace(CLI, 'dist/cli/main.js').replaceAll(CERT_DIR, 'DIR').replace(new RegExp(`\\b${port}\\b`, 'g'), 'PORT');
}

function render(area: Area, results: Results, running: Running[]): string {
  const out: string[] = [`### ${area.title}`, ''];
  const netlabName = (area.peers[0] as Peer).name;
  for (const s of area.scenarios) {
    const row = results.get(s.title)!;
    const netlab = row.get(netlabName);
    const netlabRps = Array.isArray(netlab) ? median(netlab.map((x) => x.rps)) : NaN;
    out.push(`#### ${area.title}: ${s.title}`, '', '| server | round trips/s | MB/s | p50 µs | p99 µs | netlab ÷ peer |', '|---|---:|---:|---:|---:|---:|');
    for (const p of area.peers) {
      if (p.missing !== undefined) {
        out.push(`| ${p.name} | skipped: ${p.missing} | | | | |`);
        continue;
      }
      const samples = row.get(p.name);
      if (samples === undefined || typeof samples === 'string') {
        out.push(`| ${p.name} | ${samples ?? 'not run'} | | | | |`);
        continue;
      }
      const rps = median(samples.map((x) => x.rps));
      const errs = samples.reduce((n, x) => n + x.errors + x.timeouts, 0);
      out.push(
        `| ${p.name}${errs > 0 ? ` (${errs} errors/timeouts)` : ''} | ${Math.round(rps)} | ${median(samples.map((x) => x.mbps)).toFixed(2)} | ` +
          `${median(samples.map((x) => x.p50))} | ${median(samples.map((x) => x.p99))} | ${p.name === netlabName ? '' : `${(netlabRps / rps).toFixed(2)}x`} |`,
      );
    }
    out.push('');
  }
  out.push('Commands (PORT is a free port picked at start, DIR holds a certificate made by `netlab cert --out DIR`):', '');
  for (const r of running) out.push(`- ${r.peer.name}: \`${display(r.command, r.port)}\``);
  out.push(
    `- load, per scenario: \`${[...(PIN ? LOAD_CPU : []), 'node dist/cli/main.js bench echo', area.transport, '127.0.0.1 PORT', ...(area.transport === 'tls' ? ['--insecure'] : [])].join(' ')} ` +
      `-c C -s SIZE -d ${SECONDS} --pipeline K --json\``,
    '',
  );
  return out.join('\n');
}

function writeSection(section: string): void {
  const doc = readFileSync(DOC, 'utf8');
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  const next = a !== -1 && b > a ? `${doc.slice(0, a)}${section}${doc.slice(b + END.length)}` : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(DOC, next);
  process.stderr.write(`updated ${DOC.replace(ROOT, '')}\n`);
}

// Run only as a script: bench/chat-peers.ts imports the helpers above.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
