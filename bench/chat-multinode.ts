/**
 * One chat room over several processes on one Redis, against what a Node
 * developer would pick instead: socket.io with @socket.io/redis-adapter
 * (bench/socketio-chat-node.mjs). Part of `npm run bench:chat`.
 *
 * - 2 nodes on one redis-server, users spread over them in turn (so are the
 *   senders and the watcher): `netlab chat serve --redis` driven by `netlab
 *   bench chat --also-port`, socket.io driven by bench/socketio-chat-load.ts,
 *   the same closed loop (each sender keeps at most K lines the watcher has
 *   not been delivered) and the same line text.
 * - 1 node with the Redis bus against 1 node without it: what the bus costs
 *   (both netlab and socket.io, each against itself).
 *
 * Servers and redis-server are pinned to CPU 0, the load to CPU 1; every run
 * starts fresh processes and a fresh redis-server, gives them one unrecorded
 * warm-up load, then measures; setups alternate run to run; medians. (No
 * settle() between runs: it is for peers that fork per connection, and none
 * here does; the previous run's processes have exited before the next
 * starts.) Also reported: the CPU time the servers (nodes and redis-server
 * together) used per delivered line, and how busy that kept them: when they
 * are far from 100 %, the load process on the other CPU is the limit, and
 * the CPU per line is the fairer comparison of the servers.
 *
 *   npm run bench:chat                      (after the single-node table)
 *   NETLAB_BENCH_CHAT_ONLY=multinode npm run bench:chat
 *   NETLAB_BENCH_MULTINODE_USERS=100 NETLAB_BENCH_MULTINODE_SENDERS=10 NETLAB_BENCH_MULTINODE_IN_FLIGHT=16
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CLI, LOAD_CPU, PIN, ROOT, SERVER_CPU, alternated, cpuSeconds, freePort, has, machine, median, tcpAccepts, writeSection, type ChatSample } from './peer-runner.js';

const SECONDS = Number(process.env.NETLAB_BENCH_SECONDS ?? '2');
const RUNS = Number(process.env.NETLAB_BENCH_RUNS ?? '3');
const USERS = (process.env.NETLAB_BENCH_MULTINODE_USERS ?? '100').split(',').map(Number);
const SENDERS = Number(process.env.NETLAB_BENCH_MULTINODE_SENDERS ?? '10');
const IN_FLIGHT = Number(process.env.NETLAB_BENCH_MULTINODE_IN_FLIGHT ?? '16');
const WARM_UP_SECONDS = 1;
const START = '<!-- bench:chat-multinode:start -->';
const END = '<!-- bench:chat-multinode:end -->';
const REDIS_SERVER = '/usr/bin/redis-server';
const SOCKETIO_NODE = fileURLToPath(new URL('./socketio-chat-node.mjs', import.meta.url));
const SOCKETIO_LOAD = fileURLToPath(new URL('./socketio-chat-load.ts', import.meta.url));

type Kind = 'netlab' | 'socket.io';

interface Setup {
  name: string;
  kind: Kind;
  nodes: number;
  redis: boolean;
}

const SETUPS: Setup[] = [
  { name: 'netlab, 2 nodes, Redis', kind: 'netlab', nodes: 2, redis: true },
  { name: 'socket.io, 2 nodes, Redis adapter', kind: 'socket.io', nodes: 2, redis: true },
  { name: 'netlab, 1 node, --redis', kind: 'netlab', nodes: 1, redis: true },
  { name: 'netlab, 1 node, no Redis', kind: 'netlab', nodes: 1, redis: false },
  { name: 'socket.io, 1 node, Redis adapter', kind: 'socket.io', nodes: 1, redis: true },
  { name: 'socket.io, 1 node, no adapter', kind: 'socket.io', nodes: 1, redis: false },
];

interface Sample extends ChatSample {
  /** Server CPU (nodes + redis-server) per delivered line, in µs. */
  cpuPerLineUs: number;
  /** Server CPU seconds per second of the measured load (1 = one CPU busy all the time). */
  serverBusy: number;
}

interface Started {
  child: ChildProcess;
  port: number;
  command: string;
}

async function startProcess(argv: string[], port: number, name: string): Promise<Started> {
  const full = [...(PIN ? SERVER_CPU : []), ...argv];
  // Banners and connection logs are not wanted here; a node that fails to start is caught by the port check.
  const child = spawn(full[0] as string, full.slice(1), { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (!(await tcpAccepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, command: full.map((a) => (a === '' ? "''" : a)).join(' ') };
}

async function stopProcess(s: Started): Promise<void> {
  s.child.kill('SIGTERM');
  await Promise.race([once(s.child, 'exit'), new Promise((r) => setTimeout(r, 3000))]);
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
}

function nodeArgv(setup: Setup, port: number, redisUrl: string | undefined): string[] {
  if (setup.kind === 'netlab') {
    return [process.execPath, CLI, 'chat', 'serve', '--tcp', String(port), '--rate-limit', '0', '--max-users', '10000', '--max-conns', '10000', ...(redisUrl !== undefined ? ['--redis', redisUrl] : [])];
  }
  return [process.execPath, SOCKETIO_NODE, String(port), ...(redisUrl !== undefined ? [redisUrl] : [])];
}

function loadArgv(setup: Setup, ports: number[], users: number, seconds: number): string[] {
  const argv =
    setup.kind === 'netlab'
      ? [process.execPath, CLI, 'bench', 'chat', '127.0.0.1', String(ports[0]), ...ports.slice(1).flatMap((p) => ['--also-port', String(p)]),
          '-c', String(users), '--senders', String(SENDERS), '--in-flight', String(IN_FLIGHT), '-d', String(seconds), '--json']
      : [process.execPath, '--import', 'tsx', SOCKETIO_LOAD, ports.join(','), String(users), String(SENDERS), String(IN_FLIGHT), String(seconds)];
  return [...(PIN ? LOAD_CPU : []), ...argv];
}

/** A command as the docs show it: node, paths relative to the repository, ports named. */
function shown(command: string, ports: Map<number, string>): string {
  let text = command.replaceAll(process.execPath, 'node').replaceAll(CLI, 'dist/cli/main.js').replaceAll(ROOT, '');
  for (const [port, name] of ports) text = text.replace(new RegExp(`\\b${port}\\b`, 'g'), name);
  return text;
}

function runLoad(argv: string[]): (ChatSample & { durationS: number }) | string {
  // A delivery counted twice (a line delivered twice by a bus) would hide behind `missing`, which stops at 0: counted as an error.
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: (SECONDS + 120) * 1000 });
  if (r.status !== 0) return `failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? r.status}`;
  const j = JSON.parse(r.stdout) as {
    delivered_per_s: number;
    delivered: number;
    expected_deliveries: number;
    duration_s: number;
    latency_us: { p50: number; p99: number };
    missing: number;
    errors: number;
  };
  const duplicates = Math.max(0, j.delivered - j.expected_deliveries);
  return { delivered: j.delivered_per_s, p50: j.latency_us.p50, p99: j.latency_us.p99, missing: j.missing, errors: j.errors + duplicates, durationS: j.duration_s };
}

const commands = new Map<string, string[]>();

/** One run of one setup on fresh processes: warm-up, then the measured load. */
async function measure(setup: Setup, users: number): Promise<Sample | string> {
  const started: Started[] = [];
  const names = new Map<number, string>();
  try {
    let redisUrl: string | undefined;
    if (setup.redis) {
      const port = await freePort();
      started.push(await startProcess([REDIS_SERVER, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], port, 'redis-server'));
      redisUrl = `redis://127.0.0.1:${port}`;
      names.set(port, 'REDIS_PORT');
    }
    const ports: number[] = [];
    for (let i = 0; i < setup.nodes; i++) {
      const port = await freePort();
      started.push(await startProcess(nodeArgv(setup, port, redisUrl), port, setup.name));
      ports.push(port);
      names.set(port, setup.nodes === 1 ? 'PORT' : `PORT${i + 1}`);
    }
    // The netlab nodes announce themselves to each other over Redis: let the link come up.
    await new Promise((r) => setTimeout(r, 300));
    const warm = runLoad(loadArgv(setup, ports, users, WARM_UP_SECONDS));
    if (typeof warm === 'string') return warm;
    const argv = loadArgv(setup, ports, users, SECONDS);
    commands.set(setup.name, [...started.map((s) => shown(s.command, names)), shown(argv.join(' '), names)]);
    const cpuBefore = started.reduce((sum, s) => sum + cpuSeconds(s.child.pid), 0);
    const result = runLoad(argv);
    const cpuAfter = started.reduce((sum, s) => sum + cpuSeconds(s.child.pid), 0);
    if (typeof result === 'string') return result;
    const cpu = cpuAfter - cpuBefore;
    // The load's own window: its users' joins and the drain are in the CPU time too, so this slightly overstates both.
    return { ...result, cpuPerLineUs: (cpu * 1e6) / (result.delivered * result.durationS), serverBusy: cpu / result.durationS };
  } finally {
    for (const s of started.reverse()) await stopProcess(s);
  }
}

type Results = Map<number, Map<string, Sample[] | string>>;

export async function runMultiNode(): Promise<void> {
  if (!has(REDIS_SERVER)) {
    process.stderr.write(`multi-node chat: skipped, ${REDIS_SERVER} not installed\n`);
    return;
  }
  const results: Results = new Map();
  for (const users of USERS) {
    const row = new Map<string, Sample[] | string>();
    results.set(users, row);
    for (let run = 0; run < RUNS; run++) {
      for (const setup of alternated(SETUPS, run)) {
        const prior = row.get(setup.name);
        if (typeof prior === 'string') continue;
        const sample = await measure(setup, users);
        row.set(setup.name, typeof sample === 'string' ? sample : [...(prior ?? []), sample]);
        process.stderr.write(
          `chat multi-node ${users} users | ${setup.name} | run ${run + 1}: ` +
            `${typeof sample === 'string' ? sample : `${Math.round(sample.delivered)} lines/s, p50 ${sample.p50} p99 ${sample.p99} µs, ${sample.cpuPerLineUs.toFixed(2)} µs CPU/line, servers ${Math.round(sample.serverBusy * 100)} % busy`}\n`,
        );
      }
    }
  }
  const section = render(results);
  process.stdout.write(`${section}\n`);
  writeSection(START, END, section);
}

function summary(samples: Sample[] | string | undefined): { rate: number; cells: string[] } {
  if (samples === undefined) return { rate: NaN, cells: ['not run', '', '', '', ''] };
  if (typeof samples === 'string') return { rate: NaN, cells: [samples, '', '', '', ''] };
  const rate = median(samples.map((s) => s.delivered));
  const bad = samples.reduce((n, s) => n + s.missing + s.errors, 0);
  const ms = (us: number): string => (us / 1000).toFixed(1);
  return {
    rate,
    cells: [
      `${Math.round(rate)}${bad > 0 ? ` (${bad} missing/errors)` : ''}`,
      ms(median(samples.map((s) => s.p50))),
      ms(median(samples.map((s) => s.p99))),
      median(samples.map((s) => s.cpuPerLineUs)).toFixed(2),
      `${Math.round(median(samples.map((s) => s.serverBusy)) * 100)} %`,
    ],
  };
}

function render(results: Results): string {
  const out = [
    START,
    '## One room on several processes (`--redis`) against socket.io (`npm run bench:chat`)',
    '',
    `${machine()}, ${SECONDS} s per run after a ${WARM_UP_SECONDS} s warm-up, median of ${RUNS} runs, setups alternated run to run, ` +
      'fresh servers and a fresh redis-server (persistence off) every run; ' +
      (PIN ? 'servers and redis-server pinned to CPU 0, the load to CPU 1 with taskset.' : 'no CPU pinning (taskset or a second CPU missing).'),
    '',
    `Load: ${SENDERS} senders, closed loop with at most ${IN_FLIGHT} lines in flight per sender (a line leaves the flight when the watcher, ` +
      'the last user joined, is delivered it); users, senders and the watcher spread over the nodes in turn, so about half the lines ' +
      'cross Redis to reach the watcher. netlab: `netlab bench chat --also-port`; socket.io: bench/socketio-chat-load.ts, the same ' +
      'loop and line text over socket.io-client (WebSocket transport). Delivered lines/s counts every line every user got; latency is ' +
      'from the send to each delivery. "Server CPU µs/line" is the CPU time of the servers and redis-server together per delivered line, ' +
        '"servers busy" that CPU time per second of the run (100 % is all of CPU 0): far under 100 %, the load process on CPU 1 is the ' +
        'limit, and the CPU per line is the fairer comparison of the servers.',
    '',
  ];
  for (const [users, row] of results) {
    out.push(`### ${users} users x ${SENDERS} senders`, '', '| setup | lines/s | p50 ms | p99 ms | server CPU µs/line | servers busy |', '|---|---:|---:|---:|---:|---:|');
    const rates = new Map<string, number>();
    for (const setup of SETUPS) {
      const s = summary(row.get(setup.name));
      rates.set(setup.name, s.rate);
      out.push(`| ${setup.name} | ${s.cells.join(' | ')} |`);
    }
    const ratio = (a: string, b: string): string => {
      const x = rates.get(a);
      const y = rates.get(b);
      return x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) ? `${(x / y).toFixed(2)}x` : 'n/a';
    };
    out.push(
      '',
      `2 nodes: netlab ÷ socket.io = ${ratio(SETUPS[0]!.name, SETUPS[1]!.name)} delivered lines/s. ` +
        `The bus on 1 node: netlab with --redis ÷ without = ${ratio(SETUPS[2]!.name, SETUPS[3]!.name)}; ` +
        `socket.io with the adapter ÷ without = ${ratio(SETUPS[4]!.name, SETUPS[5]!.name)}.`,
      '',
    );
  }
  out.push('Commands of the last run of each setup (ports picked per run):', '');
  for (const setup of SETUPS) {
    const c = commands.get(setup.name);
    if (c !== undefined) out.push(`- ${setup.name}: ${c.map((x) => `\`${x}\``).join('; ')}`);
  }
  out.push('', END);
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runMultiNode();
