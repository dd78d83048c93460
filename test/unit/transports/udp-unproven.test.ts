/** The UDP listener's unproven-peer LRU and its listener-wide notice allowance, on a mocked clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { NoticeAllowance, UnprovenPeers } from '../../../src/transports/udp-peers.js';
import { udpTransport } from '../../../src/transports/udp.js';
import { ConnectionSeats } from '../../../src/policies/max-connections.js';
import type { Session } from '../../../src/transports/session.js';

test('unproven peers: past the cap the least recently heard is forgotten, never the newcomer', () => {
  const peers = new UnprovenPeers<string>(3);
  assert.equal(peers.touch('a'), undefined);
  assert.equal(peers.touch('b'), undefined);
  assert.equal(peers.touch('c'), undefined);
  assert.equal(peers.touch('a'), undefined, 'a heard again: now the most recent');
  assert.equal(peers.touch('d'), 'b', 'b is the least recently heard');
  assert.equal(peers.size, 3);
  assert.equal(peers.has('d'), true);
  assert.equal(peers.delete('c'), true, 'c proved itself');
  assert.equal(peers.touch('e'), undefined, 'room again after a peer left');
  assert.equal(peers.touch('f'), 'a');
  // A flood of any length keeps the table at its cap and always admits the newest.
  for (let i = 0; i < 10_000; i++) peers.touch(`flood${i}`);
  assert.equal(peers.size, 3);
  assert.equal(peers.has('flood9999'), true);
});

test('notice allowance: a burst of perSecond, then one per 1/perSecond s; a clock set back adds nothing', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const allowance = new NoticeAllowance(10);
  let granted = 0;
  for (let i = 0; i < 50; i++) if (allowance.take()) granted += 1;
  assert.equal(granted, 10);
  t.mock.timers.tick(100);
  assert.equal(allowance.take(), true);
  assert.equal(allowance.take(), false);
  t.mock.timers.setTime(0);
  assert.equal(allowance.take(), false, 'going back in time refills nothing');
  t.mock.timers.setTime(10_000);
  granted = 0;
  for (let i = 0; i < 50; i++) if (allowance.take()) granted += 1;
  assert.equal(granted, 10, 'never more than the burst, however long the quiet');
});

/** A UDP listener on loopback with `seats`, and a client socket that collects what comes back. */
async function listenerWith(t: import('node:test').TestContext, seats: ConnectionSeats, maxUnprovenPeers: number) {
  const listener = await udpTransport.listen({ host: '127.0.0.1', port: 0, seats, maxUnprovenPeers });
  const sessions: Session[] = [];
  // Echo, as serve udp does.
  listener.on('session', (s) => {
    sessions.push(s);
    s.on('data', (d) => s.write(d));
  });
  t.after(() => listener.close());
  return { listener, sessions, port: listener.address.port };
}

test('a UDP listener: one-datagram peers take no seat and never fill it; the second datagram takes one', async (t) => {
  const seats = new ConnectionSeats(2);
  const { listener, sessions, port } = await listenerWith(t, seats, 4);
  const sockets: dgram.Socket[] = [];
  t.after(() => sockets.forEach((s) => s.close()));
  for (let i = 0; i < 8; i++) {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1');
    await once(s, 'listening');
    sockets.push(s);
    s.send('x', port, '127.0.0.1');
    await once(s, 'message');
  }
  assert.equal(seats.taken, 0, 'no unproven peer holds a seat');
  assert.equal(listener.sessions.size, 4, 'at most maxUnprovenPeers remembered');
  assert.equal(sessions.slice(0, 4).every((s) => s.closed), true, 'the four least recently heard were forgotten');
  const last = sockets[7] as dgram.Socket;
  last.send('again', port, '127.0.0.1');
  const [echo] = await once(last, 'message');
  assert.equal(String(echo), 'again');
  assert.equal(seats.taken, 1, 'a peer that came back holds a seat');
  assert.equal(sessions[7]?.proven, true);
  await listener.close();
  assert.equal(seats.taken, 0, 'closing gives the seat back');
});

test('an unproven peer gets at most one datagram a second, none larger than it sent', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 5_000_000 });
  const seats = new ConnectionSeats(1);
  const listener = await udpTransport.listen({ host: '127.0.0.1', port: 0, seats, udpProof: 'protocol' });
  t.after(() => listener.close());
  let session: Session | undefined;
  listener.on('session', (s) => {
    session = s;
    // Answers each datagram with three: one the size of it, then two more.
    s.on('data', (d: Buffer) => {
      s.write(d);
      s.write(d);
      s.write(Buffer.concat([d, d]));
    });
  });
  const client = dgram.createSocket('udp4');
  t.after(() => client.close());
  const got: string[] = [];
  client.on('message', (m) => got.push(String(m)));
  client.bind(0, '127.0.0.1');
  await once(client, 'listening');
  // Only Date is mocked: the loopback round trip runs on real event-loop turns.
  const send = (text: string): void => void client.send(text, listener.address.port, '127.0.0.1');
  send('abc');
  // Wait (bounded) for the one datagram that may come.
  for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ['abc'], 'one answer, the size of the datagram');
  send('abc');
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ['abc'], 'nothing more within the second');
  t.mock.timers.tick(1000);
  send('def');
  for (let i = 0; i < 200 && got.length === 1; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ['abc', 'def'], 'a second later, one more');
  assert.equal(session?.stats.bytesOut, 6, 'the log counts only the datagrams that went');
  assert.equal(session?.prove(), true, 'the protocol vouches for it');
  assert.equal(seats.taken, 1);
  send('gh');
  for (let i = 0; i < 200 && got.length < 5; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(got.slice(2), ['gh', 'gh', 'ghgh'], 'proven: every answer goes');
});
