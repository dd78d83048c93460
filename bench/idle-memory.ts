/**
 * Memory per idle connection: RSS of `netlab serve tcp`, of `netlab chat
 * serve` (every connection a user who joined with a name, so each holds a
 * chat user, its name in the room, its line reader and outgoing queue) and
 * of a bare Node `net` echo, each holding N idle connections from a separate
 * client process, minus its RSS before them. Same run, the servers
 * alternated, median of 3.
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
/** Chat users joining at once (see joinAll). */
const JOIN_BATCH = 200;
/** How long a server is left idle before its RSS is read. */
const SETTLE_MS = Number(process.env.NETLAB_BENCH_SETTLE_MS ?? '1000');
const START = '<!-- bench:idle-memory:start -->';
const END = '<!-- bench:idle-memory:end -->';
const BARE_NODE = `const net = require('node:net');
const server = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ address: '127.0.0.1:' + server.address().port })));`;

type Kind = 'netlab serve tcp' | 'netlab chat serve' | 'bare Node net echo';
const COMMANDS: Record<Kind, string[]> = {
  'netlab serve tcp': [CLI, 'serve', 'tcp', '-p', '0', '--json', '--max-conns', String(CONNS * 2)],
  'netlab chat serve': [CLI, 'chat', 'serve', '--tcp', '0', '--json', '--max-users', String(CONNS * 2), '--max-conns', String(CONNS * 2)],
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

/**
 * Names every chat connection, JOIN_BATCH at a time, waiting (at most 60 s a
 * batch) until the first user was told of each newcomer before the next
 * batch joins, as users trickle into a real room. (All 10000 at once would
 * queue each one's 10000 join notices at the same moment, and the RSS would
 * then measure that burst's high-water mark, not what an idle user costs.)
 * Every socket reads (and drops) what it is sent, as an idle chat client
 * would, so no one is cut off as a slow reader.
 */
async function joinAll(sockets: net.Socket[]): Promise<void> {
  let newlines = 0;
  (sockets[0] as net.Socket).on('data', (d: Buffer) => (newlines += d.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0)));
  for (const s of sockets.slice(1)) s.resume();
  for (let from = 0; from < sockets.length; from += JOIN_BATCH) {
    const to = Math.min(sockets.length, from + JOIN_BATCH);
    for (let i = from; i < to; i++) (sockets[i] as net.Socket).write(`idle${i}\n`);
    // The first user sees its greeting, its welcome, and one notice per later user.
    const want = to + 1;
    const deadline = Date.now() + 60_000;
    while (newlines < want && Date.now() < deadline) await sleep(20);
    if (newlines < want) throw new Error(`only ${newlines - 2} of ${to - 1} join notices arrived`);
    if (to % 2000 === 0) process.stderr.write(`  ${to} chat users joined\n`);
  }
}

async function measure(kind: Kind): Promise<number> {
  const { child, port } = await start(kind);
  try {
    await sleep(500);
    const before = rssKiB(child.pid as number);
    const sockets = await connectIdle(port, CONNS);
    if (kind === 'netlab chat serve') await joinAll(sockets);
    await sleep(SETTLE_MS); // let the server accept and settle
    const after = rssKiB(child.pid as number);
    for (const s of sockets) s.destroy();
    return ((after - before) * 1024) / CONNS;
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: Record<Kind, number[]> = { 'netlab serve tcp': [], 'netlab chat serve': [], 'bare Node net echo': [] };
const kinds = Object.keys(COMMANDS) as Kind[];
for (let run = 0; run < RUNS; run++) {
  // Rotate the order so no server always goes first.
  for (const kind of kinds.map((_, i) => kinds[(i + run) % kinds.length] as Kind)) {
    const perConn = await measure(kind);
    results[kind].push(perConn);
    console.log(`run ${run + 1}: ${kind}: ${Math.round(perConn)} B per idle connection`);
  }
}
const netlab = median(results['netlab serve tcp']);
const chat = median(results['netlab chat serve']);
const bare = median(results['bare Node net echo']);
/** Why netlab chat serve is over the target, while it is (measured by hand, not by this script). */
const CHAT_NOTE =
  'netlab chat serve misses the target. What a joined user keeps is small (measured by hand, 2026-11-22): in one process with `node --expose-gc`, 2000 users ' +
    'joined 200 at a time grew the JS heap by about 5.4 KB per user after a full GC, for the server end and the client end together, ' +
    'and external memory not at all. The rest of the RSS is what joining left behind: every join tells every user already there, so ' +
    '10000 joins send 50 million notices (about 1.5 GB of lines), and the per-receiver write buffers of those bursts are freed but, most likely, their ' +
    'pages are not given back to the system. Writing the shared line buffers with one vectored write per receiver (no ' +
    'Buffer.concat per receiver and turn) is the next thing to try; the session interface has no writev yet.';
const table = [
  START,
  '',
  `## Memory per idle connection (\`npm run bench:memory\`)`,
  '',
  `RSS growth of the server process while it holds ${CONNS} idle TCP connections from a separate client process, divided by ${CONNS}; median of ${RUNS}, the servers rotated run to run. For \`netlab chat serve\` every connection joined the room with a name, ${JOIN_BATCH} at a time (each batch's join notices delivered to everyone before the next joined), before the measurement. Node ${process.version}. Command: \`npm run bench:memory\` (bench/idle-memory.ts; \`NETLAB_BENCH_CONNS\` changes the count).`,
  '',
  '| server | bytes per idle connection | runs |',
  '|---|---:|---|',
  `| bare Node net echo | ${Math.round(bare)} | ${results['bare Node net echo'].map(Math.round).join(', ')} |`,
  `| netlab serve tcp | ${Math.round(netlab)} | ${results['netlab serve tcp'].map(Math.round).join(', ')} |`,
  `| netlab chat serve (joined users) | ${Math.round(chat)} | ${results['netlab chat serve'].map(Math.round).join(', ')} |`,
  '',
  `Ratio to bare Node (target: at most 1.5): netlab serve tcp **${(netlab / bare).toFixed(2)}**, netlab chat serve **${(chat / bare).toFixed(2)}**.`,
  '',
  ...(chat / bare <= 1.5 ? [] : [CHAT_NOTE, '']),
  END,
].join('\n');
console.log(table);
const doc = readFileSync(DOC, 'utf8');
const at = doc.indexOf(START);
const updated = at === -1 ? `${doc.trimEnd()}\n\n${table}\n` : `${doc.slice(0, at)}${table}${doc.slice(doc.indexOf(END) + END.length)}`;
writeFileSync(DOC, updated);
