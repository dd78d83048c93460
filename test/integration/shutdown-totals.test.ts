/**
 * SIGTERM with sessions still open (issue 14 item 7): each gets its close
 * record, and the totals count what it carried, in the human log and in
 * --json, for every transport and for chat serve.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import dgram from 'node:dgram';
import { once } from 'node:events';
import WebSocket from 'ws';
import { CLI, ndjson, RunningProcess, startServeCli } from '../helpers/cli.js';

const SIZE = 10_000;

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends SIZE bytes, waits for all of them back, and leaves the connection open. Returns the client's local port. */
async function echoAndStay(t: TestContext, transport: 'tcp' | 'tls' | 'ws' | 'udp', port: number): Promise<number> {
  const payload = Buffer.alloc(SIZE, 'x');
  let got = 0;
  if (transport === 'udp') {
    const socket = dgram.createSocket('udp4');
    t.after(() => socket.close());
    socket.on('message', (m) => (got += m.length));
    socket.send(payload, port, '127.0.0.1');
    await until('the echo', () => got === SIZE);
    return socket.address().port;
  }
  if (transport === 'ws') {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.on('error', () => undefined);
    t.after(() => ws.terminate());
    ws.on('message', (m: Buffer) => (got += m.length));
    await once(ws, 'open');
    ws.send(payload);
    await until('the echo', () => got === SIZE);
    return (ws as unknown as { _socket: net.Socket })._socket.localPort as number;
  }
  const socket = transport === 'tls' ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  socket.on('data', (c: Buffer) => (got += c.length));
  await once(socket, transport === 'tls' ? 'secureConnect' : 'connect');
  socket.write(payload);
  await until('the echo', () => got === SIZE);
  return socket.localPort as number;
}

for (const transport of ['tcp', 'tls', 'ws', 'udp'] as const) {
  test(`serve ${transport} --json: SIGTERM with a session open writes its close record, and the summary counts its bytes`, async (t) => {
    const { proc, port } = await startServeCli([transport]);
    t.after(() => proc.stop('SIGKILL'));
    const clientPort = await echoAndStay(t, transport, port);
    const exit = await proc.stop('SIGTERM');
    assert.equal(exit.code, 0, proc.stderr);
    const records = ndjson(proc.stdout);
    const peer = `127.0.0.1:${clientPort}`;
    const closeAt = records.findIndex((r) => r.event === 'close' && r.peer === peer);
    const summaryAt = records.findIndex((r) => r.event === 'summary');
    assert.ok(closeAt !== -1, `a close record for ${peer}:\n${proc.stdout}`);
    assert.ok(summaryAt > closeAt, 'the close record comes before the summary');
    const close = records[closeAt] as Record<string, unknown>;
    assert.equal(close.bytes_in, SIZE);
    assert.equal(close.bytes_out, SIZE);
    const summary = records[summaryAt] as Record<string, unknown>;
    assert.equal(summary.connections, 1);
    assert.equal(summary.bytes_in, SIZE);
    assert.equal(summary.bytes_out, SIZE);
    assert.equal(summary.reads, close.reads);
    assert.equal(summary.writes, close.writes);
  });
}

test('serve tcp (human log): SIGTERM with a session open prints its close line and totals with its bytes', async (t) => {
  const proc = new RunningProcess(process.execPath, [CLI, 'serve', 'tcp', '-p', '0']);
  t.after(() => proc.stop('SIGKILL'));
  const port = Number((await proc.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  const clientPort = await echoAndStay(t, 'tcp', port);
  await proc.waitFor(`connect tcp 127.0.0.1:${clientPort}`);
  const exit = await proc.stop('SIGTERM');
  assert.equal(exit.code, 0, proc.stderr);
  assert.match(proc.stdout, new RegExp(`close +tcp 127\\.0\\.0\\.1:${clientPort} after \\d+ ms: 9\\.8 KiB in, 9\\.8 KiB out`));
  assert.match(proc.stdout, /stopped \(SIGTERM\): 1 connection \(0 refused\), 9\.8 KiB in, 9\.8 KiB out/);
});

test('chat serve --json: SIGTERM with a user still in the room writes the close record and counts its bytes', async (t) => {
  const proc = new RunningProcess(process.execPath, [CLI, 'chat', 'serve', '--tcp', '0', '--json']);
  t.after(() => proc.stop('SIGKILL'));
  const port = Number((await proc.waitFor(/"event":"listening".*"address":"127\.0\.0\.1:(\d+)"/, 15_000, 'stdout'))[1]);
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => (received += c));
  await once(socket, 'connect');
  const peer = `127.0.0.1:${socket.localPort}`;
  socket.write('alice\r\n');
  await until('the welcome', () => received.includes('Welcome to the chat alice'));
  socket.write('hello room\r\n');
  await proc.waitFor(/"event":"joined"/, 5000, 'stdout');
  const exit = await proc.stop('SIGTERM');
  assert.equal(exit.code, 0, proc.stderr);
  const records = ndjson(proc.stdout);
  const close = records.find((r) => r.event === 'close' && r.peer === peer);
  assert.ok(close !== undefined, proc.stdout);
  assert.equal(close.bytes_in, Buffer.byteLength('alice\r\nhello room\r\n'));
  assert.ok((close.bytes_out as number) > 0);
  const summary = records.find((r) => r.event === 'summary') as Record<string, unknown>;
  assert.equal(summary.connections, 1);
  assert.equal(summary.bytes_in, close.bytes_in);
  assert.equal(summary.bytes_out, close.bytes_out);
});
