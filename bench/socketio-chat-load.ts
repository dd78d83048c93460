/**
 * `netlab bench chat`'s closed loop, driven through socket.io-client against
 * bench/socketio-chat-node.mjs nodes: USERS users spread over the ports in
 * turn, the first SENDERS of them sending; each sender keeps at most K lines
 * that the watcher (the last user) has not been delivered yet, and sends the
 * next as soon as one is. A line's text is the same as netlab's bench line
 * (`~`, 15 digits of send time in µs on the monotonic clock, 6 digits of
 * sender); every delivery to every user is counted and timed. Prints one
 * JSON report with the fields bench/chat-peers.ts reads from `netlab bench
 * chat --json`.
 *
 *   node --import tsx bench/socketio-chat-load.ts PORT[,PORT...] USERS SENDERS K SECONDS
 */
import { io, type Socket } from 'socket.io-client';
import { monotonicMicros } from '../src/load/chat-scenario.js';
import { DIGITS, ID_DIGITS } from '../src/load/chat-lines.js';
import { LoadMetrics } from '../src/load/metrics.js';

const [portList, usersArg, sendersArg, kArg, secondsArg] = process.argv.slice(2);
const ports = String(portList).split(',').map(Number);
const USERS = Number(usersArg);
const SENDERS = Number(sendersArg);
const K = Number(kArg);
const SECONDS = Number(secondsArg);
const CONNECT_TIMEOUT_MS = 10_000;
const DRAIN_MS = 5000;

interface User {
  socket: Socket;
  id: number;
  inFlight: number;
  sent: number;
}

const metrics = new LoadMetrics();
const users: User[] = [];
let open = false;

function line(id: number): string {
  return `~${String(monotonicMicros()).padStart(DIGITS, '0')}${String(id).padStart(ID_DIGITS, '0')}`;
}

function pump(user: User): void {
  while (open && user.inFlight < K) {
    user.socket.emit('line', line(user.id));
    user.inFlight += 1;
    user.sent += 1;
  }
}

function connect(index: number): Promise<User> {
  const socket = io(`http://127.0.0.1:${ports[index % ports.length]}`, {
    transports: ['websocket'],
    auth: { name: `u${index}` },
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
  });
  const user: User = { socket, id: index, inFlight: 0, sent: 0 };
  const watcher = index === USERS - 1;
  socket.on('line', (text: string) => {
    const at = text.indexOf('~');
    if (at === -1) return;
    const sentUs = Number(text.slice(at + 1, at + 1 + DIGITS));
    metrics.completed += 1;
    metrics.record(monotonicMicros() - sentUs);
    if (!watcher) return;
    const sender = users[Number(text.slice(at + 1 + DIGITS, at + 1 + DIGITS + ID_DIGITS))];
    if (sender === undefined) return;
    sender.inFlight -= 1;
    pump(sender);
  });
  socket.on('disconnect', () => {
    if (open) metrics.error(new Error('a socket.io node closed a connection'));
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(user));
    socket.once('connect_error', reject);
  });
}

// At most 50 handshakes at once, like the netlab generator's connect concurrency.
for (let i = 0; i < USERS; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, USERS - i) }, (_, j) => connect(i + j)));
  users.push(...batch);
}
// Let the join traffic settle (socket.io sends no join notices, but the adapters sync).
await new Promise((resolve) => setTimeout(resolve, 500));
const startedUs = monotonicMicros();
open = true;
for (const s of users.slice(0, SENDERS)) pump(s);
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
open = false;
const elapsed = (monotonicMicros() - startedUs) / 1e6;
const sent = users.slice(0, SENDERS).reduce((n, u) => n + u.sent, 0);
const expected = sent * (USERS - 1);
const deadline = Date.now() + DRAIN_MS;
while (metrics.completed < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
const report = {
  scenario: 'chat',
  transport: 'socket.io',
  clients: USERS,
  senders: SENDERS,
  in_flight: K,
  duration_s: elapsed,
  sent,
  delivered: metrics.completed,
  expected_deliveries: expected,
  missing: Math.max(0, expected - metrics.completed),
  delivered_per_s: Math.round((metrics.completed / elapsed) * 10) / 10,
  latency_us: metrics.latency(),
  errors: metrics.errors,
  timeouts: 0,
};
for (const u of users) u.socket.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
