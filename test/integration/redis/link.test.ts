import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ERROR_CODES, type NetlabError } from '../../../src/errors.js';
import { openRedisLink, type RedisLink, type RedisLinkOptions } from '../../../src/redis/link.js';
import { RedisRelayBus } from '../../../src/redis/im-relay-bus.js';
import { ImRelay } from '../../../src/protocols/im/relay.js';
import { RedisServer } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

interface Node {
  link: RedisLink;
  got: Buffer[];
  origins: Set<string>;
  events: string[];
}

async function node(t: TestContext, options: RedisLinkOptions, channel = 'test'): Promise<Node> {
  const link = await openRedisLink(options);
  t.after(() => link.close());
  const got: Buffer[] = [];
  const origins = new Set<string>();
  const events: string[] = [];
  for (const name of ['connected', 'down', 'up', 'backlog', 'caughtUp'] as const) {
    link.on(name, (arg?: NetlabError | object) => events.push(arg !== undefined && 'message' in arg ? `${name}: ${arg.message}` : name));
  }
  await link.subscribe(channel, (record, origin) => {
    got.push(Buffer.from(record));
    origins.add(origin);
  });
  return { link, got, origins, events };
}

/** Active ref'd timers (what the leak check counts). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
}

async function connected(...nodes: Node[]): Promise<void> {
  await waitFor('both links up', () => nodes.every((n) => n.link.up), 15_000);
}

test('records cross between two nodes byte-exact and in order; a node never gets its own; DBs stay apart', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await node(t, { url: redis.url() });
  const b = await node(t, { url: redis.url() });
  const otherDb = await node(t, { url: redis.url(1) });
  await connected(a, b, otherDb);
  const records = Array.from({ length: 500 }, (_, i) => Buffer.concat([Buffer.from(`#${i}:`), Buffer.from([0, 0xff, 0x0a, 0x0d, i & 0xff])]));
  // Spread over several event-loop turns, so several PUBLISH batches carry them.
  for (let i = 0; i < records.length; i++) {
    assert.equal(a.link.send('test', records[i]!), true);
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor('500 records at b', () => b.got.length >= 500);
  assert.deepEqual(b.got, records);
  assert.deepEqual([...b.origins], [a.link.nodeId]);
  assert.ok(a.link.stats.publishes < 500, `records were batched (${a.link.stats.publishes} publishes)`);
  b.link.send('test', Buffer.from('back'));
  await waitFor('b -> a', () => a.got.length === 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(a.got, [Buffer.from('back')], 'a got nothing of its own');
  assert.equal(otherDb.got.length, 0, 'a room on DB 1 hears nothing of DB 0');
  assert.deepEqual(a.events, ['connected']);
});

test('Redis stopped: each node says so once, drops (and counts) what it sends meanwhile; restarted: it says it is back and records cross again', async (t) => {
  const redis = await RedisServer.start(t);
  const options = { url: redis.url(), retryInitialMs: 50, retryMaxMs: 500 };
  const a = await node(t, options);
  const b = await node(t, options);
  await connected(a, b);
  await redis.stop();
  await waitFor('a reports Redis down', () => a.events.some((e) => e.startsWith('down')));
  assert.match(a.events.find((e) => e.startsWith('down'))!, new RegExp(`^down: Redis at 127\\.0\\.0\\.1:${redis.port} unreachable: .+ \\(local delivery continues\\)$`));
  assert.equal(a.link.send('test', Buffer.from('lost')), false);
  assert.equal(a.link.stats.droppedRecords, 1);
  // Let several reconnection attempts fail: still one line per outage.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(a.events.filter((e) => e.startsWith('down')).length, 1);
  const restartedAt = Date.now();
  await redis.restart();
  await connected(a, b);
  assert.ok(Date.now() - restartedAt < 30_000);
  assert.equal(a.events.filter((e) => e === 'up').length, 1);
  assert.equal(a.link.stats.outages, 1);
  a.link.send('test', Buffer.from('after'));
  await waitFor('a record after the restart', () => b.got.length === 1);
  assert.deepEqual(b.got, [Buffer.from('after')]);
});

test('Redis paused (SIGSTOP) under a flood: what waits for it stays under the bound, the node says so, and after SIGCONT it catches up', async (t) => {
  const redis = await RedisServer.start(t);
  const bound = 256 * 1024;
  const a = await node(t, { url: redis.url(), maxBufferedBytes: bound, heartbeatMs: 100, stallTimeoutMs: 1000 });
  const b = await node(t, { url: redis.url() });
  await connected(a, b);
  redis.pause();
  const record = Buffer.alloc(1000, 0x61);
  let accepted = 0;
  let maxBuffered = 0;
  // 20 MB offered over about 2 s: 80 times the bound.
  for (let turn = 0; turn < 200; turn++) {
    for (let i = 0; i < 100; i++) if (a.link.send('test', record)) accepted += 1;
    maxBuffered = Math.max(maxBuffered, a.link.stats.bufferedBytes);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(maxBuffered <= bound, `buffered ${maxBuffered} <= ${bound}`);
  assert.ok(accepted * (record.length + 4) <= bound, `accepted ${accepted} records, no more than the bound holds`);
  assert.ok(a.link.stats.droppedRecords >= 20_000 - accepted);
  assert.ok(a.events.some((e) => e.startsWith('backlog: ') && e.includes(`Redis at 127.0.0.1:${redis.port} is not keeping up`)), a.events.join('; '));
  await waitFor('the stall noticed', () => a.events.some((e) => /^down: .*unreachable: no answer for \d+ s/.test(e)));
  redis.resume();
  await waitFor('a back after SIGCONT', () => a.events.includes('up'), 30_000);
  await waitFor('the accepted records delivered', () => b.got.length === accepted, 30_000);
  assert.ok(a.events.includes('caughtUp'));
  assert.equal(a.link.stats.bufferedBytes, 0);
  a.link.send('test', Buffer.from('after'));
  await waitFor('a record after the pause', () => b.got.at(-1)?.toString() === 'after');
  // ioredis's parser (redis-parser) shrinks the buffer pool it grew for the
  // large messages on a 50 ms interval that stops by itself: let it finish
  // (the links' own timers are unref'd and not counted).
  await waitFor('the Redis parser to shrink its buffer pool', () => activeTimers() === 0, 15_000);
});

test('a message on the channel that is not netlab\'s is skipped and counted, and the node keeps receiving', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await node(t, { url: redis.url() });
  const b = await node(t, { url: redis.url() });
  await connected(a, b);
  const malformed = once(b.link, 'malformed');
  await a.link.commands.publish(a.link.channel('test'), 'hello from redis-cli');
  const [, error] = (await malformed) as [string, NetlabError];
  assert.equal(error.code, ERROR_CODES.REDIS_MALFORMED);
  a.link.send('test', Buffer.from('real'));
  await waitFor('the next record', () => b.got.length === 1);
  assert.equal(b.link.stats.malformed, 1);
});

test('a Redis that is not there at start is one "unreachable" line, then retries; closing the link ends the retries', async (t) => {
  const redis = await RedisServer.start(t);
  await redis.stop();
  const a = await node(t, { url: redis.url(), retryInitialMs: 50, retryMaxMs: 200 });
  await waitFor('the first failure reported', () => a.events.length > 0);
  assert.match(a.events[0]!, /^down: Redis at 127\.0\.0\.1:\d+ unreachable: .*ECONNREFUSED.* \(local delivery continues\)$/);
  await redis.restart();
  await connected(a);
  assert.deepEqual(a.events.slice(1), ['connected']);
});

test('one IM relay per room per link: a second relay on the same room is refused at construction, another room is fine', async (t) => {
  const redis = await RedisServer.start(t);
  const a = await node(t, { url: redis.url() });
  new ImRelay({ bus: new RedisRelayBus(a.link, 'lab') });
  assert.throws(
    () => new ImRelay({ bus: new RedisRelayBus(a.link, 'lab') }),
    (err: unknown) => (err as NetlabError).code === ERROR_CODES.INVALID_STATE && /already serves IM room lab/.test((err as Error).message),
  );
  assert.equal(a.link.hasSubscription('im:other'), false);
  new ImRelay({ bus: new RedisRelayBus(a.link, 'other') });
  assert.equal(a.link.hasSubscription('im:other'), true);
  assert.throws(() => new RedisRelayBus(a.link, 'two words'), (err: unknown) => (err as NetlabError).code === ERROR_CODES.INVALID_ARGUMENT);
});
