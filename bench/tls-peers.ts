/**
 * TLS servers against their peers: full TLS 1.3 handshakes per second at 50
 * concurrent (`netlab bench handshake`) with an ECDSA P-256 and an RSA 2048
 * certificate, for netlab serve tls, a bare Node `tls` server, Twisted
 * (listenSSL, pyOpenSSL) and `openssl s_server -www`; then TLS echo at C=50
 * with 64 B and 16 KiB messages (`netlab bench echo tls`) for netlab, bare
 * Node and Twisted. Both certificates are made by `netlab cert`; every server
 * of a table uses the same one. A peer that is not installed is reported as
 * "skipped: not installed".
 *
 * Method as in bench/echo-peers.ts: every server started fresh for each
 * scenario and left idle while the others are measured, each run once the
 * CPUs are quiet, the order rotated and reversed from run to run, the median
 * of the runs reported, servers pinned to CPU 0 and the load to CPU 1 with
 * taskset. Besides the rate, the CPU the server used (from
 * /proc) and the CPU the load process used (its own report) are shown, so a
 * table says which side was the limit.
 *
 *   node --import tsx bench/tls-peers.ts     (npm run bench:tls-peers; npm run bench runs it)
 *   NETLAB_BENCH_SECONDS=2 NETLAB_BENCH_RUNS=3 change the window and run count.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import {
  CLI, LOAD_CPU, WARM_UP_SECONDS, PIN, PYTHON, cpuSeconds, measureAll, display, has, machine, median, pythonHas, runJson, writeSection, type Peer, type Results as PeerResults, type Running,
} from './peer-runner.js';

const SECONDS = Number(process.env.NETLAB_BENCH_SECONDS ?? '2');
const RUNS = Number(process.env.NETLAB_BENCH_RUNS ?? '3');
const START = '<!-- bench:tls-peers:start -->';
const END = '<!-- bench:tls-peers:end -->';
const CONNS = 50;
/** Other work on the machine at the start: with more than ~0.5 on 2 CPUs, expect noisy rates. */
const LOAD_AVERAGE = os.loadavg()[0] ?? 0;

const BARE_NODE_TLS = `const fs = require('node:fs');
const dir = process.argv[2];
const server = require('node:tls').createServer({ cert: fs.readFileSync(dir + '/cert.pem'), key: fs.readFileSync(dir + '/key.pem') }, (s) => {
  s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {});
});
server.listen(Number(process.argv[1]), '127.0.0.1', 1024);`;

const PY_TWISTED_TLS = `import sys
from twisted.internet import protocol, reactor, ssl
class Echo(protocol.Protocol):
    def dataReceived(self, d): self.transport.write(d)
f = protocol.Factory(); f.protocol = Echo
d = sys.argv[2]
pem = open(d + '/cert.pem').read() + open(d + '/key.pem').read()
options = ssl.PrivateCertificate.loadPEM(pem).options()
reactor.listenSSL(int(sys.argv[1]), f, options, backlog=1024, interface='127.0.0.1')
reactor.run()`;

const TWISTED_MISSING = pythonHas('twisted') && pythonHas('OpenSSL') ? undefined : 'python3-twisted and python3-openssl not installed';

function peers(dir: string, withOpenssl: boolean): Peer[] {
  const list: Peer[] = [
    { name: 'netlab serve tls', argv: [process.execPath, CLI, 'serve', 'tls', '-p', 'PORT', '--max-conns', '100000', '--cert', `${dir}/cert.pem`, '--key', `${dir}/key.pem`] },
    { name: 'bare Node tls', argv: [process.execPath, '-e', BARE_NODE_TLS, 'PORT', dir] },
    { name: 'Twisted listenSSL', argv: [PYTHON, '-c', PY_TWISTED_TLS, 'PORT', dir], ...(TWISTED_MISSING === undefined ? {} : { missing: TWISTED_MISSING }) },
  ];
  if (withOpenssl) {
    list.push({
      name: 'openssl s_server -www',
      argv: ['openssl', 's_server', '-accept', '127.0.0.1:PORT', '-cert', `${dir}/cert.pem`, '-key', `${dir}/key.pem`, '-www', '-quiet'],
      ...(has('openssl') ? {} : { missing: 'openssl not installed' }),
    });
  }
  return list;
}

interface Scenario {
  title: string;
  /** argv after `netlab`, PORT replaced. */
  load: string[];
  /** The rate the JSON report gives. */
  rate: (j: LoadJson) => number;
  unit: string;
}

interface LoadJson {
  handshakes_per_s?: number;
  round_trips_per_s?: number;
  mb_per_s?: number;
  latency_us: { p50: number; p99: number };
  duration_s: number;
  errors: number;
  timeouts: number;
  load_cpu_percent?: number;
}

interface Sample {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  mbps: number;
  serverCpu: number;
  /** Server CPU time per handshake or round trip, in µs. */
  serverUs: number;
  loadCpu: number;
}

interface Table {
  title: string;
  dir: string;
  peers: Peer[];
  scenarios: Scenario[];
}

const handshake: Scenario = {
  title: `full handshakes, C=${CONNS}`,
  load: ['bench', 'handshake', '127.0.0.1', 'PORT', '--insecure', '--tls-version', '1.3', '-c', String(CONNS), '-d', 'SECONDS', '--json'],
  rate: (j) => j.handshakes_per_s ?? NaN,
  unit: 'handshakes/s',
};

function echo(size: number, title: string): Scenario {
  return {
    title,
    load: ['bench', 'echo', 'tls', '127.0.0.1', 'PORT', '--insecure', '-c', String(CONNS), '-s', String(size), '-d', 'SECONDS', '--json'],
    rate: (j) => j.round_trips_per_s ?? NaN,
    unit: 'round trips/s',
  };
}

function measure(s: Scenario, r: Running, seconds = SECONDS): Sample | string {
  const argv = [...(PIN ? LOAD_CPU : []), process.execPath, CLI, ...s.load.map((a) => (a === 'PORT' ? String(r.port) : a === 'SECONDS' ? String(seconds) : a))];
  const before = cpuSeconds(r.child.pid);
  const j = runJson<LoadJson>(argv, seconds + 60);
  const after = cpuSeconds(r.child.pid);
  if (typeof j === 'string') return j;
  const rate = s.rate(j);
  return {
    rate,
    p50: j.latency_us.p50,
    p99: j.latency_us.p99,
    errors: j.errors + j.timeouts,
    mbps: j.mb_per_s ?? NaN,
    // Server CPU over the whole load process (start-up included), as % of one CPU over the window.
    serverCpu: ((after - before) / seconds) * 100,
    serverUs: ((after - before) / (rate * j.duration_s)) * 1e6,
    loadCpu: j.load_cpu_percent ?? NaN,
  };
}

type Results = PeerResults<Sample>;

function runTable(table: Table): Promise<{ results: Results; running: Running[] }> {
  return measureAll({
    title: table.title,
    peers: table.peers,
    scenarios: table.scenarios,
    runs: RUNS,
    udp: false,
    measure,
    describe: (sample, s) => `${Math.round(sample.rate)} ${s.unit}, server CPU ${Math.round(sample.serverCpu)} %, load CPU ${Math.round(sample.loadCpu)} %`,
  });
}

/** Median of one field over a peer's samples. */
function med(samples: Sample[], field: keyof Sample): number {
  return median(samples.map((x) => x[field]));
}

const fmt = (n: number): string => (Number.isFinite(n) ? String(Math.round(n)) : '-');

function render(table: Table, results: Results, running: Running[], dirs: Record<string, string>): string {
  const out: string[] = [`### ${table.title}`, ''];
  const netlabName = (table.peers[0] as Peer).name;
  for (const s of table.scenarios) {
    const row = results.get(s.title)!;
    const netlab = row.get(netlabName);
    const netlabRate = Array.isArray(netlab) ? med(netlab, 'rate') : NaN;
    const netlabUs = Array.isArray(netlab) ? med(netlab, 'serverUs') : NaN;
    const bulk = s.unit === 'round trips/s';
    const op = bulk ? 'round trip' : 'handshake';
    out.push(
      `#### ${table.title}: ${s.title}`,
      '',
      `| server | ${s.unit} |${bulk ? ' MB/s |' : ''} p50 µs | p99 µs | server CPU % | server CPU µs per ${op} | load CPU % | netlab ÷ peer, rate | netlab ÷ peer, CPU per ${op} |`,
      `|---|---:|${bulk ? '---:|' : ''}---:|---:|---:|---:|---:|---:|---:|`,
    );
    for (const p of table.peers) {
      const empty = ` |${bulk ? ' |' : ''} | | | | | | |`;
      if (p.missing !== undefined) {
        out.push(`| ${p.name} | skipped: ${p.missing}${empty}`);
        continue;
      }
      const samples = row.get(p.name);
      if (samples === undefined || typeof samples === 'string') {
        out.push(`| ${p.name} | ${samples ?? 'not run'}${empty}`);
        continue;
      }
      const rate = med(samples, 'rate');
      const us = med(samples, 'serverUs');
      const errs = samples.reduce((n, x) => n + x.errors, 0);
      const self = p.name === netlabName;
      out.push(
        `| ${p.name}${errs > 0 ? ` (${errs} errors/timeouts)` : ''} | ${Math.round(rate)} |${bulk ? ` ${med(samples, 'mbps').toFixed(2)} |` : ''} ` +
          `${med(samples, 'p50')} | ${med(samples, 'p99')} | ${fmt(med(samples, 'serverCpu'))} | ${fmt(us)} | ${fmt(med(samples, 'loadCpu'))} | ` +
          `${self ? '' : `${(netlabRate / rate).toFixed(2)}x`} | ${self ? '' : `${(us / netlabUs).toFixed(2)}x`} |`,
      );
    }
    out.push('');
  }
  out.push('Commands (PORT is a free port picked at start, DIR the directory of the certificate):', '');
  for (const r of running) out.push(`- ${r.peer.name}: \`${display(r.command, r.port, dirs)}\``);
  for (const s of table.scenarios) {
    out.push(`- load, ${s.title}: \`${[...(PIN ? LOAD_CPU : []), 'node dist/cli/main.js', ...s.load.map((a) => (a === 'SECONDS' ? String(SECONDS) : a))].join(' ')}\``);
  }
  out.push('');
  return out.join('\n');
}

function header(): string {
  return [
    START,
    '## TLS servers against their peers (`npm run bench:tls-peers`)',
    '',
    `${machine()}, OpenSSL ${process.versions.openssl} in Node, load average ${LOAD_AVERAGE.toFixed(1)} at the start; ${SECONDS} s per run, median of ${RUNS} runs, fresh servers per scenario, each given ${WARM_UP_SECONDS} s of unmeasured load first (JIT warm-up), peers alternated run to run, each run once the CPUs are quiet; ` +
      (PIN ? 'servers pinned to CPU 0 and the load generator to CPU 1 with taskset.' : 'no CPU pinning (taskset or a second CPU missing).'),
    '',
    '`netlab bench handshake` makes full TLS 1.3 handshakes (never resumed: no session or ticket is offered) from 50 slots, each connect, handshake, ' +
      'close_notify and close, then the next; `netlab bench echo tls` keeps one message in flight per connection. ' +
      '"server CPU %" is the CPU time the server process used while the load ran, per second of window (100 = one CPU busy), ' +
      'and "server CPU µs per handshake" that CPU time divided by the handshakes (or round trips) done: what one operation costs the server, ' +
      'whoever was the limit. "load CPU %" is the same for the load process (its own report; `bench echo` does not report it: -). ' +
      '"netlab ÷ peer, rate": netlab\'s rate over the peer\'s; "netlab ÷ peer, CPU per handshake": the peer\'s CPU per operation over netlab\'s. Above 1 netlab is faster or cheaper.',
    '',
  ].join('\n');
}

function makeCertificate(dir: string, kind: '--ec' | '--rsa'): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(process.execPath, [CLI, 'cert', kind, '--out', dir], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`netlab cert ${kind} failed`);
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(os.tmpdir(), 'netlab-tls-bench-'));
  try {
    const ec = join(root, 'ec');
    const rsa = join(root, 'rsa');
    makeCertificate(ec, '--ec');
    makeCertificate(rsa, '--rsa');
    const dirs = { [ec]: 'DIR', [rsa]: 'DIR' };
    const tables: Table[] = [
      { title: 'TLS 1.3 handshakes, ECDSA P-256 certificate', dir: ec, peers: peers(ec, true), scenarios: [handshake] },
      { title: 'TLS 1.3 handshakes, RSA 2048 certificate', dir: rsa, peers: peers(rsa, true), scenarios: [handshake] },
      {
        title: 'TLS 1.3 echo, ECDSA P-256 certificate',
        dir: ec,
        peers: peers(ec, false),
        scenarios: [echo(64, `C=${CONNS}, 64 B`), echo(16384, `C=${CONNS}, 16 KiB (bulk)`)],
      },
    ];
    const out: string[] = [header()];
    const findings: string[] = [];
    for (const table of tables) {
      const { results, running } = await runTable(table);
      out.push(render(table, results, running, dirs));
      findings.push(...findingsOf(table, results));
    }
    const section = [...out, '### What the numbers say', '', ...findings, '', NOTES, END].join('\n');
    process.stdout.write(`${section}\n`);
    writeSection(START, END, section);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** One line per scenario: which side was the limit, and netlab against bare Node by rate and by server CPU per operation. */
function findingsOf(table: Table, results: Results): string[] {
  const lines: string[] = [];
  for (const s of table.scenarios) {
    const row = results.get(s.title)!;
    const netlab = row.get('netlab serve tls');
    const bare = row.get('bare Node tls');
    if (!Array.isArray(netlab) || !Array.isArray(bare)) continue;
    const load = med(netlab, 'loadCpu');
    const server = med(netlab, 'serverCpu');
    const cpus = `load CPU ${Number.isFinite(load) ? `${Math.round(load)} %` : 'not reported'}, netlab's server CPU ${Math.round(server)} %`;
    const limit =
      server >= 90
        ? `netlab's server was the limit (${cpus})`
        : load >= 90
          ? `the load process was the limit (${cpus}), so the rates compare the client more than the servers and the CPU per operation is the server-side figure`
          : `neither side used a full CPU (${cpus}): other work on the machine or waiting, so the CPU per operation is the figure to compare`;
    lines.push(
      `- ${table.title}, ${s.title}: netlab ÷ bare Node ${(med(netlab, 'rate') / med(bare, 'rate')).toFixed(2)}x by rate, ` +
        `${(med(bare, 'serverUs') / med(netlab, 'serverUs')).toFixed(2)}x by server CPU per operation ` +
        `(${Math.round(med(netlab, 'serverUs'))} against ${Math.round(med(bare, 'serverUs'))} µs); ${limit}.`,
    );
  }
  return lines;
}

/** What was learned tuning netlab's TLS server; kept in the script so a re-run keeps it. */
const NOTES = `### What netlab does per TLS connection, and what was measured (2026-11-22)

- Without \`--pcap\` and \`--keylog\` (and no SSLKEYLOGFILE), \`netlab serve tls\` is a plain \`tls.Server\`: no recording
  socket, no key-log listener, one SecureContext for the server; session tickets are left on as in every peer here
  (TLS 1.3 NewSessionTicket, two per handshake with OpenSSL's defaults), the bench client never uses them. On top of
  the bare server, per connection: one Session object, the max-connections, idle-timeout (no timer unless
  \`--idle-timeout\`) and traffic-log wrappers, the echo protocol, and two log lines (connect, close).
- Server CPU per full TLS 1.3 handshake (P-256), medians of 5-6 alternated runs with the same load: bare Node
  \`tls\` 466-472 µs, \`netlab serve tls\` 513-520 µs (about 0.9x), netlab's server as a library 511-582 µs. The
  spread between runs on this shared 2-vCPU VM (410-610 µs for one and the same server) is as large as netlab's
  whole overhead, hence medians, alternation and the CPU-per-handshake column. The handshake itself dominates:
  OpenSSL's \`speed\` on this machine gives 21 µs for a P-256 signature, 65 µs for its verification, 30 µs for an
  X25519 exchange and 286 µs for an RSA 2048 signature.
- The load: a Node TLS client costs more CPU per handshake than the server (it verifies the P-256 signature, which
  costs about three times making it, and runs a full \`net.Socket\` + \`TLSSocket\` per connection), so one load
  process on its own CPU tops out around 1 200 P-256 handshakes/s while the server still has CPU to spare (in a quiet
  A/B: 1 245 handshakes/s with the load at 100 % and bare Node's server at 49 %, 394 µs per handshake, so about
  2 500/s if the load could keep up; netlab 1 243/s, 420 µs per handshake, in the same run); the
  tables then compare the client more than the servers, and the CPU per handshake is the fair server figure. With
  RSA 2048 the server's signature dominates and the server is the limit. \`netlab bench handshake\` prints its own CPU
  and warns above 90 % of a core; \`--workers\` helps only with a free CPU to put them on (not here, with the server
  pinned to the other one). Making one SecureContext per run instead of one per connection (what \`tls.connect\`
  does when given options only) raised the generator from about 810 to 980-1 250 handshakes/s against the same
  server.
- TLS echo 16 KiB, server CPU per round trip (medians of 3-5 alternated runs): bare Node 27-31 µs; a bare server
  that pauses on \`write() === false\` and resumes on \`drain\` (what netlab's echo does) 30 µs against 31 for the
  bare one in the same run, so pausing is not the cost; netlab's server and echo modules alone 29 µs against 27;
  the same server with the whole library imported (\`dist/index.js\`) 33 µs; \`netlab serve tls\` 45 µs, and the
  modules-only server with every CLI command imported as well 50 µs. The gap is what the process has loaded (a
  bigger, differently shaped V8 heap collected more often under load), not work per message or per connection: the
  same cause as the TCP 16 KiB gap. With the CLI loading only the command it runs (a change made for that TCP gap,
  built from its branch for this A/B), \`netlab serve tls\` needs 27 µs per 16 KiB round trip where the CLI that
  imports every command needs 33 and bare Node 23 (medians of 5 alternated runs): 0.85x bare Node by CPU, up from
  0.70x; what remains is mostly the modules \`serve\` still loads (transports, pcap writer, output), not the
  per-connection path.
- Anchors of the issue (a C epoll generator on 2 cores): bare Node 1 700 (P-256) / 1 260 (RSA 2048) handshakes/s,
  Twisted 1 280 / 890, openssl s_server 960 / 650; TLS echo C=50 64 B bare Node ~85 k, Twisted ~39 k round trips/s.
  Absolute numbers here are lower where the Node load generator is the limit; the ratios are what to compare.

The bare Node and Twisted servers are the scripts in bench/tls-peers.ts; \`openssl s_server -www\` serves one connection at a time.
`;

await main();
