/**
 * UDP source-port floods against the real CLI on loopback: one datagram from
 * each of many ports (as a forged-source flood looks) must neither lock new
 * peers out of `serve udp` nor fill `chat serve`'s room, and what the server
 * sends meanwhile stays bounded by what the flood sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { CLI, RunningProcess, startServeCli } from '../helpers/cli.js';
import { eventually } from '../helpers/servers.js';

const FLOOD_PORTS = 1200;

interface Flood {
  sockets: dgram.Socket[];
  /** Bytes the flood sent, and bytes the server sent back to the flood's ports. */
  sent: number;
  received: number;
  close(): void;
}

/** Binds `n` UDP sockets on 127.0.0.1 (ports chosen by the kernel) that count what comes back. */
async function floodSockets(n: number): Promise<Flood> {
  const flood: Flood = {
    sockets: [],
    sent: 0,
    received: 0,
    close: () => {
      for (const s of flood.sockets) s.close();
    },
  };
  for (let i = 0; i < n; i++) {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg) => (flood.received += msg.length));
    socket.on('error', () => undefined);
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    flood.sockets.push(socket);
  }
  return flood;
}

/** Each socket sends one datagram (`payload(i)`), in batches so the kernel's buffers take them. */
async function sendOnceEach(flood: Flood, port: number, payload: (i: number) => Buffer): Promise<void> {
  for (let i = 0; i < flood.sockets.length; i++) {
    const data = payload(i);
    flood.sent += data.length;
    (flood.sockets[i] as dgram.Socket).send(data, port, '127.0.0.1');
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
  }
}

/** A real UDP peer: sends `text` and resolves with the first answer (or '' after 2 s). */
async function ask(socket: dgram.Socket, port: number, text: string): Promise<string> {
  const answer = new Promise<string>((resolve) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      resolve('');
    }, 2000);
    function onMessage(msg: Buffer): void {
      clearTimeout(timer);
      resolve(msg.toString());
    }
    socket.once('message', onMessage);
  });
  socket.send(text, port, '127.0.0.1');
  return answer;
}

test('serve udp --max-conns 100: one datagram from each of 1 200 ports locks no new peer out, and gets no more back than it sent', async (t) => {
  const { proc, port } = await startServeCli(['udp', '--max-conns', '100']);
  t.after(() => proc.stop('SIGKILL'));
  const flood = await floodSockets(FLOOD_PORTS);
  t.after(() => flood.close());
  await sendOnceEach(flood, port, (i) => Buffer.from(`flood ${String(i).padStart(5, '0')}`));
  // Most of the flood reached the server (each new port is logged as a peer).
  const peersLogged = (): number => proc.stdout.split('"event":"connect"').length - 1;
  await eventually(() => peersLogged() >= FLOOD_PORTS * 0.9, 10_000, 'the flood received').catch(() => assert.fail(`${peersLogged()} flood peers logged`));
  const peer = dgram.createSocket('udp4');
  t.after(() => peer.close());
  peer.bind(0, '127.0.0.1');
  await once(peer, 'listening');
  assert.equal(await ask(peer, port, 'hello'), 'hello', 'a new peer is answered after the flood');
  assert.equal(await ask(peer, port, 'proven now'), 'proven now', 'its second datagram proves it and is answered too');
  assert.equal(await ask(peer, port, 'still here'), 'still here');
  assert.ok(flood.received <= flood.sent, `server sent the flood ${flood.received} B for ${flood.sent} B`);
});

test('serve udp --max-conns 1: a proving peer with no seat free gets no notice larger than its datagram', async (t) => {
  const { proc, port } = await startServeCli(['udp', '--max-conns', '1']);
  t.after(() => proc.stop('SIGKILL'));
  const [first, second] = [dgram.createSocket('udp4'), dgram.createSocket('udp4')];
  t.after(() => {
    first.close();
    second.close();
  });
  for (const s of [first, second]) {
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
  }
  assert.equal(await ask(first, port, 'a'), 'a');
  assert.equal(await ask(first, port, 'b'), 'b', 'the first peer holds the one seat');
  assert.equal(await ask(second, port, 'c'), 'c', 'an unproven peer is still answered (no larger than it sent)');
  // Its second datagram would prove it, but no seat is free: a 1-byte datagram gets no 80-byte notice.
  assert.equal(await ask(second, port, 'd'), '');
  const long = 'x'.repeat(200);
  const answer = await ask(second, port, long);
  assert.equal(answer, long, 'forgotten, it starts over as a new unproven peer');
  // At most one datagram a second goes to an unproven peer: the echo just went.
  await new Promise((r) => setTimeout(r, 1100));
  const refusal = await ask(second, port, long);
  assert.match(refusal, /^error: server is full/);
  assert.ok(refusal.length <= long.length);
  await eventually(() => proc.stdout.includes('"event":"refused"'), 2000, 'the refusal is logged');
});

/** Reads the bytes a TCP chat user receives. */
class TcpUser {
  readonly socket: net.Socket;
  text = '';
  bytes = 0;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (c: string) => {
      this.text += c;
      this.bytes += Buffer.byteLength(c);
    });
    this.socket.on('error', () => undefined);
  }

  async join(name: string): Promise<void> {
    await eventually(() => this.text.includes('what is your name?'), 5000, 'greeting');
    this.socket.write(`${name}\n`);
    await eventually(() => /Welcome to the chat|The chat is full/.test(this.text), 5000, `${name} answered`);
  }
}

test('chat serve: 1 200 UDP nicknames from distinct ports neither fill the room nor flood the TCP users', async (t) => {
  const proc = new RunningProcess(process.execPath, [CLI, 'chat', 'serve', '--tcp', '0', '--udp', '0', '--json']);
  t.after(() => proc.stop('SIGKILL'));
  await proc.waitFor(/"transport":"udp"[^\n]*"event":"listening"|"event":"listening"[^\n]*"transport":"udp"/, 15_000, 'stdout');
  await proc.waitFor(/"event":"listening"[^\n]*"transport":"tcp"|"transport":"tcp"[^\n]*"event":"listening"/, 15_000, 'stdout');
  const ports: Record<string, number> = {};
  for (const line of proc.stdout.split('\n').filter((l) => l.includes('"event":"listening"'))) {
    const e = JSON.parse(line) as { transport: string; address: string };
    ports[e.transport] = Number(e.address.split(':').pop());
  }
  const observer = new TcpUser(ports.tcp as number);
  t.after(() => observer.socket.destroy());
  await observer.join('observer');
  const before = observer.bytes;

  const flood = await floodSockets(FLOOD_PORTS);
  t.after(() => flood.close());
  await sendOnceEach(flood, ports.udp as number, (i) => Buffer.from(`f${i}`));
  await new Promise((r) => setTimeout(r, 500));
  const observed = observer.bytes - before;

  const late = new TcpUser(ports.tcp as number);
  t.after(() => late.socket.destroy());
  await late.join('late');
  assert.match(late.text, /Welcome to the chat late\./, 'a TCP user still gets in');
  late.socket.write('hi all\n');
  await eventually(() => observer.text.includes('late: hi all'), 5000, 'and chats');
  observer.socket.write('/who\n');
  await eventually(() => /Users: .*late/.test(observer.text), 5000, '/who answered');
  const who = (observer.text.match(/Users: (.*)/) as RegExpMatchArray)[1] as string;
  const udpNames = who.split(', ').filter((n) => /^f\d+$/.test(n));
  assert.ok(udpNames.length <= 64, `${udpNames.length} UDP users in the room (cap 64)`);
  assert.ok(udpNames.length > 0, 'UDP users with valid names are admitted up to the cap');

  // Measured: flood bytes in; bytes to the observer (join announcements) and back to the flood (welcomes) out.
  const ratio = observed / flood.sent;
  t.diagnostic(`flood ${flood.sent} B from ${FLOOD_PORTS} ports; observer got ${observed} B (${ratio.toFixed(3)}x); flood got back ${flood.received} B`);
  assert.ok(ratio < 0.1, `observer got ${observed} B for a ${flood.sent} B flood`);
  // Welcomes go only to the admitted (at most 64, about 60 B each); every other answer is no larger than its datagram.
  assert.ok(flood.received <= flood.sent + 64 * 64, `flood got back ${flood.received} B for ${flood.sent} B`);
});
