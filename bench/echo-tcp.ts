/**
 * TCP echo round trips: `netlab serve tcp` against a bare Node `net` echo
 * (the ceiling of our stack), same machine, same run, A/B alternated,
 * median of 3. Each server runs in its own process; the load generator
 * keeps one 64-byte message in flight per connection (closed loop).
 *
 *   npm run bench:echo [-- --conns 50 --seconds 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const BARE_ECHO = `
const net = require('node:net');
const server = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ address: '127.0.0.1:' + server.address().port })));
`;

const { values } = parseArgs({
  options: { conns: { type: 'string', default: '50' }, seconds: { type: 'string', default: '3' }, size: { type: 'string', default: '64' }, runs: { type: 'string', default: '3' } },
});
const CONNS = Number(values.conns);
const SECONDS = Number(values.seconds);
const SIZE = Number(values.size);
const RUNS = Number(values.runs);

async function startServer(kind: 'netlab' | 'bare'): Promise<{ child: ChildProcess; port: number }> {
  const args = kind === 'netlab' ? [CLI, 'serve', 'tcp', '-p', '0', '--json', '--max-conns', '100000'] : ['-e', BARE_ECHO];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`${kind} server exited`)));
  });
  child.stdout?.resume();
  return { child, port };
}

/** Closed-loop ping-pong on CONNS connections for SECONDS; returns round trips per second. */
async function load(port: number): Promise<number> {
  const message = Buffer.alloc(SIZE, 0x61);
  let roundTrips = 0;
  let running = true;
  const sockets = await Promise.all(
    Array.from({ length: CONNS }, async () => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      await once(socket, 'connect');
      let pending = 0;
      socket.on('data', (d) => {
        pending -= d.length;
        if (pending <= 0) {
          roundTrips += 1;
          if (running) {
            pending = SIZE;
            socket.write(message);
          }
        }
      });
      return { socket, start: () => ((pending = SIZE), socket.write(message)) };
    }),
  );
  const started = process.hrtime.bigint();
  for (const s of sockets) s.start();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  running = false;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const count = roundTrips;
  for (const s of sockets) s.socket.destroy();
  return count / elapsed;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const results: Record<'netlab' | 'bare', number[]> = { netlab: [], bare: [] };
for (let run = 0; run < RUNS; run++) {
  for (const kind of run % 2 === 0 ? (['bare', 'netlab'] as const) : (['netlab', 'bare'] as const)) {
    const { child, port } = await startServer(kind);
    results[kind].push(await load(port));
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
const netlab = median(results.netlab);
const bare = median(results.bare);
console.log(`TCP echo, ${CONNS} connections, ${SIZE} B, ${SECONDS} s x ${RUNS} runs (median), one message in flight per connection`);
console.log(`| server | round trips/s |`);
console.log(`|---|---|`);
console.log(`| bare Node net echo | ${Math.round(bare)} |`);
console.log(`| netlab serve tcp | ${Math.round(netlab)} |`);
console.log(`| ratio netlab / bare | ${(netlab / bare).toFixed(2)} |`);
