/**
 * `netlab im serve` and `netlab im join` as a user runs them, with the Python
 * reference client on the other end, and an attacker on the relay tampering.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encodeFrame } from '../../../src/codec/length-prefixed.js';
import { CourseCipher } from '../../../src/protocols/im/crypto.js';
import { bannerPort, spawnCli } from '../../helpers/spawn-cli.js';
import { prepareReference, type PythonReference } from '../../helpers/python-im.js';
import { RawClient } from '../../helpers/raw-tcp.js';
import { LineCollector, waitFor, waitForExit } from '../../helpers/wait.js';

let py: PythonReference;
before(() => {
  py = prepareReference();
});
after(() => py.dispose());

const vector = JSON.parse(readFileSync(new URL('../../fixtures/im/course-vector.json', import.meta.url), 'utf8')) as Record<string, string>;

test('im serve + im join (encrypted) talk to the Python reference both ways; SIGINT stops the relay with totals', async (t) => {
  const serve = spawnCli(t, ['im', 'serve', '-p', '0']);
  const port = await bannerPort(serve);
  const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'cli', '-c', 'conf', '-a', 'auth']);
  await join.stderr.waitForLine(/^connected to 127\.0\.0\.1:\d+ as cli \(encrypted, course\)/);
  await serve.stdout.waitForLine(/connect tcp/);

  const child = py.spawn(['client', '--port', String(port), '--nick', 'python', '--conf', 'conf', '--auth', 'auth', '--send', 'hi cli', '--expect', '1']);
  t.after(() => {
    if (child.exitCode === null) child.kill();
  });
  const pyOut = new LineCollector(child.stdout!);
  await pyOut.waitForLine('READY');
  await join.stdout.waitForLine('python: hi cli');
  join.child.stdin!.write('hi python\n');
  await pyOut.waitForLine('cli: hi python');
  assert.equal(await waitForExit(child), 0);

  // Ctrl-D: the client leaves and exits 0.
  join.child.stdin!.end();
  assert.equal(await waitForExit(join.child), 0);

  serve.child.kill('SIGINT');
  assert.equal(await waitForExit(serve.child), 0);
  assert.match(await serve.stderr.waitForLine(/^stopped/), /^stopped \(SIGINT\): 2 connections \(0 refused\)/);
});

test('every single-byte flip of an encrypted frame (either MAC kind) gives the uniform notice; wrong keys too; the connection survives', async (t) => {
  const serve = spawnCli(t, ['im', 'serve', '-p', '0']);
  const port = await bannerPort(serve);
  const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'bob', '-c', vector.confkey!, '-a', vector.authkey!]);
  await join.stderr.waitForLine(/^connected/);
  const attacker = await RawClient.connect(port);
  t.after(() => attacker.destroy());
  await waitFor('both clients in the relay log', () => serve.stdout.lines.filter((l) => / connect tcp /.test(l)).length === 2);

  const payload = Buffer.from(vector.payload!, 'hex');
  const frames: Buffer[] = [];
  // Both kinds of course MAC: over the IM bytes and over the padded IM bytes.
  const padded = Buffer.from(vector.payload_padded!, 'hex');
  for (const original of [payload, padded]) {
    for (let i = 0; i < original.length; i++) {
      const tampered = Buffer.from(original);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      frames.push(encodeFrame(tampered));
    }
  }
  frames.push(encodeFrame(new CourseCipher('other conf', vector.authkey!).seal({ nickname: 'eve', message: 'x' })));
  frames.push(encodeFrame(new CourseCipher(vector.confkey!, 'other auth').seal({ nickname: 'eve', message: 'y' })));
  frames.push(encodeFrame(payload));
  attacker.socket.write(Buffer.concat(frames));

  const expected = payload.length + padded.length + 3;
  const lines = await join.stdout.waitForCount(expected, 30000);
  assert.deepEqual(lines.slice(0, expected - 1), Array(expected - 1).fill('message could not be authenticated'));
  assert.equal(lines[expected - 1], `${vector.nickname}: ${vector.message}`);
  assert.equal(join.child.exitCode, null, 'the client is still running');
});

test('im join refuses one key without the other (usage error, exit 2)', async (t) => {
  const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', '9', '-n', 'x', '-c', 'only']);
  assert.equal(await waitForExit(join.child), 2);
  assert.match(await join.stderr.waitForLine(/needs both keys/), /-c CONFKEY and -a AUTHKEY/);
});

test('--suite etm: two clients talk; a frame replayed by another client on the relay is rejected', async (t) => {
  const serve = spawnCli(t, ['im', 'serve', '-p', '0']);
  const port = await bannerPort(serve);
  const keys = ['-c', 'conf', '-a', 'auth', '--suite', 'etm'];
  const alice = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'alice', ...keys]);
  const bob = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'bob', ...keys]);
  await alice.stderr.waitForLine(/encrypted, etm/);
  await bob.stderr.waitForLine(/encrypted, etm/);
  const eve = await RawClient.connect(port);
  t.after(() => eve.destroy());
  await waitFor('three clients in the relay log', () => serve.stdout.lines.filter((l) => / connect tcp /.test(l)).length === 3);

  alice.child.stdin!.write('pay bob 10\n');
  await bob.stdout.waitForLine('alice: pay bob 10');
  const [recorded] = await eve.waitForFrames(1);
  eve.socket.write(encodeFrame(recorded!)); // replay
  await bob.stdout.waitForLine('message could not be authenticated');
  alice.child.stdin!.write('that was all\n');
  await bob.stdout.waitForLine('alice: that was all');
  assert.deepEqual(bob.stdout.lines, ['alice: pay bob 10', 'message could not be authenticated', 'alice: that was all']);
});

test('--suite etm without keys is a usage error', async (t) => {
  const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-n', 'x', '--suite', 'etm']);
  assert.equal(await waitForExit(join.child), 2);
});
