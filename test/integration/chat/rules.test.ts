/** The chat contract's rules and limits, as a telnet/nc user meets them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { LocalRoom, type Room } from '../../../src/protocols/chat/room.js';
import { startChat, tcpUser, udpUser, wsUser, type ChatPeer } from '../../helpers/chat.js';
import { waitFor } from '../../helpers/wait.js';

const GREETING = 'Welcome to the server, what is your name?';
const welcome = (n: string): string => `Welcome to the chat ${n}. Please type !Q to quit.`;

async function named(t: import('node:test').TestContext, port: number, name: string): Promise<ChatPeer> {
  const user = await tcpUser(t, port, name);
  user.send(name);
  await user.out.waitForLine(welcome(name));
  return user;
}

test('nickname taken (case-insensitively), invalid, too long, empty: explained, asked again, then accepted', async (t) => {
  const { ports } = await startChat(t, ['tcp']);
  await named(t, ports.tcp!, 'Alice');
  const u = await tcpUser(t, ports.tcp!, 'newcomer');
  for (const attempt of ['ALICE', 'has space', 'tab\there', 'x'.repeat(33), '', 'Zoë']) u.send(attempt);
  await u.out.waitForLine(welcome('Zoë'));
  assert.deepEqual(u.out.lines, [
    GREETING,
    'The name ALICE is already taken; what is your name?',
    'A name cannot contain spaces or control characters; what is your name?',
    'A name cannot contain spaces or control characters; what is your name?',
    'That name is too long (at most 32 characters); what is your name?',
    'Your name cannot be empty; what is your name?',
    welcome('Zoë'),
  ]);
  const max = await tcpUser(t, ports.tcp!, 'max');
  max.send('y'.repeat(32));
  await max.out.waitForLine(welcome('y'.repeat(32)));
});

test('/who lists everyone in join order; lines are not echoed to the sender; !Q closes the connection', async (t) => {
  const { ports } = await startChat(t, ['tcp']);
  const a = await named(t, ports.tcp!, 'ann');
  const b = await named(t, ports.tcp!, 'ben');
  await a.out.waitForLine('ben has entered the chat');
  b.send('/who');
  await b.out.waitForLine(/^Users: /);
  assert.equal(b.out.lines.at(-1), 'Users: ann, ben');
  a.send('hi ben');
  await b.out.waitForLine('ann: hi ben');
  b.send('!Q');
  await waitFor('ben to be disconnected', () => b.closed());
  await a.out.waitForLine('ben has left the chat');
  assert.deepEqual(a.out.lines, [GREETING, welcome('ann'), 'ben has entered the chat', 'ben has left the chat']);
});

test('an abrupt disconnect (no !Q, connection reset) is announced like a quit', async (t) => {
  const { ports } = await startChat(t, ['tcp', 'ws']);
  const a = await named(t, ports.tcp!, 'ann');
  const b = await named(t, ports.tcp!, 'ben');
  const c = await wsUser(t, ports.ws!, 'cat');
  c.send('cat');
  await a.out.waitForLine('cat has entered the chat');
  b.vanish();
  await a.out.waitForLine('ben has left the chat');
  c.vanish();
  await a.out.waitForLine('cat has left the chat');
});

test('a line over 4096 bytes is refused with a notice; the user stays and can go on', async (t) => {
  const { ports } = await startChat(t, ['tcp', 'udp']);
  const a = await named(t, ports.tcp!, 'ann');
  const b = await named(t, ports.tcp!, 'ben');
  a.send('x'.repeat(5000));
  a.send('x'.repeat(4096));
  a.send('after');
  await b.out.waitForLine('ann: after');
  assert.ok(a.out.lines.includes('Your line was longer than 4096 bytes and was not sent.'));
  assert.equal(b.out.lines.filter((l) => l.startsWith('ann: ')).length, 2, 'the 4096-byte line and "after"');
  assert.equal(a.closed(), false);
});

test('the room has a size: one user too many is told and closed', async (t) => {
  const { ports } = await startChat(t, ['tcp'], { maxUsers: 2 });
  await named(t, ports.tcp!, 'one');
  await named(t, ports.tcp!, 'two');
  const three = await tcpUser(t, ports.tcp!, 'three');
  three.send('three');
  await three.out.waitForLine('The chat is full (2 users); please try again later.');
  await waitFor('the third user to be closed', () => three.closed());
});

test('a flooding user is throttled, not disconnected: every line arrives, in order', async (t) => {
  const { ports } = await startChat(t, ['tcp'], { linesPerSecond: 200, lineBurst: 5 });
  const reader = await named(t, ports.tcp!, 'reader');
  const flooder = await named(t, ports.tcp!, 'flood');
  const lines = Array.from({ length: 300 }, (_, i) => `line ${i}`);
  flooder.send(lines.join('\r\n'));
  await waitFor('all 300 lines', () => reader.out.lines.filter((l) => l.startsWith('flood: ')).length === 300, 30000);
  assert.deepEqual(reader.out.lines.filter((l) => l.startsWith('flood: ')), lines.map((l) => `flood: ${l}`));
  assert.equal(flooder.closed(), false);
});

test('with the rate limit off (0) a flood is read straight through, even on a clock that never moves', async (t) => {
  // With a limit, a frozen clock would let the burst through and then nothing more.
  const { ports } = await startChat(t, ['tcp'], { linesPerSecond: 0, lineBurst: 5, now: () => 0 });
  const reader = await named(t, ports.tcp!, 'reader');
  const flooder = await named(t, ports.tcp!, 'flood');
  const lines = Array.from({ length: 300 }, (_, i) => `line ${i}`);
  flooder.send(lines.join('\r\n'));
  await waitFor('all 300 lines', () => reader.out.lines.filter((l) => l.startsWith('flood: ')).length === 300, 30000);
  assert.deepEqual(reader.out.lines.filter((l) => l.startsWith('flood: ')), lines.map((l) => `flood: ${l}`));
});

test('a frozen clock with the limit on lets only the burst through (the control for the test above)', async (t) => {
  const { ports } = await startChat(t, ['tcp'], { linesPerSecond: 20, lineBurst: 5, now: () => 0 });
  const reader = await named(t, ports.tcp!, 'reader');
  const flooder = await named(t, ports.tcp!, 'flood');
  // The name took one token of the flooder's burst of 5.
  flooder.send(Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\r\n'));
  await waitFor('the burst', () => reader.out.lines.filter((l) => l.startsWith('flood: ')).length >= 4, 30000);
  // A marker from another user, sent after the burst, arrives behind it: the flood stays stuck.
  reader.send('/who');
  await reader.out.waitForLine(/^Users: /);
  assert.equal(reader.out.lines.filter((l) => l.startsWith('flood: ')).length, 4);
});

test('a user who never reads is cut off with a reason; the others receive everything', async (t) => {
  const { ports, chat } = await startChat(t, ['tcp'], { maxQueuedBytes: 64 * 1024, drainTimeoutMs: 0, linesPerSecond: 1e6, lineBurst: 1e6 });
  const dropped: string[] = [];
  chat.on('dropped', (_s, e) => dropped.push(e.code));
  const silent = net.connect({ host: '127.0.0.1', port: ports.tcp! });
  silent.on('error', () => undefined);
  await once(silent, 'connect');
  silent.write('silent\n');
  silent.pause();
  await waitFor('the silent user in the room', () => chat.room.who().includes('silent'));
  const reader = await named(t, ports.tcp!, 'reader');
  const talker = await named(t, ports.tcp!, 'talker');
  const text = 'z'.repeat(4000);
  const total = 3000; // 12 MB towards the silent user
  const batch = 25; // 100 KB at a time: a healthy reader keeps up with that
  for (let i = 0; i < total; i += batch) {
    talker.send(Array.from({ length: batch }, () => text).join('\n'));
    await waitFor('the reader to keep up', () => reader.out.lines.filter((l) => l.startsWith('talker: ')).length >= i + batch, 30000);
  }
  await reader.out.waitForLine('silent has left the chat');
  assert.deepEqual(dropped, ['NETLAB_ERR_SLOW_READER']);
  assert.equal(reader.out.lines.filter((l) => l.startsWith('talker: ')).length, total);
  silent.destroy();
});

test('shutdown tells every user, on every transport, that the server is closing', async (t) => {
  const { ports, chat } = await startChat(t, ['tcp', 'udp', 'ws']);
  const a = await named(t, ports.tcp!, 'ann');
  const unnamed = await tcpUser(t, ports.tcp!, 'unnamed');
  await unnamed.out.waitForLine(GREETING);
  const u = await udpUser(t, ports.udp!, 'udp');
  u.send('udpuser');
  await u.out.waitForLine(welcome('udpuser'));
  const w = await wsUser(t, ports.ws!, 'ws');
  w.send('wsuser');
  await w.out.waitForLine(welcome('wsuser'));
  await chat.shutdown();
  for (const peer of [a, unnamed, u, w]) await peer.out.waitForLine('The server is shutting down. Goodbye!');
  await waitFor('stream and ws users to be closed', () => a.closed() && unnamed.closed() && w.closed());
  assert.ok(!a.out.lines.some((l) => l.endsWith('has left the chat')), 'no leave storm during shutdown');
});

test('a silent UDP user is removed after --udp-idle and announced as gone', async (t) => {
  const { ports } = await startChat(t, ['tcp', 'udp'], { udpIdleSeconds: 0.5 });
  const a = await named(t, ports.tcp!, 'ann');
  const u = await udpUser(t, ports.udp!, 'udp');
  u.send('quiet');
  await a.out.waitForLine('quiet has entered the chat');
  await a.out.waitForLine('quiet has left the chat', 20000);
});

test('a piped user (many lines, then end of input) is throttled, yet every line is said before it leaves', async (t) => {
  const { ports } = await startChat(t, ['tcp'], { linesPerSecond: 200, lineBurst: 5 });
  const reader = await named(t, ports.tcp!, 'reader');
  const socket = net.connect({ host: '127.0.0.1', port: ports.tcp! });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  const lines = Array.from({ length: 60 }, (_, i) => `piped ${i}`);
  socket.end(['piper', ...lines].join('\n') + '\nlast line without newline');
  await reader.out.waitForLine('piper has left the chat', 30000);
  const said = reader.out.lines.filter((l) => l.startsWith('piper: '));
  assert.deepEqual(said, [...lines, 'last line without newline'].map((l) => `piper: ${l}`));
});

test('a room that answers joins asynchronously (as a broker-backed one would) plugs in unchanged', async (t) => {
  const local = new LocalRoom();
  const slowRoom: Room = {
    join: (m) => new Promise((resolve) => setTimeout(() => resolve(local.join(m)), 50)),
    leave: (m) => local.leave(m),
    broadcast: (line, from) => local.broadcast(line, from),
    who: () => local.who(),
  };
  const { ports } = await startChat(t, ['tcp', 'ws'], { room: slowRoom });
  const a = await tcpUser(t, ports.tcp!, 'a');
  a.send('ann');
  await a.out.waitForLine(welcome('ann'));
  const b = await wsUser(t, ports.ws!, 'b');
  b.send('ANN'); // taken, answered later
  b.send('ben'); // sent before the room answered: must wait, in order
  b.send('first words');
  await a.out.waitForLine('ben: first words');
  assert.deepEqual(b.out.lines, [GREETING, 'The name ANN is already taken; what is your name?', welcome('ben')]);
  assert.deepEqual(a.out.lines.slice(2), ['ben has entered the chat', 'ben: first words']);
});
