/**
 * What the peer comparisons (bench/echo-peers.ts, bench/tls-peers.ts) share:
 * finding peers, starting servers pinned to CPU 0 on a free port, waiting
 * until they answer, running the load pinned to CPU 1, medians, the CPU time
 * a server used, and writing a marked section of docs/performance.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
export const DOC = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
/** Debian's Python: the one with python3-twisted and python3-openssl. */
export const PYTHON = '/usr/bin/python3';

/** With taskset and at least 2 CPUs, servers run on CPU 0 and the load on CPU 1. */
export const PIN = has('taskset') && os.cpus().length >= 2;
export const SERVER_CPU = ['taskset', '-c', '0'];
export const LOAD_CPU = ['taskset', '-c', '1'];

/** A server to compare. */
export interface Peer {
  name: string;
  /** argv of the server; PORT (also inside an argument) is replaced by the port. */
  argv: string[];
  /** Why it cannot run here, if it cannot. */
  missing?: string;
}

/** One run of a chat load (`netlab bench chat --json`, or a peer's load with the same fields). */
export interface ChatSample {
  /** Delivered lines per second. */
  delivered: number;
  /** Delivery latency percentiles, in µs. */
  p50: number;
  p99: number;
  missing: number;
  errors: number;
}

/** A started peer. */
export interface Running {
  peer: Peer;
  child: ChildProcess;
  port: number;
  /** The command as run, scripts shown as <script>. */
  command: string;
}

export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function pythonHas(module: string): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

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

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function tcpAccepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/**
 * Waits until the server on `port` accepts (TCP) or answers (UDP).
 * @throws when the child exits or 15 s pass
 */
export async function waitForPort(port: number, child: ChildProcess, name: string, udp: boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await (udp ? udpAnswers(port) : tcpAccepts(port));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on ${port}`);
}

/**
 * Starts `peer` on a free port, pinned to the server CPU, and waits until it listens.
 * @throws when it does not start
 */
export async function startPeer(peer: Peer, udp: boolean): Promise<Running> {
  const port = await freePort();
  const argv = [...(PIN ? SERVER_CPU : []), ...peer.argv.map((a) => (a === 'PORT' ? String(port) : a.replace('PORT', String(port))))];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], detached: false });
  await waitForPort(port, child, peer.name, udp);
  const shown = argv.map((a) => (a.includes('\n') ? '<script>' : a)).join(' ');
  return { peer, child, port, command: shown };
}

/** Stops every started peer (SIGTERM, SIGKILL after 3 s). */
export async function stopAll(running: Running[]): Promise<void> {
  for (const r of running) {
    r.child.kill('SIGTERM');
    await Promise.race([once(r.child, 'exit'), new Promise((res) => setTimeout(res, 3000))]);
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  }
}

/** Runs a `--json` load command to completion: its JSON, or "failed: <last stderr line>". */
export function runJson<T>(argv: string[], timeoutSeconds: number): T | string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: timeoutSeconds * 1000 });
  if (r.status !== 0) return `failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? r.status}`;
  return JSON.parse(r.stdout) as T;
}

/** CPU seconds (user + system) process `pid` has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Busy and total jiffies of the CPUs the benchmarks use (the server's and
 * the load's when pinned, else all), from /proc/stat (Linux); empty elsewhere.
 * Time the hypervisor gave to other guests (steal) is not our work: it
 * counts as neither busy nor total.
 */
function cpuTimes(): Array<{ busy: number; total: number }> {
  const pinned = PIN ? new Set([SERVER_CPU.at(-1), LOAD_CPU.at(-1)].map((c) => `cpu${c}`)) : undefined;
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((line) => /^cpu\d+ /.test(line) && (pinned === undefined || pinned.has(line.slice(0, line.indexOf(' ')))))
      .map((line) => {
        // user nice system idle iowait irq softirq steal guest guest_nice;
        // guest time is already counted in user.
        const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0] = line.split(/\s+/).slice(1).map(Number);
        const busy = user + nice + system + irq + softirq;
        return { busy, total: busy + idle + iowait };
      });
  } catch {
    return [];
  }
}

/**
 * Waits until the benchmark's CPUs are nearly idle (under 10 % busy over
 * 250 ms), at most 15 s. A peer that forks per connection (socat, ncat)
 * leaves hundreds of children exiting on the server CPU after its run;
 * without this wait the next peer measured pays for them (netlab lost
 * 10-25 % at C=500 that way).
 */
export async function settle(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const before = cpuTimes();
    await new Promise((r) => setTimeout(r, 250));
    const after = cpuTimes();
    const quiet = after.every((t, i) => {
      const b = before[i];
      if (b === undefined || t.total === b.total) return true;
      return (t.busy - b.busy) / (t.total - b.total) < 0.1;
    });
    if (quiet) return;
  }
}

/**
 * The order to measure `items` in on run `run`: rotated by one each run and
 * reversed every other run, so no peer is always first or always after the
 * same one (A/B alternation).
 */
export function alternated<T>(items: readonly T[], run: number): T[] {
  const order = items.map((_, i) => items[(i + run) % items.length] as T);
  if (run % 2 === 1) order.reverse();
  return order;
}

/** Per scenario title, per peer name: the samples, or why the peer could not be measured. */
export type Results<S> = Map<string, Map<string, S[] | string>>;

/** Seconds of unmeasured load each fresh server gets first (see measureAll). */
export const WARM_UP_SECONDS = 3;

/**
 * Measures each scenario on freshly started servers: every installed peer is
 * started, given WARM_UP_SECONDS of the scenario's load that is not
 * recorded, measured RUNS times in alternated order, each run once the
 * machine is quiet again (settle()), and stopped before the next scenario; a
 * peer that fails once is not measured again in that scenario.
 *
 * The warm-up is there because a fresh Node server is still compiling its hot
 * paths during its first seconds of load, and the more JavaScript a server
 * runs per connection, the longer that takes. Six alternated 3 s rounds of
 * RSA handshakes on fresh servers: netlab serve tls needed 919, 793, then
 * 697-728 µs of CPU per handshake; bare Node 756, 761, then 624-638. Every
 * peer gets the same warm-up, so none is favoured.
 *
 * Fresh servers make a scenario's result independent of the scenarios run
 * before it. A Node server's allocator remembers its past: after a while of
 * small messages and idle gaps, glibc's malloc returns freed memory to the
 * kernel at every turn, and at 16 KiB per message bare Node and netlab alike
 * then lose a third of their speed to page faults (docs/performance.md).
 * @param describe one progress line per sample (for stderr)
 * @returns the samples, and the servers of the last scenario (for their commands; stopped by then)
 */
export async function measureAll<Scenario extends { title: string }, S>(options: {
  title: string;
  peers: Peer[];
  scenarios: Scenario[];
  runs: number;
  udp: boolean;
  /** Runs the scenario's load for `seconds`; a string result is that peer's failure. */
  measure: (scenario: Scenario, running: Running, seconds?: number) => S | string;
  describe: (sample: S, scenario: Scenario) => string;
}): Promise<{ results: Results<S>; running: Running[] }> {
  let running: Running[] = [];
  const results: Results<S> = new Map();
  for (const s of options.scenarios) {
    running = [];
    try {
      for (const p of options.peers.filter((x) => x.missing === undefined)) running.push(await startPeer(p, options.udp));
      const row = new Map<string, S[] | string>();
      results.set(s.title, row);
      for (const r of running) {
        await settle();
        const warm = options.measure(s, r, WARM_UP_SECONDS);
        if (typeof warm === 'string') row.set(r.peer.name, warm);
      }
      for (let run = 0; run < options.runs; run++) {
        for (const r of alternated(running, run)) {
          const prior = row.get(r.peer.name);
          if (typeof prior === 'string') continue;
          await settle();
          const sample = options.measure(s, r);
          row.set(r.peer.name, typeof sample === 'string' ? sample : [...(prior ?? []), sample]);
          process.stderr.write(`${options.title} ${s.title} | ${r.peer.name} | run ${run + 1}: ${typeof sample === 'string' ? sample : options.describe(sample, s)}\n`);
        }
      }
    } finally {
      await stopAll(running);
    }
  }
  return { results, running };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor(s.length / 2)] as number);
};

/** `argv` as shown in the docs: node, dist/cli/main.js, DIR and PORT instead of local paths and numbers. */
export function display(argv: string, port: number, dirs: Record<string, string> = {}): string {
  let shown = argv.replace(process.execPath, 'node').replace(CLI, 'dist/cli/main.js');
  for (const [path, name] of Object.entries(dirs)) shown = shown.replaceAll(path, name);
  return shown.replace(new RegExp(`\\b${port}\\b`, 'g'), 'PORT');
}

/** "Measured DATE on N CPU(s) (model), Node vX" for a section header. */
export function machine(): string {
  const cpus = os.cpus();
  return `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), Node ${process.version}`;
}

/**
 * Replaces the text between `start` and `end` (markers included in `section`)
 * in docs/performance.md, or appends the section; the rest of the file is kept.
 */
export function writeSection(start: string, end: string, section: string): void {
  const doc = readFileSync(DOC, 'utf8');
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  const next = a !== -1 && b > a ? `${doc.slice(0, a)}${section}${doc.slice(b + end.length)}` : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(DOC, next);
  process.stderr.write(`updated ${DOC.replace(ROOT, '')}\n`);
}
