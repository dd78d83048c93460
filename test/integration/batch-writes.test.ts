/**
 * Session.batchWrites(): a fan-out turn's writes leave together, and
 * nothing about what the peer receives changes: every byte, in order, over
 * every stream transport; message transports keep one message per write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import WebSocket from 'ws';
import { createServer } from '../../src/server/server.js';
import type { ProtocolFactory } from '../../src/protocols/protocol.js';
import type { TransportName } from '../../src/transports/session.js';

/** 3000 numbered lines of 100 bytes (300 KB, far past any high-water mark), written in one turn. */
const LINES = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(92)}\n`);

/** On the first data, writes every line in the same turn, batched, then ends. */
const burst: ProtocolFactory = (session) => ({
  dataReceived() {
    session.batchWrites();
    for (const line of LINES) session.write(Buffer.from(line));
    session.end();
  },
});

async function serve(t: import('node:test').TestContext, transport: TransportName, protocol: ProtocolFactory): Promise<number> {
  const server = await createServer({ transport, host: '127.0.0.1', port: 0, protocol });
  t.after(() => server.close());
  return server.address.port;
}

function collect(socket: net.Socket | tls.TLSSocket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

test('a batched burst over TCP arrives whole and in order, then the FIN', async (t) => {
  const port = await serve(t, 'tcp', burst);
  const socket = net.connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  const received = collect(socket);
  socket.write('go\n');
  assert.equal(await received, LINES.join(''));
});

test('a batched burst over TLS arrives whole and in order', async (t) => {
  const port = await serve(t, 'tls', burst);
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  t.after(() => socket.destroy());
  const received = collect(socket);
  await once(socket, 'secureConnect');
  socket.write('go\n');
  assert.equal(await received, LINES.join(''));
});

test('a reader that stops reading mid-burst gets the rest once it reads again', async (t) => {
  const port = await serve(t, 'tcp', burst);
  const socket = net.connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  const received = collect(socket);
  socket.write('go\n');
  socket.pause();
  await new Promise((r) => setTimeout(r, 200));
  socket.resume();
  assert.equal(await received, LINES.join(''));
});

test('over UDP and WebSocket each batched write stays one datagram or message', async (t) => {
  const three: ProtocolFactory = (session) => ({
    dataReceived() {
      session.batchWrites();
      for (const m of ['one', 'two', 'three']) session.write(Buffer.from(m));
    },
  });
  const udpPort = await serve(t, 'udp', three);
  const client = dgram.createSocket('udp4');
  t.after(() => client.close());
  const datagrams: string[] = [];
  client.on('message', (m) => datagrams.push(m.toString()));
  client.send('go', udpPort, '127.0.0.1');
  const wsPort = await serve(t, 'ws', three);
  const ws = new WebSocket(`ws://127.0.0.1:${wsPort}/`);
  t.after(() => ws.terminate());
  const messages: string[] = [];
  ws.on('message', (m) => messages.push(m.toString()));
  await once(ws, 'open');
  ws.send('go');
  const deadline = Date.now() + 10_000;
  while ((datagrams.length < 3 || messages.length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(datagrams, ['one', 'two', 'three']);
  assert.deepEqual(messages, ['one', 'two', 'three']);
});
