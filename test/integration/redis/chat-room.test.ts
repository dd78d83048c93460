/**
 * One chat room served by several `chat serve --redis` processes, against
 * a real redis-server: lines, joins and leaves cross nodes; names are unique
 * across them; a node killed with -9 is noticed; Redis stopped, restarted
 * and paused costs the cross-node delivery of the gap, never the local one,
 * and never unbounded memory.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startChatNode, type ChatNode } from '../../helpers/chat-nodes.js';
import { tcpUser, type ChatPeer } from '../../helpers/chat.js';
import { RedisServer } from '../../helpers/redis.js';
import { waitFor, waitForExit } from '../../helpers/wait.js';

const welcome = (name: string): string => `Welcome to the chat ${name}. Please type !Q to quit.`;

/** A TCP user of `node`, in the room under `name`. */
async function joined(t: TestContext, node: ChatNode, name: string): Promise<ChatPeer> {
  const user = await tcpUser(t, node.port, name);
  user.send(name);
  await user.out.waitForLine(welcome(name));
  return user;
}

test('two and three nodes: joins, lines and leaves cross nodes; /who lists every node', async (t) => {
  const redis = await RedisServer.start(t);
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => startChatNode(t, redis.url(), 'lab')));
  const ann = await joined(t, a!, 'ann');
  const bob = await joined(t, b!, 'bob');
  await ann.out.waitForLine('bob has entered the chat');
  const cy = await joined(t, c!, 'cy');
  await ann.out.waitForLine('cy has entered the chat');
  await bob.out.waitForLine('cy has entered the chat');
  ann.send('hello from a');
  await bob.out.waitForLine('ann: hello from a');
  await cy.out.waitForLine('ann: hello from a');
  cy.send('/who');
  await cy.out.waitForLine('Users: ann, bob, cy');
  bob.send('!Q');
  await ann.out.waitForLine('bob has left the chat');
  await cy.out.waitForLine('bob has left the chat');
  cy.send('/who');
  await cy.out.waitForLine('Users: ann, cy');
  assert.equal(ann.out.lines.filter((l) => l === 'ann: hello from a').length, 0, 'not echoed to the sender');
});

test('3 senders on 2 nodes x 500 lines: every receiver gets each line once, each sender in order', async (t) => {
  const redis = await RedisServer.start(t);
  const [a, b] = await Promise.all([startChatNode(t, redis.url(), 'lab'), startChatNode(t, redis.url(), 'lab')]);
  const senders = [await joined(t, a!, 's1'), await joined(t, a!, 's2'), await joined(t, b!, 's3')];
  const watchers = [await joined(t, a!, 'wa'), await joined(t, b!, 'wb')];
  const everyone = [...senders, ...watchers];
  // wb joined last: once everyone else has heard of it, every node knows every user.
  for (const user of everyone.slice(0, -1)) await user.out.waitForLine('wb has entered the chat');
  const LINES = 500;
  for (let i = 0; i < LINES; i++) for (const s of senders) s.send(`line ${i} from ${s.name}`);
  for (const receiver of everyone) {
    const expected = senders.filter((s) => s !== receiver).length * LINES;
    await waitFor(`${receiver.name} to get ${expected} lines`, () => receiver.out.lines.filter((l) => / line \d+ from s\d$/.test(l)).length >= expected, 60000);
  }
  // Let anything duplicated arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const receiver of everyone) {
    for (const s of senders) {
      if (s === receiver) continue;
      const got = receiver.out.lines.filter((l) => l.startsWith(`${s.name}: `));
      const want = Array.from({ length: LINES }, (_, i) => `${s.name}: line ${i} from ${s.name}`);
      assert.deepEqual(got, want, `${receiver.name} got ${s.name}'s lines once each, in order`);
    }
    assert.equal(receiver.out.lines.filter((l) => l.endsWith(`from ${receiver.name}`)).length, 0, 'nothing echoed');
  }
});

test('a name held on one node is refused on another, case-insensitively; two rooms on one Redis stay apart', async (t) => {
  const redis = await RedisServer.start(t);
  const [a, b, other] = await Promise.all([startChatNode(t, redis.url(), 'lab'), startChatNode(t, redis.url(), 'lab'), startChatNode(t, redis.url(), 'elsewhere')]);
  const zoe = await joined(t, a!, 'Zoe');
  const late = await tcpUser(t, b!.port, 'late');
  late.send('zOE');
  await late.out.waitForLine('The name zOE is already taken; what is your name?');
  late.send('yan');
  await late.out.waitForLine(welcome('yan'));
  // Another room on the same Redis: the name is free there, and nothing crosses.
  const otherZoe = await joined(t, other!, 'ZOE');
  otherZoe.send('only in elsewhere');
  zoe.send('only in lab');
  await late.out.waitForLine('Zoe: only in lab');
  otherZoe.send('/who');
  await otherZoe.out.waitForLine(/^Users: /);
  assert.equal(otherZoe.out.lines.find((l) => l.startsWith('Users: ')), 'Users: ZOE');
  late.send('/who');
  await late.out.waitForLine('Users: Zoe, yan');
  assert.ok(!zoe.out.lines.some((l) => l.includes('elsewhere')) && !late.out.lines.some((l) => l.includes('elsewhere')));
  assert.ok(!otherZoe.out.lines.some((l) => l.includes('only in lab') || l.includes('yan')));
});

test('kill -9 of one node: the others announce its users as left within 15 s, once each', async (t) => {
  const redis = await RedisServer.start(t);
  const [a, b, doomed] = await Promise.all([1, 2, 3].map(() => startChatNode(t, redis.url(), 'lab')));
  const ann = await joined(t, a!, 'ann');
  const bob = await joined(t, b!, 'bob');
  await joined(t, doomed!, 'd1');
  await joined(t, doomed!, 'd2');
  for (const user of [ann, bob]) await user.out.waitForLine('d2 has entered the chat');
  const killedAt = Date.now();
  doomed!.cli.child.kill('SIGKILL');
  for (const user of [ann, bob]) {
    await user.out.waitForLine('d1 has left the chat', 15000);
    await user.out.waitForLine('d2 has left the chat', 15000);
  }
  const took = Date.now() - killedAt;
  assert.ok(took < 15000, `noticed after ${took} ms`);
  t.diagnostic(`the others announced the killed node's users after ${took} ms`);
  await new Promise((resolve) => setTimeout(resolve, 2500)); // a later sweep must not announce it again
  for (const user of [ann, bob]) assert.equal(user.out.lines.filter((l) => l === 'd1 has left the chat').length, 1);
  ann.send('/who');
  await ann.out.waitForLine('Users: ann, bob');
  // The dead node's names are free again.
  await joined(t, b!, 'd1');
});

test('redis-server stopped and restarted: local delivery goes on, the log says so, cross-node delivery is back within 30 s', async (t) => {
  const redis = await RedisServer.start(t);
  const [a, b] = await Promise.all([startChatNode(t, redis.url(), 'lab'), startChatNode(t, redis.url(), 'lab')]);
  const ann = await joined(t, a!, 'ann');
  const amy = await joined(t, a!, 'amy');
  const bob = await joined(t, b!, 'bob');
  await ann.out.waitForLine('bob has entered the chat');
  await redis.stop();
  await a!.waitForEvent('redis_down', 15000);
  await b!.waitForEvent('redis_down', 15000);
  ann.send('while redis is away');
  await amy.out.waitForLine('ann: while redis is away');
  // Cut off, each node can only check its own users: both get the name, for now.
  const dupA = await joined(t, a!, 'dup');
  const dupB = await joined(t, b!, 'DUP');
  await redis.restart();
  const backAt = Date.now();
  await a!.waitForEvent('redis_up', 30000);
  await b!.waitForEvent('redis_up', 30000);
  // Names are claimed again: bob's is still taken on node a.
  await a!.waitForEvent('redis_reclaimed', 30000);
  await b!.waitForEvent('redis_reclaimed', 30000);
  let n = 0;
  await waitFor(
    'a line from node a to reach bob on node b',
    () => {
      ann.send(`back ${n++}`);
      return bob.out.lines.some((l) => /^ann: back \d+$/.test(l));
    },
    30000,
  );
  assert.ok(Date.now() - backAt < 30000);
  assert.ok(!bob.out.lines.includes('ann: while redis is away'), 'the gap is not replayed (at most once)');
  assert.ok(!ann.out.lines.includes('bob has left the chat'), 'a node back after Redis restarted is not taken for dead');
  // Claimed again, the name is one node's: the other's user is told why and closed.
  const lostNotice = /^While this server was cut off from the room, another user took the name (dup|DUP); please join again\.$/;
  await waitFor('one of the two dups to lose its name', () => [dupA, dupB].some((d) => d.out.lines.some((l) => lostNotice.test(l)) && d.closed()), 30000);
  const [loser, winner] = dupA.out.lines.some((l) => lostNotice.test(l)) ? [dupA, dupB] : [dupB, dupA];
  assert.ok(!winner.out.lines.some((l) => lostNotice.test(l)) && !winner.closed(), 'only one loses it');
  assert.ok(loser.closed());
  const late = await tcpUser(t, b!.port, 'late');
  late.send('AMY');
  await late.out.waitForLine('The name AMY is already taken; what is your name?');
});

test('redis-server paused (SIGSTOP) while a user floods: bounded memory, no crash, recovery after SIGCONT', async (t) => {
  const redis = await RedisServer.start(t);
  const [a, b] = await Promise.all([startChatNode(t, redis.url(), 'lab'), startChatNode(t, redis.url(), 'lab')]);
  const flooder = await joined(t, a!, 'flood');
  const local = await joined(t, a!, 'local');
  const remote = await joined(t, b!, 'remote');
  await flooder.out.waitForLine('remote has entered the chat');
  const before = a!.rssBytes();
  redis.pause(); // the helper's teardown resumes it before stopping it
  // 96 MB of lines, twelve times the link's 8 MiB bound, while Redis answers
  // nothing: a buffer without a bound would hold all of it.
  const LINE = 'x'.repeat(480);
  const COUNT = 200_000;
  let peak = 0;
  for (let i = 0; i < COUNT; i += 1000) {
    flooder.send(Array.from({ length: 1000 }, (_, j) => `${i + j} ${LINE}`).join('\r\n'));
    await waitFor('the local user to keep up', () => local.out.lines.length > 2 + i, 30000);
    peak = Math.max(peak, a!.rssBytes());
  }
  await waitFor('every line delivered locally', () => local.out.lines.some((l) => l.startsWith(`flood: ${COUNT - 1} `)), 60000);
  await waitFor('node a to log that Redis is not keeping up', () => a!.events().some((e) => e.event === 'redis_down' || e.event === 'redis_backlog'), 30000);
  const grew = peak - before;
  t.diagnostic(`node a: ${(before / 1048576).toFixed(1)} MiB before, ${(peak / 1048576).toFixed(1)} MiB at most during the flood; link ${JSON.stringify(a!.events().filter((e) => String(e.event).startsWith('redis_')).map((e) => e.event))}`);
  assert.ok(grew < 96 * 1024 * 1024, `node a grew by ${(grew / 1048576).toFixed(1)} MiB while 96 MB went to a paused Redis`);
  assert.equal(a!.cli.child.exitCode, null, 'node a still runs');
  redis.resume();
  let n = 0;
  await waitFor(
    'a line to cross nodes again',
    () => {
      flooder.send(`after ${n++}`);
      return remote.out.lines.some((l) => /^flood: after \d+$/.test(l));
    },
    30000,
  );
});

test('a node shut down (SIGTERM): its users get the goodbye, the others hear they left without waiting for a lease', async (t) => {
  const redis = await RedisServer.start(t);
  const [a, b] = await Promise.all([startChatNode(t, redis.url(), 'lab'), startChatNode(t, redis.url(), 'lab')]);
  const ann = await joined(t, a!, 'ann');
  const bob = await joined(t, b!, 'bob');
  await ann.out.waitForLine('bob has entered the chat');
  const stoppedAt = Date.now();
  b!.cli.child.kill('SIGTERM');
  await bob.out.waitForLine('The server is shutting down. Goodbye!');
  await ann.out.waitForLine('bob has left the chat', 5000);
  assert.ok(Date.now() - stoppedAt < 5000);
  assert.equal(await waitForExit(b!.cli.child), 0);
  ann.send('/who');
  await ann.out.waitForLine('Users: ann');
  await joined(t, a!, 'BOB');
});

test('Redis unreachable (paused) while users come and go: when it answers again, every node announces what it missed, once', async (t) => {
  const redis = await RedisServer.start(t);
  const [a, b] = await Promise.all([startChatNode(t, redis.url(), 'lab'), startChatNode(t, redis.url(), 'lab')]);
  const ann = await joined(t, a!, 'ann');
  const bob = await joined(t, b!, 'bob');
  await ann.out.waitForLine('bob has entered the chat');
  redis.pause();
  await a!.waitForEvent('redis_down', 20000);
  await b!.waitForEvent('redis_down', 20000);
  bob.send('!Q'); // its release cannot reach Redis
  await waitFor('bob gone', () => bob.closed());
  const amy = await joined(t, b!, 'amy');
  redis.resume();
  await a!.waitForEvent('redis_reclaimed', 30000);
  await b!.waitForEvent('redis_reclaimed', 30000);
  await ann.out.waitForLine('bob has left the chat', 15000);
  await ann.out.waitForLine('amy has entered the chat', 15000);
  // Give the other node's records and roster read time to land, then count.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  ann.send('/who');
  await ann.out.waitForLine(/^Users: /);
  assert.equal(ann.out.lines.filter((l) => l.startsWith('Users: ')).at(-1), 'Users: ann, amy');
  assert.equal(ann.out.lines.filter((l) => l === 'bob has left the chat').length, 1);
  assert.equal(ann.out.lines.filter((l) => l === 'amy has entered the chat').length, 1);
  amy.send('/who');
  await amy.out.waitForLine('Users: ann, amy');
  // bob's name was given back in Redis too: free on node a.
  await joined(t, a!, 'BOB');
});
