/**
 * Hostile peers against the real CLI on loopback: TLS sockets that never
 * send a ClientHello, and sessions still open at SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { readdirSync } from 'node:fs';
import { once } from 'node:events';
import { ndjson, startServeCli, type RunningProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/servers.js';

function openDescriptors(proc: RunningProcess): number {
  return readdirSync(`/proc/${proc.child.pid}/fd`).length;
}

async function silentSockets(port: number, n: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    sockets.push(socket);
  }
  return sockets;
}

/** A real TLS client: resolves with what the server echoed, or the error. */
function tlsEcho(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    let got = '';
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.once('secureConnect', () => socket.write(text));
    socket.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.length >= text.length) socket.end();
    });
    socket.on('error', (err) => (got ||= `error: ${err.message}`));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

test('serve tls: silent connections that close are released (FIN before the handshake)', async (t) => {
  const { proc, port } = await startServeCli(['tls']);
  t.after(() => proc.stop('SIGKILL'));
  const before = openDescriptors(proc);
  const sockets = await silentSockets(port, 100);
  await eventually(() => openDescriptors(proc) >= before + 100, 5000, 'the server holds the silent sockets');
  for (const s of sockets) s.end();
  await eventually(() => openDescriptors(proc) <= before + 2, 5000, 'descriptors released after the peers closed');
  for (const s of sockets) s.destroy();
  assert.equal(await tlsEcho(port, 'still served'), 'still served');
});

test('serve tls --max-conns 5: five silent connections fill it; once they go a real client is served', async (t) => {
  const { proc, port } = await startServeCli(['tls', '--max-conns', '5']);
  t.after(() => proc.stop('SIGKILL'));
  const sockets = await silentSockets(port, 5);
  const refused = await tlsEcho(port, 'hello');
  assert.notEqual(refused, 'hello');
  await proc.waitFor(/"event":"refused".*server is full \(5 connections/, 5000, 'stdout');
  for (const s of sockets) s.end();
  let answer = '';
  for (let i = 0; i < 50 && answer !== 'hello'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await tlsEcho(port, 'hello');
  }
  assert.equal(answer, 'hello', 'a real client is served again');
  for (const s of sockets) s.destroy();
});

test('serve tls --handshake-timeout 1 closes a connection that never says hello', async (t) => {
  const { proc, port } = await startServeCli(['tls', '--handshake-timeout', '1']);
  t.after(() => proc.stop('SIGKILL'));
  const [socket] = await silentSockets(port, 1);
  const started = Date.now();
  await once(socket as net.Socket, 'close');
  const waited = Date.now() - started;
  assert.ok(waited >= 800 && waited < 5000, `closed after ${waited} ms`);
  await proc.waitFor(/"event":"peer_error".*TLS handshake not finished within 1 s/, 5000, 'stdout');
});

test('SIGTERM with a session open: its close record is written and counted in the totals', async (t) => {
  const { proc, port } = await startServeCli(['tcp']);
  t.after(() => proc.stop('SIGKILL'));
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  let echoed = 0;
  socket.on('data', (c: Buffer) => (echoed += c.length));
  socket.write(Buffer.alloc(10_000, 0x61));
  await eventually(() => echoed >= 10_000, 5000, 'echo of 10 kB');
  await proc.stop('SIGTERM');
  socket.destroy();
  const records = ndjson(proc.stdout);
  const close = records.find((r) => r.event === 'close');
  assert.ok(close, 'a close record for the open session');
  assert.equal(close.bytes_in, 10_000);
  const summary = records.find((r) => r.event === 'summary');
  assert.equal(summary?.connections, 1);
  assert.equal(summary?.bytes_in, 10_000);
  assert.equal(summary?.bytes_out, 10_000);
});
