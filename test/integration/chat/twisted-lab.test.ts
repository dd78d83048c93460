/**
 * The Twisted lab's own programs (test/fixtures/twisted/, Debian's
 * python3-twisted) against netlab: clients that write every message with no
 * line end, a server that takes every chunk as one message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { spawnCli, type RunningCli } from '../../helpers/spawn-cli.js';
import { tcpUser } from '../../helpers/chat.js';
import { LineCollector, waitFor, waitForExit } from '../../helpers/wait.js';

const PYTHON = '/usr/bin/python3';
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/twisted/${name}`, import.meta.url));

function python(t: TestContext, args: string[]): { child: ReturnType<typeof spawn>; out: LineCollector } {
  const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.on('error', () => undefined);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, out: new LineCollector(child.stdout!) };
}

/** The port from the banner a serve command prints (on stdout or stderr). */
async function listenPort(cli: RunningCli): Promise<number> {
  const banner = /listening on 127\.0\.0\.1:(\d+)/;
  await waitFor('the listening banner', () => [...cli.stdout.lines, ...cli.stderr.lines].some((l) => banner.test(l)));
  const line = [...cli.stdout.lines, ...cli.stderr.lines].find((l) => banner.test(l)) as string;
  return Number(banner.exec(line)?.[1]);
}

async function chatServe(t: TestContext): Promise<{ serve: RunningCli; port: number }> {
  const serve = spawnCli(t, ['chat', 'serve', '--tcp', '0']);
  return { serve, port: await listenPort(serve) };
}

test("the Twisted lab's chat client joins chat serve, talks both ways and leaves with !Q", async (t) => {
  const { serve, port } = await chatServe(t);
  const nc = await tcpUser(t, port, 'nc');
  nc.send('bob');
  await nc.out.waitForLine('Welcome to the chat bob. Please type !Q to quit.');

  const lab = python(t, [fixture('chat_client.py'), '127.0.0.1', String(port)]);
  await lab.out.waitForLine(/Welcome to the server, what is your name\?/);
  lab.child.stdin!.write('alice\n');
  await lab.out.waitForLine(/Welcome to the chat alice\. Please type !Q to quit\./);
  await nc.out.waitForLine('alice has entered the chat');
  lab.child.stdin!.write('hello from twisted\n');
  await nc.out.waitForLine('alice: hello from twisted');
  nc.send('hi alice');
  await lab.out.waitForLine(/bob: hi alice/);
  lab.child.stdin!.write('!Q\n');
  await nc.out.waitForLine('alice has left the chat');
  await lab.out.waitForLine('CONNECTION CLOSED');
  assert.ok(!nc.out.lines.includes('alice: !Q'), 'the quit was taken as a command, not said');
  serve.child.kill('SIGINT');
  assert.equal(await waitForExit(serve.child), 0);
});

test("chat join --eol none joins the Twisted lab's chat server with a clean name, talks both ways, and its !Q is seen", async (t) => {
  const server = python(t, [fixture('chat_server.py'), '0']);
  const port = Number((await server.out.waitForLine(/^LISTENING \d+$/)).split(' ')[1]);

  const raw = net.connect({ host: '127.0.0.1', port });
  raw.on('error', () => undefined);
  t.after(() => raw.destroy());
  const rawChunks: string[] = [];
  raw.on('data', (d) => rawChunks.push(d.toString()));
  await waitFor('the greeting', () => rawChunks.join('').includes('what is your name?'));
  raw.write('carol');
  await server.out.waitForLine("NAME b'carol'");

  const join = spawnCli(t, ['chat', 'join', '127.0.0.1', '-p', String(port), '-n', 'dave', '--eol', 'none']);
  // The greeting and the welcome may leave the server in one segment: one chunk, one printed line.
  await join.stdout.waitForLine(/Welcome to the chat dave\. Please type !Q to quit\.$/);
  assert.match(join.stdout.lines.join('\n'), /^Welcome to the server, what is your name\?/);
  await server.out.waitForLine("NAME b'dave'");
  await waitFor('the entry notice', () => rawChunks.join('').includes('dave has entered the chat'));

  join.child.stdin!.write('hello twisted\n');
  await waitFor('the line at the raw user', () => rawChunks.join('').includes('dave: hello twisted'));
  assert.ok(!rawChunks.join('').includes('hello twisted\n'), 'no line end was sent');
  raw.write('hi dave');
  await join.stdout.waitForLine('carol: hi dave');
  join.child.stdin!.write('!Q\n');
  await server.out.waitForLine("QUIT b'dave'");
  assert.equal(await waitForExit(join.child), 0);
});

test("chat join's default --eol lf is what a line server reads; --eol crlf sends \\r\\n", async (t) => {
  const got: Buffer[] = [];
  const server = net.createServer((s) => {
    s.on('data', (d) => got.push(d));
    s.write('hello\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const join = spawnCli(t, ['chat', 'join', '127.0.0.1', '-p', String(port), '-n', 'erin', '--eol', 'crlf']);
  await join.stdout.waitForLine('hello');
  await waitFor('the nickname', () => Buffer.concat(got).toString() === 'erin\r\n');
  join.child.kill('SIGKILL');
});

for (const [mode, args, expected] of [
  ['reverse', ['-m', 'reverse'], 'olleh'],
  ['reply', ['-m', 'reply', '--reply', 'X'], 'X\n'],
] as const) {
  test(`serve tcp -m ${mode}: a client that sends hello with no newline and waits gets its answer after the idle time`, async (t) => {
    const serve = spawnCli(t, ['serve', 'tcp', '-p', '0', ...args]);
    const port = await listenPort(serve);
    const lab = python(t, [fixture('echo_client.py'), '127.0.0.1', String(port)]);
    await lab.out.waitForLine(`Server said: ${expected.trimEnd()}`);
    assert.equal(await waitForExit(lab.child), 0);

    // Raw: the answer comes after about 200 ms of quiet, not before, and the connection stays open.
    const socket = net.connect({ host: '127.0.0.1', port });
    t.after(() => socket.destroy());
    const answers: string[] = [];
    socket.on('data', (d) => answers.push(d.toString()));
    await new Promise((r) => socket.once('connect', r));
    const sentAt = Date.now();
    socket.write('hello');
    await waitFor('the answer', () => answers.length > 0, 5000);
    const tookMs = Date.now() - sentAt;
    assert.equal(answers.join(''), expected);
    assert.ok(tookMs >= 150 && tookMs < 2000, `answered after ${tookMs} ms`);
    assert.equal(socket.readyState, 'open');
  });
}

test('serve tcp -m reverse: a line split over several writes within the idle time is one line', async (t) => {
  const serve = spawnCli(t, ['serve', 'tcp', '-p', '0', '-m', 'reverse']);
  const port = await listenPort(serve);
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  t.after(() => socket.destroy());
  const answers: string[] = [];
  socket.on('data', (d) => answers.push(d.toString()));
  await new Promise((r) => socket.once('connect', r));
  for (const piece of ['ab', 'cd', 'ef']) {
    socket.write(piece);
    await new Promise((r) => setTimeout(r, 80));
  }
  await waitFor('the answer', () => answers.join('').length >= 6, 5000);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(answers.join(''), 'fedcba');
  // With a line end the answer is immediate and keeps it, as before.
  socket.write('xyz\n');
  await waitFor('the second answer', () => answers.join('').endsWith('zyx\n'), 5000);
});

test('serve tcp -m reverse --line-idle-ms 0: an unterminated line waits for the half-close, as before', async (t) => {
  const serve = spawnCli(t, ['serve', 'tcp', '-p', '0', '-m', 'reverse', '--line-idle-ms', '0']);
  const port = await listenPort(serve);
  const socket = net.connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  const answers: string[] = [];
  socket.on('data', (d) => answers.push(d.toString()));
  await new Promise((r) => socket.once('connect', r));
  socket.write('hello');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(answers, []);
  socket.end();
  await waitFor('the answer on FIN', () => answers.join('') === 'olleh', 5000);
});
