/**
 * Bad input and limits: every case costs at most the offending peer its
 * session, never the server, and everyone else keeps being served.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import WebSocket from 'ws';
import { connect } from '../../src/client/connect.js';
import { exchange } from '../../src/client/exchange.js';
import { createServer } from '../../src/server/server.js';
import { echoProtocol } from '../../src/protocols/echo/echo.js';
import { ERROR_CODES, NetlabError } from '../../src/errors.js';
import type { CloseRecord, TrafficRecord } from '../../src/policies/traffic-log.js';
import type { StreamSession } from '../../src/transports/stream-session.js';
import { runCli } from '../helpers/cli.js';
import { eventually, startEcho } from '../helpers/servers.js';
import { rawTcp, udpRoundTrip } from '../helpers/sockets.js';

function records(server: { on: (e: 'traffic', fn: (r: TrafficRecord) => void) => unknown }): TrafficRecord[] {
  const seen: TrafficRecord[] = [];
  server.on('traffic', (r) => seen.push(r));
  return seen;
}

async function tcpEchoWorks(port: number, text = 'still here'): Promise<void> {
  const session = await connect({ transport: 'tcp', host: '127.0.0.1', port });
  try {
    const [answer] = await exchange(session, [text]);
    assert.ok(answer !== undefined && answer.length > 0);
  } finally {
    session.destroy();
  }
}

test('a line longer than --max-line gets an error line and a close; other peers are unaffected', async (t) => {
  const server = await startEcho(t, 'tcp', { mode: 'reverse', maxLineBytes: 16 });
  const log = records(server);
  const bystander = await connect({ transport: 'tcp', host: '127.0.0.1', port: server.address.port });
  t.after(() => bystander.destroy());
  const offender = await rawTcp(server.address.port);
  offender.socket.write('x'.repeat(40)); // no newline: refused while the line is still arriving
  await offender.closed;
  assert.equal(offender.received().toString(), 'error: line longer than 16 bytes (the --max-line limit)\n');
  assert.deepEqual((await exchange(bystander, ['abc'])).map(String), ['cba']);
  await eventually(() => log.some((r) => r.event === 'close' && r.error?.code === ERROR_CODES.LINE_TOO_LONG), 5000, 'close record');
});

test('a line of exactly --max-line bytes is answered', async (t) => {
  const server = await startEcho(t, 'tcp', { mode: 'reverse', maxLineBytes: 16 });
  const session = await connect({ transport: 'tcp', host: '127.0.0.1', port: server.address.port });
  t.after(() => session.destroy());
  assert.deepEqual((await exchange(session, ['0123456789abcdef'])).map(String), ['fedcba9876543210']);
});

test('over UDP an oversize datagram gets a notice and the peer may go on', async (t) => {
  const server = await startEcho(t, 'udp', { mode: 'reverse', maxLineBytes: 8 });
  const notice = await udpRoundTrip(server.address.port, Buffer.from('0123456789'));
  assert.equal(notice.toString(), 'error: line longer than 8 bytes (the --max-line limit)\n');
  assert.equal((await udpRoundTrip(server.address.port, Buffer.from('abc'))).toString(), 'cba');
});

test('invalid UTF-8 through reverse: no crash, every byte comes back', async (t) => {
  const bad = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0x62, 0x0a]);
  for (const transport of ['tcp', 'udp'] as const) {
    const server = await startEcho(t, transport, { mode: 'reverse' });
    let answer: Buffer;
    if (transport === 'tcp') {
      const peer = await rawTcp(server.address.port);
      peer.socket.end(bad);
      await peer.closed;
      answer = peer.received();
    } else {
      answer = await udpRoundTrip(server.address.port, bad);
    }
    assert.deepEqual([...answer], [0x62, 0x82, 0xe2, 0x28, 0xc3, 0xfe, 0xff, 0x61, 0x0a], transport);
  }
  const ws = await startEcho(t, 'ws', { mode: 'reverse' });
  const client = new WebSocket(`ws://127.0.0.1:${ws.address.port}/`);
  t.after(() => client.terminate());
  await once(client, 'open');
  client.send(bad.subarray(0, -1), { binary: true });
  const [reply, isBinary] = (await once(client, 'message')) as [Buffer, boolean];
  assert.equal(isBinary, true, 'invalid UTF-8 must not be sent as a text frame');
  assert.deepEqual([...reply], [0x62, 0x82, 0xe2, 0x28, 0xc3, 0xfe, 0xff, 0x61]);
});

test('more connections than --max-conns: the extra one is refused cleanly, the others keep working', async (t) => {
  const server = await startEcho(t, 'tcp', { mode: 'upper' }, { maxConnections: 2 });
  const log = records(server);
  const a = await connect({ transport: 'tcp', host: '127.0.0.1', port: server.address.port });
  const b = await connect({ transport: 'tcp', host: '127.0.0.1', port: server.address.port });
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  await eventually(() => log.filter((r) => r.event === 'connect').length === 2, 5000, 'two admitted');
  const extra = await rawTcp(server.address.port);
  await extra.closed;
  assert.equal(extra.received().toString(), 'error: server is full (2 connections, the --max-conns limit); try again later\n');
  assert.deepEqual((await exchange(a, ['a'])).map(String), ['A']);
  assert.deepEqual((await exchange(b, ['b'])).map(String), ['B']);
  assert.ok(log.some((r) => r.event === 'refused'));
  // Once one leaves, a newcomer is admitted.
  a.destroy();
  await eventually(() => log.filter((r) => r.event === 'close').length === 1, 5000, 'a closed');
  await tcpEchoWorks(server.address.port);
});

test('over WebSocket the refused peer gets close code 1013 (try again later)', async (t) => {
  const server = await startEcho(t, 'ws', {}, { maxConnections: 1 });
  const first = await connect({ transport: 'ws', host: '127.0.0.1', port: server.address.port });
  t.after(() => first.destroy());
  const second = new WebSocket(`ws://127.0.0.1:${server.address.port}/`);
  const [code, reason] = (await once(second, 'close')) as [number, Buffer];
  assert.equal(code, 1013);
  assert.match(reason.toString(), /server is full/);
});

test('a client vanishing mid-line costs only its own session', async (t) => {
  const server = await startEcho(t, 'tcp', { mode: 'reverse' });
  const log = records(server);
  const peer = await rawTcp(server.address.port);
  peer.socket.write('half a li');
  await eventually(() => server.listener.sessions.size === 1, 5000, 'session open');
  peer.socket.resetAndDestroy();
  await eventually(() => log.some((r) => r.event === 'close'), 5000, 'close record');
  const close = log.find((r): r is CloseRecord => r.event === 'close');
  assert.equal(close?.bytes_in, 9);
  await tcpEchoWorks(server.address.port);
});

test('a peer that half-closes still gets its final unterminated line answered', async (t) => {
  const server = await startEcho(t, 'tcp', { mode: 'reverse' });
  const peer = await rawTcp(server.address.port);
  peer.socket.end('first\nno newline at the end');
  await peer.closed;
  assert.equal(peer.received().toString(), 'tsrif\ndne eht ta enilwen on');
});

test('a half-closing peer of echo mode gets everything back before the close (TCP and TLS)', async (t) => {
  for (const transport of ['tcp', 'tls'] as const) {
    const server = await startEcho(t, transport);
    const session = (await connect({ transport, host: '127.0.0.1', port: server.address.port, tls: { insecure: true } })) as StreamSession;
    const chunks: Buffer[] = [];
    session.on('data', (c) => chunks.push(c));
    const closed = once(session, 'close');
    const payload = Buffer.alloc(200_000, 'z');
    session.write(payload);
    session.end();
    await closed;
    assert.equal(Buffer.concat(chunks).length, payload.length, transport);
  }
});

test('a port already in use is a clear error (library and CLI)', async (t) => {
  const blocker = net.createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  await assert.rejects(
    createServer({ transport: 'tcp', host: '127.0.0.1', port, protocol: echoProtocol() }),
    (err: unknown) => err instanceof NetlabError && err.code === ERROR_CODES.PORT_IN_USE,
  );
  const result = await runCli(['serve', 'tcp', '-p', String(port)]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `netlab: port ${port} is already in use (EADDRINUSE); pick another with --port\n`);
});

test('--idle-timeout closes a quiet session and logs why', async (t) => {
  const server = await startEcho(t, 'tcp', {}, { idleTimeoutSeconds: 0.2 });
  const log = records(server);
  const peer = await rawTcp(server.address.port);
  peer.socket.write('hello');
  await peer.closed;
  assert.equal(peer.received().toString(), 'hello');
  await eventually(() => log.some((r) => r.event === 'close'), 5000, 'close record');
  const close = log.find((r): r is CloseRecord => r.event === 'close');
  assert.equal(close?.error?.code, ERROR_CODES.IDLE_TIMEOUT);
});

test('a reader that never reads: the server stops reading from it instead of buffering without bound', async (t) => {
  const server = await startEcho(t, 'tcp');
  const peer = await rawTcp(server.address.port);
  peer.socket.pause(); // never read the echoes
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  // Write until our own socket has pushed back for a while (bounded: 64 MiB at most).
  for (let i = 0; i < 1024; i++) {
    if (!peer.socket.write(chunk)) {
      const drained = await Promise.race([once(peer.socket, 'drain').then(() => true), new Promise((r) => setTimeout(() => r(false), 500))]);
      if (!drained) break;
    }
    written += chunk.length;
  }
  assert.ok(written < 64 * 1024 * 1024, 'the server pushed back before 64 MiB');
  const [session] = [...server.listener.sessions] as StreamSession[];
  assert.ok(session);
  // Memory held for this peer stays near the high-water mark, not near what was sent.
  assert.ok(session.bufferedAmount < 1024 * 1024, `server buffers ${session.bufferedAmount} bytes`);
  peer.socket.destroy();
});

test('closing a TLS server does not wait for a peer stuck before its handshake', async (t) => {
  const server = await startEcho(t, 'tls');
  const stuck = await rawTcp(server.address.port); // connects, never says a word
  t.after(() => stuck.socket.destroy());
  await server.close();
  await stuck.closed;
});
