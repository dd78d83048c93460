/**
 * TLS peers that never finish a handshake (issue 14 item 1), against the real
 * CLI: a socket before its handshake holds a --max-conns seat, is closed when
 * its peer closes, and is closed by --handshake-timeout when it stays silent.
 * The server child's open descriptors (/proc/PID/fd) show what it still holds.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { readdirSync } from 'node:fs';
import { CLI, ndjson, RunningProcess, runCli, startServeCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP connection that sends nothing (no ClientHello). */
async function silent(t: TestContext, port: number): Promise<net.Socket & { closedAt?: number }> {
  const socket: net.Socket & { closedAt?: number } = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('close', () => (socket.closedAt = Date.now()));
  t.after(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  return socket;
}

/** A real TLS client: sends `text`, resolves with the first answer, rejects when the connection fails or closes first. */
function tlsRoundTrip(port: number, text: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer'));
    }, timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error('closed without an answer'));
    });
    socket.once('secureConnect', () => socket.write(text));
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString());
      socket.destroy();
    });
  });
}

/** Starts `netlab serve tls ... --json -p 0`, killed in teardown if a test fails before stopping it. */
async function serveTls(t: TestContext, args: string[]): Promise<{ proc: RunningProcess; port: number; pid: number }> {
  const { proc, port } = await startServeCli(['tls', ...args]);
  t.after(() => proc.stop('SIGKILL'));
  return { proc, port, pid: proc.child.pid as number };
}

/** SIGTERM, as a user stops it: exit 0. */
async function stop(proc: RunningProcess): Promise<void> {
  const exit = await proc.stop();
  assert.equal(exit.code, 0, proc.stderr);
}

for (const variant of [{ name: 'serve tls', args: [] as string[] }, { name: 'serve tls --pcap', args: ['--pcap'] }]) {
  test(`${variant.name}: 100 connections that send nothing and then close are all released`, async (t) => {
    const { proc, port, pid } = await serveTls(t, variant.args.includes('--pcap') ? ['--pcap', `${tempDir(t)}/server.pcap`] : []);
    const before = openFiles(pid);
    const sockets: Awaited<ReturnType<typeof silent>>[] = [];
    for (let i = 0; i < 100; i += 1) sockets.push(await silent(t, port));
    await until('the server to hold the 100 sockets', () => openFiles(pid) >= before + 100);
    for (const socket of sockets) socket.end(); // FIN, no ClientHello ever
    await until('every socket closed by the server', () => sockets.every((s) => s.closedAt !== undefined));
    await until('the server to release their descriptors', () => openFiles(pid) <= before);
    // And a real client is still served.
    assert.equal(await tlsRoundTrip(port, 'still here'), 'still here');
    await stop(proc);
  });
}

test('serve tls --max-conns 5: five silent sockets fill it, a real client is refused, and served once they close', async (t) => {
  const { proc, port, pid } = await serveTls(t, ['--max-conns', '5']);
  const idle = openFiles(pid);
  const silentOnes: Awaited<ReturnType<typeof silent>>[] = [];
  for (let i = 0; i < 5; i += 1) silentOnes.push(await silent(t, port));
  await until('the server to accept the five', () => openFiles(pid) >= idle + 5);
  const before = openFiles(pid);
  const started = Date.now();
  await assert.rejects(tlsRoundTrip(port, 'hello'));
  assert.ok(Date.now() - started < 3000, 'refused promptly, not after a timeout');
  await proc.waitFor(/"event":"refused".*server is full \(5 connections/, 5000, 'stdout');
  assert.ok(openFiles(pid) <= before, 'the refused socket is not kept');
  assert.ok(silentOnes.every((s) => s.closedAt === undefined), 'the silent ones are still open (within the 10 s default)');

  for (const socket of silentOnes) socket.end();
  await until('the silent sockets closed by the server', () => silentOnes.every((s) => s.closedAt !== undefined));
  // Their seats are free again: five real clients at once fit.
  const answers = await Promise.all([1, 2, 3, 4, 5].map(async (n) => tlsRoundTrip(port, `client ${n}`)));
  assert.deepEqual(answers, ['client 1', 'client 2', 'client 3', 'client 4', 'client 5']);
  await stop(proc);
  const records = ndjson(proc.stdout);
  assert.equal(records.filter((r) => r.event === 'refused').length, 1);
  assert.equal(records.filter((r) => r.event === 'connect').length, 5, 'the silent sockets were never sessions');
});

test('serve tls --handshake-timeout 1 closes a connection that sends nothing after about 1 s, and logs why', async (t) => {
  const { proc, port } = await serveTls(t, ['--handshake-timeout', '1']);
  const started = Date.now();
  const socket = await silent(t, port);
  await until('the server to close the silent socket', () => socket.closedAt !== undefined, 5000);
  const waited = (socket.closedAt as number) - started;
  assert.ok(waited >= 900 && waited < 4000, `closed after ${waited} ms`);
  await proc.waitFor(/"event":"peer_error".*TLS handshake not finished within 1 s/, 3000, 'stdout');
  // A client that does its handshake in time is unaffected by the timer.
  assert.equal(await tlsRoundTrip(port, 'in time'), 'in time');
  await stop(proc);
});

test('serve tls --handshake-timeout: a bad value is a usage error, and the flag is for tls only', async () => {
  for (const args of [
    ['serve', 'tls', '-p', '0', '--handshake-timeout', '0'],
    ['serve', 'tls', '-p', '0', '--handshake-timeout', 'soon'],
    ['serve', 'tls', '-p', '0', '--handshake-timeout', '99999999'],
    ['serve', 'tcp', '-p', '0', '--handshake-timeout', '5'],
    ['chat', 'serve', '--tcp', '0', '--handshake-timeout', '5'],
  ]) {
    const result = await runCli(args, { timeoutMs: 15_000 });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /handshake-timeout|duration/, args.join(' '));
  }
});

test('chat serve --tls: silent sockets are released on close, fill --max-conns, and time out', async (t) => {
  const proc = new RunningProcess(process.execPath, [CLI, 'chat', 'serve', '--tls', '0', '--max-conns', '3', '--handshake-timeout', '2', '--json']);
  t.after(() => proc.stop('SIGKILL'));
  const match = await proc.waitFor(/"event":"listening".*"address":"127\.0\.0\.1:(\d+)"/, 15_000, 'stdout');
  const port = Number(match[1]);
  const pid = proc.child.pid as number;
  const before = openFiles(pid);

  const first = [await silent(t, port), await silent(t, port), await silent(t, port)];
  await assert.rejects(tlsRoundTrip(port, 'alice\n'));
  await proc.waitFor(/"event":"refused".*server is full \(3 connections/, 5000, 'stdout');
  for (const socket of first) socket.end();
  await until('the chat server to close the silent sockets', () => first.every((s) => s.closedAt !== undefined));
  await until('the chat server to release their descriptors', () => openFiles(pid) <= before);

  // A real user gets the name prompt; a silent one is closed after 2 s.
  assert.match(await tlsRoundTrip(port, ''), /name/i);
  const started = Date.now();
  const quiet = await silent(t, port);
  await until('the handshake timeout', () => quiet.closedAt !== undefined, 6000);
  assert.ok((quiet.closedAt as number) - started >= 1800, 'not before the timeout');
  await proc.waitFor(/"event":"peer_error".*TLS handshake not finished within 2 s/, 3000, 'stdout');
  const exit = await proc.stop();
  assert.equal(exit.code, 0, proc.stderr);
});
