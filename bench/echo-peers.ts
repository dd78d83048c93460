/**
 * Echo servers against their peers, all driven by the same load generator
 * (`netlab bench echo`): TCP (netlab serve, a bare Node `net` echo — the
 * ceiling of any Node server — Python asyncio, Twisted, ncat --exec cat,
 * socat), UDP (netlab, bare Node dgram, asyncio, Twisted) and UDP upper-case
 * (netlab -m upper, the classic Python socket server); TLS is in
 * bench/tls-peers.ts. A peer that is not installed is reported as
 * "skipped: not installed".
 *
 * Same machine, same run; every server started fresh for each scenario and
 * left idle while the others are measured, each measurement once the CPUs
 * are quiet again; the order of the peers rotates from run to run (A/B
 * alternation), and the median of the runs is reported. With `taskset` and
 * at least 2 CPUs the servers are pinned to CPU 0 and the load to CPU 1.
 * Writes its tables into docs/performance.md between two markers, keeping
 * everything else in the file.
 *
 *   node --import tsx bench/echo-peers.ts     (npm run bench runs it)
 *   NETLAB_BENCH_SECONDS=2 NETLAB_BENCH_RUNS=3 change the window and run count.
 *   NETLAB_BENCH_ONLY='TCP echo: C=50, 16 KiB;UDP' runs only the scenarios whose
 *   "area: scenario" title contains one of the ;-separated parts, prints
 *   the tables and leaves docs/performance.md alone (for A/B runs while tuning).
 */
import { existsSync } from 'node:fs';
import { CLI, LOAD_CPU, WARM_UP_SECONDS, measureAll, PIN, PYTHON, display, has, machine, median, pythonHas, runJson, writeSection, type Peer, type Results as PeerResults, type Running } from './peer-runner.js';

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

// The classic blocking UDP server of socket-programming courses.
const PY_UPPER_UDP = `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', int(sys.argv[1])))
while True:
    data, addr = s.recvfrom(65535)
    s.sendto(data.upper(), addr)`;

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

const UDP_PEERS: Peer[] = [
  { name: 'netlab serve udp', argv: [process.execPath, CLI, 'serve', 'udp', '-p', 'PORT', '--max-conns', '100000'] },
  { name: 'bare Node dgram echo', argv: [process.execPath, '-e', BARE_NODE_UDP, 'PORT'] },
  { name: 'Python asyncio (DatagramProtocol)', argv: [PYTHON, '-c', PY_ASYNCIO_UDP, 'PORT'], ...(existsSync(PYTHON) ? {} : { missing: `${PYTHON} not installed` }) },
  { name: 'Twisted UDP', argv: [PYTHON, '-c', PY_TWISTED_UDP, 'PORT'], ...(pythonHas('twisted') ? {} : { missing: 'python3-twisted not installed' }) },
];

const UDP_UPPER_PEERS: Peer[] = [
  { name: 'netlab serve udp -m upper', argv: [process.execPath, CLI, 'serve', 'udp', '-m', 'upper', '-p', 'PORT', '--max-conns', '100000'] },
  { name: 'Python socket recvfrom/sendto .upper()', argv: [PYTHON, '-c', PY_UPPER_UDP, 'PORT'], ...(existsSync(PYTHON) ? {} : { missing: `${PYTHON} not installed` }) },
];

interface Area {
  title: string;
  transport: 'tcp' | 'udp';
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
    title: 'UDP upper-case',
    transport: 'udp',
    peers: UDP_UPPER_PEERS,
    scenarios: [
      { title: 'C=1, 64 B', conns: 1, size: 64, pipeline: 1 },
      { title: 'C=50, 64 B', conns: 50, size: 64, pipeline: 1 },
    ],
  },
];

const ONLY = (process.env.NETLAB_BENCH_ONLY ?? '').split(';').map((x) => x.trim()).filter((x) => x !== '');
const selected = (area: Area, s: Scenario): boolean => ONLY.length === 0 || ONLY.some((part) => `${area.title}: ${s.title}`.includes(part));
for (const area of AREAS) area.scenarios = area.scenarios.filter((s) => selected(area, s));

interface Sample {
  rps: number;
  mbps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
}

function loadArgv(transport: Area['transport'], s: Scenario, port: number, seconds = SECONDS): string[] {
  return [
    ...(PIN ? LOAD_CPU : []),
    process.execPath,
    CLI,
    'bench', 'echo', transport, '127.0.0.1', String(port),
    '-c', String(s.conns), '-s', String(s.size), '-d', String(seconds), '--pipeline', String(s.pipeline), '--json',
  ];
}

function measure(transport: Area['transport'], s: Scenario, port: number, seconds = SECONDS): Sample | string {
  const j = runJson<{ round_trips_per_s: number; mb_per_s: number; latency_us: { p50: number; p99: number }; errors: number; timeouts: number }>(loadArgv(transport, s, port, seconds), seconds + 60);
  if (typeof j === 'string') return j;
  return { rps: j.round_trips_per_s, mbps: j.mb_per_s, p50: j.latency_us.p50, p99: j.latency_us.p99, errors: j.errors, timeouts: j.timeouts };
}

type Results = PeerResults<Sample>;

function runArea(area: Area): Promise<{ results: Results; running: Running[] }> {
  return measureAll({
    title: area.title,
    peers: area.peers,
    scenarios: area.scenarios,
    runs: RUNS,
    udp: area.transport === 'udp',
    measure: (s, r, seconds) => measure(area.transport, s, r.port, seconds),
    describe: (sample) => `${Math.round(sample.rps)} rt/s, p99 ${sample.p99} µs`,
  });
}

async function main(): Promise<void> {
  const out: string[] = [header()];
  for (const area of AREAS.filter((a) => a.scenarios.length > 0)) {
    const { results, running } = await runArea(area);
    out.push(render(area, results, running));
  }
  const section = [...out, 'The bare Node, Python asyncio, Twisted and Python socket servers are the scripts in bench/echo-peers.ts; TLS is compared in the `bench:tls-peers` section.', END].join('\n');
  process.stdout.write(`${section}\n`);
  if (ONLY.length === 0) writeSection(START, END, section);
  else process.stderr.write('NETLAB_BENCH_ONLY is set: docs/performance.md left as it is\n');
}

function header(): string {
  return [
    START,
    '## Echo servers against their peers (`npm run bench`)',
    '',
    `${machine()}, ` +
      `${SECONDS} s per run, median of ${RUNS} runs, fresh servers per scenario, each given ${WARM_UP_SECONDS} s of unmeasured load first (JIT warm-up), peers alternated run to run, each run once the CPUs are quiet; ` +
      (PIN ? 'servers pinned to CPU 0 and the load generator to CPU 1 with taskset.' : 'no CPU pinning (taskset or a second CPU missing).'),
    '',
    'Load: `netlab bench echo` for every peer (closed loop, K messages in flight per connection). ' +
      '"netlab ÷ peer" is netlab\'s round trips/s divided by the peer\'s: above 1 netlab is faster. ' +
      'Errors and timeouts counted by the load generator are shown next to the server\'s name.',
    '',
  ].join('\n');
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
  out.push('Commands (PORT is a free port picked at start):', '');
  for (const r of running) out.push(`- ${r.peer.name}: \`${display(r.command, r.port)}\``);
  out.push(
    `- load, per scenario: \`${[...(PIN ? LOAD_CPU : []), 'node dist/cli/main.js bench echo', area.transport, '127.0.0.1 PORT'].join(' ')} ` +
      `-c C -s SIZE -d ${SECONDS} --pipeline K --json\``,
    '',
  );
  return out.join('\n');
}

await main();
