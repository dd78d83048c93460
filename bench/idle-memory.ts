/**
 * Memory per idle connection: RSS of `netlab serve tcp` and of a bare Node
 * `net` echo, each holding N idle connections from a separate client
 * process, minus its RSS before them. Same run, A/B alternated, median of 3.
 * Writes its table into docs/performance.md between two markers.
 *
 *   npm run bench:memory            (NETLAB_BENCH_CONNS=10000 by default)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const DOC = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
const CONNS = Number(process.env.NETLAB_BENCH_CONNS ?? '10000');
const RUNS = Number(process.env.NETLAB_BENCH_RUNS ?? '3');
const START = '<!-- bench:idle-memory:start -->';
const END = '<!-- bench:idle-memory:end -->';
const BARE_NODE = `const net = require('node:net');
const server = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ address: '127.0.0.1:' + server.address().port })));`;

type Kind = 'netlab serve tcp' | 'bare Node net echo';
const COMMANDS: Record<Kind, string[]> = {
  'netlab serve tcp': [CLI, 'serve', 'tcp', '-p', '0', '--json', '--max-conns', String(CONNS * 2)],
  'bare Node net echo': ['-e', BARE_NODE],
};

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function start(kind: Kind): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, COMMANDS[kind], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`${kind} exited`)));
  });
  // Connection logs go to this pipe: keep it drained so the server never blocks on it.
  child.stdout?.resume();
  return { child, port };
}

/** Opens `count` idle connections, at most 500 in flight. */
async function connectIdle(port: number, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let opened = 0; opened < count; ) {
    const batch = Math.min(500, count - opened);
    const made = await Promise.all(
      Array.from({ length: batch }, async () => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        return socket;
      }),
    );
    sockets.push(...made);
    opened += batch;
  }
  return sockets;
}

async function measure(kind: Kind): Promise<number> {
  const { child, port } = await start(kind);
  try {
    await sleep(500);
    const before = rssKiB(child.pid as number);
    const sockets = await connectIdle(port, CONNS);
    await sleep(1000); // let the server accept and settle
    const after = rssKiB(child.pid as number);
    for (const s of sockets) s.destroy();
    return ((after - before) * 1024) / CONNS;
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: Record<Kind, number[]> = { 'netlab serve tcp': [], 'bare Node net echo': [] };
const kinds = Object.keys(COMMANDS) as Kind[];
for (let run = 0; run < RUNS; run++) {
  for (const kind of run % 2 === 0 ? kinds : [...kinds].reverse()) {
    const perConn = await measure(kind);
    results[kind].push(perConn);
    console.log(`run ${run + 1}: ${kind}: ${Math.round(perConn)} B per idle connection`);
  }
}
const netlab = median(results['netlab serve tcp']);
const bare = median(results['bare Node net echo']);
const table = [
  START,
  '',
  `## Memory per idle connection (\`npm run bench:memory\`)`,
  '',
  `RSS growth of the server process while it holds ${CONNS} idle TCP connections from a separate client process, divided by ${CONNS}; median of ${RUNS}, the two servers alternated in the same run. Node ${process.version}. Command: \`npm run bench:memory\` (bench/idle-memory.ts; \`NETLAB_BENCH_CONNS\` changes the count).`,
  '',
  '| server | bytes per idle connection | runs |',
  '|---|---:|---|',
  `| bare Node net echo | ${Math.round(bare)} | ${results['bare Node net echo'].map(Math.round).join(', ')} |`,
  `| netlab serve tcp | ${Math.round(netlab)} | ${results['netlab serve tcp'].map(Math.round).join(', ')} |`,
  '',
  `Ratio netlab / bare Node: **${(netlab / bare).toFixed(2)}** (target: at most 1.5).`,
  '',
  END,
].join('\n');
console.log(table);
const doc = readFileSync(DOC, 'utf8');
const at = doc.indexOf(START);
const updated = at === -1 ? `${doc.trimEnd()}\n\n${table}\n` : `${doc.slice(0, at)}${table}${doc.slice(doc.indexOf(END) + END.length)}`;
writeFileSync(DOC, updated);
