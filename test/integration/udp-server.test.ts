/**
 * The UDP server's peers: one session per address and port, answers sent to
 * the address the datagram came from, and an answer too large for UDP costing
 * only that peer its session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createServer } from '../../src/server/server.js';
import type { CloseRecord, TrafficRecord } from '../../src/policies/traffic-log.js';
import { eventually, startEcho } from '../helpers/servers.js';
import { udpRoundTrip } from '../helpers/sockets.js';

async function boundSocket(address: string, port = 0): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.bind(port, address);
  await once(socket, 'listening');
  return socket;
}

async function ask(socket: dgram.Socket, port: number, text: string): Promise<string> {
  const answer = once(socket, 'message', { signal: AbortSignal.timeout(5000) });
  socket.send(text, port, '127.0.0.1');
  const [msg] = (await answer) as [Buffer];
  return msg.toString();
}

test('two peers with the same port on different loopback addresses are two sessions, each answered', async (t) => {
  const server = await startEcho(t, 'udp', { mode: 'upper' });
  const port = server.address.port;
  const a = await boundSocket('127.0.0.1');
  t.after(() => a.close());
  const b = await boundSocket('127.0.0.2', a.address().port);
  t.after(() => b.close());
  for (let i = 0; i < 3; i++) {
    assert.equal(await ask(a, port, `from a ${i}`), `FROM A ${i}`);
    assert.equal(await ask(b, port, `from b ${i}`), `FROM B ${i}`);
  }
  assert.equal(server.listener.sessions.size, 2);
  const peers = [...server.listener.sessions].map((s) => s.peer).sort();
  assert.deepEqual(peers, [`127.0.0.1:${a.address().port}`, `127.0.0.2:${a.address().port}`]);
  for (const s of server.listener.sessions) assert.equal(s.stats.reads, 3);
});

test('an answer larger than a UDP datagram closes that peer with an error; others are still answered', async (t) => {
  const huge = Buffer.alloc(70_000, 0x61);
  const server = await createServer({
    transport: 'udp',
    host: '127.0.0.1',
    port: 0,
    protocol: (session) => ({ dataReceived: (chunk) => void session.write(chunk.toString() === 'huge' ? huge : chunk) }),
  });
  t.after(() => server.close());
  const log: TrafficRecord[] = [];
  server.on('traffic', (r) => log.push(r));
  const port = server.address.port;
  const greedy = await boundSocket('127.0.0.1');
  t.after(() => greedy.close());
  greedy.send('huge', port, '127.0.0.1');
  await eventually(() => log.some((r) => r.event === 'close'), 10_000, 'the close record');
  const closed = log.find((r): r is CloseRecord => r.event === 'close');
  assert.equal(closed?.peer, `127.0.0.1:${greedy.address().port}`);
  assert.match(closed?.error?.message ?? '', /EMSGSIZE/);
  assert.equal((await udpRoundTrip(port, Buffer.from('still here'))).toString(), 'still here');
});
