/**
 * OutboundQueue.sendBatched(): a fan-out turn's messages to one receiver
 * leave together, and nothing about what the peer receives changes: every
 * byte, in order, over the stream transports, the bytes held for the turn
 * sent before an end; message transports keep one message per send.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import WebSocket from 'ws';
import { createServer } from '../../src/server/server.js';
import { OutboundQueue } from '../../src/protocols/outbound-queue.js';
import { FanOutTurn } from '../../src/protocols/turn-batch.js';
import type { ProtocolFactory } from '../../src/protocols/protocol.js';
import type { Session, TransportName } from '../../src/transports/session.js';

/** 3000 numbered lines of 100 bytes (300 KB, far past any high-water mark). */
const LINES = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(92)}\n`);

function queueFor(session: Session, maxQueuedBytes = 1 << 20): OutboundQueue {
  return new OutboundQueue(session, { maxQueuedBytes, drainTimeoutMs: 0, onOverflow: (e) => session.destroy(e), turn: new FanOutTurn() });
}

/** On the first data, batches every line in the same turn, then ends after them. */
const burst: ProtocolFactory = (session) => {
  const queue = queueFor(session);
  return {
    dataReceived() {
      for (const line of LINES) queue.sendBatched(Buffer.from(line));
      queue.end();
    },
  };
};

async function serve(t: TestContext, transport: TransportName, protocol: ProtocolFactory): Promise<number> {
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

test('a reader that pauses mid-burst gets the rest once it reads again', async (t) => {
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

test('a direct send after batched ones keeps its place behind them', async (t) => {
  const port = await serve(t, 'tcp', (session) => {
    const queue = queueFor(session);
    return {
      dataReceived() {
        queue.sendBatched(Buffer.from('one\n'));
        queue.sendBatched(Buffer.from('two\n'));
        queue.send(Buffer.from('three\n'));
        queue.sendBatched(Buffer.from('four\n'));
        queue.end();
      },
    };
  });
  const socket = net.connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  const received = collect(socket);
  socket.write('go\n');
  assert.equal(await received, 'one\ntwo\nthree\nfour\n');
});

test('a batch bigger than the queue limit is sent, not taken for a slow reader', async (t) => {
  let cutOff = false;
  const port = await serve(t, 'tcp', (session) => {
    const queue = new OutboundQueue(session, { maxQueuedBytes: 16 * 1024, drainTimeoutMs: 0, onOverflow: () => (cutOff = true), turn: new FanOutTurn() });
    return {
      dataReceived() {
        // 100 KB in one turn to a reader that keeps up: six times the limit.
        for (const line of LINES.slice(0, 1000)) queue.sendBatched(Buffer.from(line));
        queue.end();
      },
    };
  });
  const socket = net.connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  const received = collect(socket);
  socket.write('go\n');
  assert.equal(await received, LINES.slice(0, 1000).join(''));
  assert.equal(cutOff, false);
});

test('over UDP and WebSocket each batched send stays one datagram or message', async (t) => {
  const three: ProtocolFactory = (session) => {
    const queue = queueFor(session);
    return {
      dataReceived() {
        for (const m of ['one', 'two', 'three']) queue.sendBatched(Buffer.from(m));
      },
    };
  };
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
