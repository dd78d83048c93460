/**
 * Memory per idle connection: RSS of `netlab serve tcp` against a bare Node
 * `net` echo, and of `netlab chat serve` (every connection a user who joined
 * with a name, so each holds a chat user, its name in the room, its line
 * reader and outgoing queue) against a bare Node chat doing the same job,
 * each holding N idle connections from a separate client process, minus its
 * RSS before them. Same run, the servers alternated, median of 3.
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

/**
 * The same chat written the short way in plain Node: greeting, a name,
 * welcome, join notices and lines to everyone else, one write per line per
 * receiver, no limits. The ceiling of a Node chat for what a joined user
 * keeps, so netlab chat serve is compared with the same job.
 */
const BARE_NODE_CHAT = `const net = require('node:net');
const users = new Map();
const server = net.createServer((s) => {
  let name = '';
  let rest = '';
  s.setNoDelay(true);
  s.write('Welcome to the server, what is your name?\\n');
  s.on('data', (d) => {
    const lines = (rest + d.toString()).split('\\n');
    rest = lines.pop();
    for (const raw of lines) {
      const line = raw.replace(/\\r$/, '');
      if (name === '') {
        name = line.trim();
        s.write('Welcome to the chat ' + name + '. Please type !Q to quit.\\n');
        for (const u of users.keys()) u.write(name + ' has entered the chat\\n');
        users.set(s, name);
      } else {
        for (const u of users.keys()) if (u !== s) u.write(name + ': ' + line + '\\n');
      }
    }
  });
  s.on('close', () => users.delete(s));
  s.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ address: '127.0.0.1:' + server.address().port })));`;

type Kind = 'netlab serve tcp' | 'bare Node net echo' | 'netlab chat serve' | 'bare Node chat';
const COMMANDS: Record<Kind, string[]> = {
  'netlab serve tcp': [CLI, 'serve', 'tcp', '-p', '0', '--json', '--max-conns', String(CONNS * 2)],
  'bare Node net echo': ['-e', BARE_NODE],
  'netlab chat serve': [CLI, 'chat', 'serve', '--tcp', '0', '--json', '--max-users', String(CONNS * 2), '--max-conns', String(CONNS * 2)],
  'bare Node chat': ['-e', BARE_NODE_CHAT],
};
const CHAT_KINDS = new Set<Kind>(['netlab chat serve', 'bare Node chat']);

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
    if (CHAT_KINDS.has(kind)) await joinAll(sockets);
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
const results: Record<Kind, number[]> = { 'netlab serve tcp': [], 'bare Node net echo': [], 'netlab chat serve': [], 'bare Node chat': [] };
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
const bare = median(results['bare Node net echo']);
const chat = median(results['netlab chat serve']);
const bareChat = median(results['bare Node chat']);
/** Why netlab chat serve is over the target, while it is (measured by hand, not by this script). */
const CHAT_NOTE =
  'netlab chat serve misses the target, and the join storm, not what a user keeps, is why. Measured by hand (2026-11-22, `node --expose-gc` ' +
    'running dist/, 5000 users, `process.memoryUsage()` after a full GC): connecting cost 3.2 KB of live JS heap per connection (the session, ' +
    'the chat user, its line reader, queue and rate bucket) and 7.5 KB of RSS (V8 keeps more heap reserved than it uses); joining then added ' +
    'nothing to the live heap but 12.6 KB of RSS per user. Every join is announced to everyone already there (10000 joins, 50 million ' +
    "notices), and a receiver's notices of one event-loop turn leave in one write of their concatenation (`OutboundQueue.sendBatched`): with " +
    '200 joining at once that is tens of MB of short-lived buffers per turn, outside the V8 heap and freed only when a GC finds them, and the ' +
    'allocator keeps the pages of that peak. The bare Node chat writes each notice as a string, which Node copies on the stack, and keeps ' +
    'none of it. Joining batches into shared 64 KiB slabs instead changed nothing measurable (21.6 against 22.7 KB at 5000 users), so it was ' +
    "not kept. What should work: reuse one buffer for every receiver whose write the kernel takes at once (most of them), which needs the " +
    "session to say whether it still holds the bytes (TLS and the --pcap tap included). Fixed on the way: every session 'close' listener " +
    "used once(), a bound wrapper and a state object per listener and session (six per session, about 0.9 KB); they use on() now.";
const table = [
  START,
  '',
  `## Memory per idle connection (\`npm run bench:memory\`)`,
  '',
  `RSS growth of the server process while it holds ${CONNS} idle TCP connections from a separate client process, divided by ${CONNS}; median of ${RUNS}, the servers rotated run to run. For the two chat servers every connection joined the room with a name, ${JOIN_BATCH} at a time (each batch's join notices delivered to everyone before the next joined), before the measurement; the bare Node chat is the script in bench/idle-memory.ts (same greeting, names and notices, one write per line, no limits). Node ${process.version}. Command: \`npm run bench:memory\` (bench/idle-memory.ts; \`NETLAB_BENCH_CONNS\` changes the count).`,
  '',
  '| server | bytes per idle connection | runs |',
  '|---|---:|---|',
  ...kinds.map((k) => `| ${k}${CHAT_KINDS.has(k) ? ' (joined users)' : ''} | ${Math.round(median(results[k]))} | ${results[k].map(Math.round).join(', ')} |`),
  '',
  `Ratios (target: at most 1.5): netlab serve tcp ÷ bare Node net echo **${(netlab / bare).toFixed(2)}**; ` +
    `netlab chat serve ÷ bare Node chat **${(chat / bareChat).toFixed(2)}** (÷ bare Node net echo ${(chat / bare).toFixed(2)}).`,
  '',
  ...(chat / bareChat <= 1.5 ? [] : [CHAT_NOTE, '']),
  END,
].join('\n');
console.log(table);
const doc = readFileSync(DOC, 'utf8');
const at = doc.indexOf(START);
const updated = at === -1 ? `${doc.trimEnd()}\n\n${table}\n` : `${doc.slice(0, at)}${table}${doc.slice(doc.indexOf(END) + END.length)}`;
writeFileSync(DOC, updated);
