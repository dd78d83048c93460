/**
 * `im serve --redis URL --room NAME`: relays in separate processes on one
 * real redis-server serve one relay. Each node is a child process, so Redis
 * can really be stopped, paused and restarted under it.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encodeFrame } from '../../../src/codec/length-prefixed.js';
import { runCli } from '../../helpers/cli.js';
import { bannerPort, spawnCli, type RunningCli } from '../../helpers/spawn-cli.js';
import { prepareReference, type PythonReference } from '../../helpers/python-im.js';
import { RawClient } from '../../helpers/raw-tcp.js';
import { RedisServer } from '../../helpers/redis.js';
import { LineCollector, waitFor, waitForExit } from '../../helpers/wait.js';

interface RelayNode {
  cli: RunningCli;
  port: number;
}

/** Starts `im serve --redis` on a free port and waits until its link is up. */
async function relayNode(t: TestContext, redis: RedisServer, ...extra: string[]): Promise<RelayNode> {
  const cli = spawnCli(t, ['im', 'serve', '-p', '0', '--redis', redis.url(), '--room', 'lab', ...extra]);
  const port = await bannerPort(cli);
  await cli.stdout.waitForLine(new RegExp(`^Redis at 127\\.0\\.0\\.1:${redis.port} connected \\(IM relay lab, node [0-9a-f]{8}\\)$`));
  return { cli, port };
}

async function connectTo(t: TestContext, node: RelayNode): Promise<RawClient> {
  const connects = node.cli.stdout.lines.filter((l) => / connect tcp /.test(l)).length;
  const client = await RawClient.connect(node.port);
  t.after(() => client.destroy());
  await waitFor('the relay to log the client', () => node.cli.stdout.lines.filter((l) => / connect tcp /.test(l)).length > connects);
  return client;
}

/** Resolves on the socket's next 'drain', or after `ms`, whichever comes first. */
function drainOrTimeout(client: RawClient, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.socket.off('drain', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.socket.once('drain', done);
  });
}

/** Resident memory of a process, in bytes (Linux /proc). */
function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) * 1024;
}

let py: PythonReference;
before(() => {
  py = prepareReference();
});
after(() => py.dispose());

test('frames cross between relays byte-exact, once, in their sender\'s order, never back to the sender', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await relayNode(t, redis);
  const b = await relayNode(t, redis);
  const sender = await connectTo(t, a);
  const besideSender = await connectTo(t, a);
  const remote = await connectTo(t, b);
  // Every byte value, empty frames, bytes that look like length prefixes.
  const payloads = Array.from({ length: 300 }, (_, i) => Buffer.from(Array.from({ length: i % 40 }, (_, j) => (i * 7 + j * 13) & 0xff)));
  payloads.push(Buffer.from([0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]));
  // One write: the frames arrive at relay A in one read, and go to Redis in one batch.
  sender.socket.write(Buffer.concat(payloads.map(encodeFrame)));
  assert.deepEqual(await remote.waitForFrames(payloads.length), payloads);
  assert.deepEqual(await besideSender.waitForFrames(payloads.length), payloads);
  remote.socket.write(encodeFrame(Buffer.from('from b')));
  assert.deepEqual((await sender.waitForFrames(1))[0], Buffer.from('from b'));
  await waitFor('b -> a, beside the sender', () => besideSender.frames.length === payloads.length + 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(sender.frames.length, 1, 'the sender got none of its own frames');
  assert.equal(remote.frames.length, payloads.length, 'b\'s client got each frame once, and not its own');
});

test('--max-frame holds on each node: a frame of exactly --max-frame crosses, one byte more disconnects its sender, and a node relays nothing longer than its own limit', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await relayNode(t, redis, '--max-frame', '1000');
  const b = await relayNode(t, redis, '--max-frame', '500');
  const sender = await connectTo(t, a);
  const local = await connectTo(t, a);
  const remote = await connectTo(t, b);
  sender.socket.write(encodeFrame(Buffer.alloc(500, 1)));
  assert.equal((await remote.waitForFrames(1))[0]?.length, 500);
  // 800 is within A's limit, not B's: A's clients get it, B's do not.
  sender.socket.write(encodeFrame(Buffer.alloc(800, 2)));
  sender.socket.write(encodeFrame(Buffer.alloc(1000, 3)));
  await local.waitForFrames(3);
  assert.deepEqual(local.frames.map((f) => f.length), [500, 800, 1000]);
  sender.socket.write(Buffer.from([0, 0, 0x03, 0xe9]));
  await sender.waitForClose();
  await a.cli.stdout.waitForLine(/dropped 127\.0\.0\.1:\d+: .*1001/);
  // B goes on: its next frame from A is one within its limit.
  local.socket.write(encodeFrame(Buffer.from('still here')));
  await waitFor('the next frame at b', () => remote.frames.length === 2);
  assert.deepEqual(remote.frames[1], Buffer.from('still here'));
  b.cli.child.kill('SIGINT');
  assert.equal(await waitForExit(b.cli.child), 0);
  const summary = await b.cli.stderr.waitForLine(/^stopped /);
  assert.match(summary, /frames from nodes 2, frames refused from nodes 2,/);
});

test('the Python reference course clients (encrypted) talk across relays, with each other and with im join', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await relayNode(t, redis);
  const b = await relayNode(t, redis);
  const join = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(a.port), '-n', 'cli', '-c', 'conf', '-a', 'auth']);
  await join.stderr.waitForLine(/^connected to .* \(encrypted, course\)/);
  await waitFor('im join in relay a\'s log', () => a.cli.stdout.lines.some((l) => / connect tcp /.test(l)));
  // A reference client on A waits for two messages; one on B sends one.
  const listener = py.spawn(['client', '--port', String(a.port), '--nick', 'pya', '--conf', 'conf', '--auth', 'auth', '--expect', '2']);
  t.after(() => {
    if (listener.exitCode === null) listener.kill();
  });
  const listenerOut = new LineCollector(listener.stdout!);
  await listenerOut.waitForLine('READY');
  await waitFor('pya in relay a\'s log', () => a.cli.stdout.lines.filter((l) => / connect tcp /.test(l)).length === 2);
  const sender = py.spawn(['client', '--port', String(b.port), '--nick', 'pyb', '--conf', 'conf', '--auth', 'auth', '--send', 'hello across', '--expect', '1']);
  t.after(() => {
    if (sender.exitCode === null) sender.kill();
  });
  const senderOut = new LineCollector(sender.stdout!);
  await senderOut.waitForLine('READY');
  await join.stdout.waitForLine('pyb: hello across');
  join.child.stdin!.write('hi python\n');
  await senderOut.waitForCount(2);
  assert.equal(senderOut.lines[1], 'cli: hi python');
  assert.equal(await waitForExit(sender), 0);
  await listenerOut.waitForCount(3);
  assert.deepEqual(listenerOut.lines.slice(1), ['pyb: hello across', 'cli: hi python']);
  assert.equal(await waitForExit(listener), 0);
});

test('Redis stopped: local delivery goes on and the log says so; Redis restarted: the log says it is back and frames cross again within 30 s', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await relayNode(t, redis);
  const b = await relayNode(t, redis);
  const sender = await connectTo(t, a);
  const local = await connectTo(t, a);
  const remote = await connectTo(t, b);
  await redis.stop();
  await a.cli.stdout.waitForLine(new RegExp(`^Redis at 127\\.0\\.0\\.1:${redis.port} unreachable: .+ \\(local delivery continues\\)$`));
  await b.cli.stdout.waitForLine(/unreachable: .+ \(local delivery continues\)$/);
  sender.socket.write(encodeFrame(Buffer.from('while redis is down')));
  assert.deepEqual((await local.waitForFrames(1))[0], Buffer.from('while redis is down'));
  const restartedAt = Date.now();
  await redis.restart();
  await a.cli.stdout.waitForLine(new RegExp(`^Redis at 127\\.0\\.0\\.1:${redis.port} is back after [\\d.]+ s; 1 messages to other nodes \\(\\d+ bytes\\) were dropped$`), 30_000);
  await b.cli.stdout.waitForLine(/ is back after /, 30_000);
  assert.ok(Date.now() - restartedAt < 30_000);
  sender.socket.write(encodeFrame(Buffer.from('after the restart')));
  assert.deepEqual(await remote.waitForFrames(1), [Buffer.from('after the restart')], 'the frame sent during the outage was not replayed');
  assert.equal(a.cli.child.exitCode, null);
});

test('Redis paused (SIGSTOP) while a client floods: the relay\'s memory stays bounded, it keeps serving its own clients, and after SIGCONT frames cross again', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await relayNode(t, redis);
  const b = await relayNode(t, redis);
  const flooder = await connectTo(t, a);
  const local = await connectTo(t, a);
  const remote = await connectTo(t, b);
  // The local reader keeps only a count: the test's own memory stays flat.
  let localBytes = 0;
  local.socket.removeAllListeners('data');
  local.socket.on('data', (chunk: Buffer) => {
    localBytes += chunk.length;
  });
  const rssBefore = rssBytes(a.cli.child.pid!);
  redis.pause();
  const frame = encodeFrame(Buffer.alloc(16 * 1024, 0x5a));
  let sent = 0;
  let maxRss = rssBefore;
  // About 4 s of flooding, as fast as relay A takes it (write()'s return value respected).
  const until = Date.now() + 4000;
  while (Date.now() < until) {
    while (flooder.socket.write(frame)) sent += frame.length;
    sent += frame.length;
    await drainOrTimeout(flooder, 50);
    maxRss = Math.max(maxRss, rssBytes(a.cli.child.pid!));
  }
  t.diagnostic(`offered ${sent} bytes; A's client got ${localBytes}; A's RSS ${Math.round(rssBefore / 1048576)} -> at most ${Math.round(maxRss / 1048576)} MiB`);
  assert.ok(sent > 64 * 1024 * 1024, `the flood offered ${sent} bytes, many times the 8 MiB bound`);
  assert.ok(localBytes > 32 * 1024 * 1024, `A's own client kept receiving (${localBytes} bytes)`);
  assert.ok(maxRss - rssBefore < 96 * 1024 * 1024, `relay A grew by ${Math.round((maxRss - rssBefore) / 1048576)} MiB`);
  await a.cli.stdout.waitForLine(/is not keeping up: \d+ bytes wait for it \(limit 8388608\); messages to other nodes are dropped until it catches up \(local delivery continues\)$/);
  await a.cli.stdout.waitForLine(/unreachable: no answer for \d+ s \(local delivery continues\)$/);
  redis.resume();
  await a.cli.stdout.waitForLine(/ is back after /, 30_000);
  // What Redis had taken before the pause still arrives; then a marker frame proves the way is open again.
  flooder.socket.write(encodeFrame(Buffer.from('marker')));
  await waitFor('the marker at b', () => remote.frames.some((f) => f.toString() === 'marker'), 30_000);
  assert.equal(a.cli.child.exitCode, null, 'relay A is still running');
  assert.ok(remote.frames.every((f) => f.length === 16 * 1024 || f.toString() === 'marker'), 'every frame that crossed is whole');
});

test('a bad --redis URL or --room is a usage error (exit 2) with a sentence, before anything listens', async () => {
  const cases: [string[], RegExp][] = [
    [['--redis', '127.0.0.1:6379'], /--redis "127\.0\.0\.1:6379" is not a URL; a Redis URL looks like redis:\/\/HOST:PORT\[\/DB\]/],
    [['--redis', 'redis://127.0.0.1:6379/x'], /the database after the \/ must be a whole number/],
    [['--redis', 'redis://127.0.0.1:6379', '--room', 'two words'], /--room must be 1-64 letters, digits/],
  ];
  for (const [flags, reason] of cases) {
    const r = await runCli(['im', 'serve', '-p', '0', ...flags], { timeoutMs: 15_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, reason);
    assert.doesNotMatch(r.stderr, /listening/);
  }
});

test('with --json the link\'s changes are NDJSON events on stdout, which carries nothing else', async (t) => {
  const redis = await RedisServer.start(t);
  const cli = spawnCli(t, ['im', 'serve', '-p', '0', '--redis', redis.url(), '--json']);
  await bannerPort(cli);
  await cli.stdout.waitForLine(/"event":"redis_connected"/);
  await redis.stop();
  const down = JSON.parse(await cli.stdout.waitForLine(/"event":"redis_down"/)) as Record<string, unknown>;
  assert.equal(down.code, 'NETLAB_ERR_REDIS_UNREACHABLE');
  assert.equal(down.redis, `127.0.0.1:${redis.port}`);
  assert.match(String(down.reason), /unreachable: .+ \(local delivery continues\)$/);
  await redis.restart();
  const up = JSON.parse(await cli.stdout.waitForLine(/"event":"redis_up"/, 30_000)) as Record<string, unknown>;
  assert.equal(typeof up.duration_ms, 'number');
  cli.child.kill('SIGINT');
  assert.equal(await waitForExit(cli.child), 0);
  const summary = JSON.parse(cli.stdout.lines.filter((l) => l !== '').at(-1)!) as Record<string, unknown>;
  assert.equal(summary.event, 'summary');
  assert.equal(summary.frames_not_sent_to_nodes, 0);
  for (const line of cli.stdout.lines.filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line), line);
});
