/**
 * What `im join` shows of what others send: text that cannot drive the
 * terminal (control characters escaped, embedded newlines included), the
 * nickname rules held in plain mode, encrypted frames named as such in plain
 * mode, and protobuf sent without its length prefix named as such, in the
 * relay's log and in the client's own error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { encodeFrame } from '../../../src/codec/length-prefixed.js';
import { CourseCipher } from '../../../src/protocols/im/crypto.js';
import { encodeChatMessage } from '../../../src/protocols/im/messages.js';
import { bannerPort, spawnCli, type RunningCli } from '../../helpers/spawn-cli.js';
import { RawClient } from '../../helpers/raw-tcp.js';
import { waitFor, waitForExit } from '../../helpers/wait.js';

const NOT_DECODED = 'message could not be decoded (is the sender using -c/-a keys?)';
const BAD_NICK = /^message with an invalid nickname not shown/;

async function relayWithJoin(t: import('node:test').TestContext, keys: string[] = []): Promise<{ serve: RunningCli; join: RunningCli; port: number; raw: RawClient }> {
  const serve = spawnCli(t, ['im', 'serve', '-p', '0']);
  const port = await bannerPort(serve);
  const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'bob', ...keys]);
  await join.stderr.waitForLine(/^connected/);
  const raw = await RawClient.connect(port);
  t.after(() => raw.destroy());
  await waitFor('both clients in the relay log', () => serve.stdout.lines.filter((l) => / connect tcp /.test(l)).length === 2);
  return { serve, join, port, raw };
}

const plain = (nickname: string, message: string): Buffer => encodeFrame(encodeChatMessage({ nickname, message }, 'Message'));

test('plain im join escapes control characters (newlines too): no forged line, no terminal escape', async (t) => {
  const { join, raw } = await relayWithJoin(t);
  raw.socket.write(plain('mallory', 'hi\nalice: forged line\r\x1b]0;owned\x07\x08end'));
  raw.socket.write(plain('mallory', 'tab\tstays ✓'));
  const lines = await join.stdout.waitForCount(2);
  assert.deepEqual(lines, ['mallory: hi\\x0aalice: forged line\\x0d\\x1b]0;owned\\x07\\x08end', 'mallory: tab\tstays ✓']);
});

test('plain mode: a nickname breaking the rules (control characters, empty, over 32 characters) is a notice, not a message', async (t) => {
  const { join, raw } = await relayWithJoin(t);
  raw.socket.write(plain('ali\rce', 'x'));
  raw.socket.write(plain('', 'x'));
  raw.socket.write(plain('n'.repeat(33), 'x'));
  raw.socket.write(plain('tab\tnick', 'x'));
  raw.socket.write(plain('ü'.repeat(32), 'thirty-two characters is fine'));
  const lines = await join.stdout.waitForCount(5);
  for (const line of lines.slice(0, 4)) assert.match(line, BAD_NICK);
  assert.equal(lines[4], `${'ü'.repeat(32)}: thirty-two characters is fine`);
});

test('plain im join receiving encrypted frames or binary junk says it could not decode them, and goes on', async (t) => {
  const { join, raw } = await relayWithJoin(t);
  raw.socket.write(encodeFrame(new CourseCipher('c', 'a').seal({ nickname: 'eve', message: 'secret' })));
  // A Message whose strings are not UTF-8.
  raw.socket.write(encodeFrame(Buffer.from('0a03ff00fe1202c328', 'hex')));
  raw.socket.write(plain('alice', 'plain again'));
  const lines = await join.stdout.waitForCount(3);
  assert.deepEqual(lines, [NOT_DECODED, NOT_DECODED, 'alice: plain again']);
});

test('encrypted im join escapes control characters in authentic messages too', async (t) => {
  const { join, raw } = await relayWithJoin(t, ['-c', 'c', '-a', 'a']);
  raw.socket.write(encodeFrame(new CourseCipher('c', 'a').seal({ nickname: 'eve', message: 'one\r\ntwo\x1b[2J' })));
  assert.deepEqual(await join.stdout.waitForCount(1), ['eve: one\\x0d\\x0atwo\\x1b[2J']);
});

test('im join refuses a nickname that breaks the rules before connecting (usage error, exit 2)', async (t) => {
  for (const nick of ['a\x1bb', 'n'.repeat(33)]) {
    const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', '9', '-n', nick]);
    assert.equal(await waitForExit(join.child), 2);
    assert.match(await join.stderr.waitForLine(/nickname has/), /control characters|at most 32 characters/);
  }
});

test('protobuf without the 4-byte length prefix: the relay log says so and drops only that client', async (t) => {
  const { serve, join, raw } = await relayWithJoin(t);
  raw.socket.write(encodeChatMessage({ nickname: 'student', message: 'forgot the length' }, 'Message'));
  await raw.waitForClose();
  const line = await serve.stdout.waitForLine(/dropped/);
  assert.match(line, /looks like protobuf without the 4-byte length prefix/);
  assert.equal(join.child.exitCode, null, 'the other client stays connected');
});

test('protobuf without the 4-byte length prefix: im join says so in its error', async (t) => {
  // A server written the student's way: Message bytes straight on the socket.
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(new CourseCipher('c', 'a').seal({ nickname: 'server', message: 'no length' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'bob', '-c', 'c', '-a', 'a']);
  assert.equal(await waitForExit(join.child), 1);
  assert.match(await join.stderr.waitForLine(/length prefix/), /looks like protobuf without the 4-byte length prefix/);
});
