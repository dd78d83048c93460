/**
 * The chat fan-out: a broadcast line is encoded once for every receiver, and
 * lines to a stream user are coalesced into one write per event-loop turn
 * without changing what the user reads or its order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { attachProtocol } from '../../../../src/protocols/protocol.js';
import { ChatServer } from '../../../../src/protocols/chat/server.js';
import { LocalRoom, type RoomMember } from '../../../../src/protocols/chat/room.js';
import { SharedLine } from '../../../../src/protocols/chat/shared-line.js';
import { MemorySession } from '../../../helpers/memory-session.js';

function join(chat: ChatServer, name: string, transport: 'tcp' | 'ws' = 'tcp'): MemorySession {
  const s = new MemorySession(transport);
  attachProtocol(s, chat.protocol);
  s.feed(Buffer.from(transport === 'ws' ? name : `${name}\n`));
  return s;
}

test('SharedLine: one encoding, the same bytes for every receiver, with or without the newline', () => {
  const line = new SharedLine('zoë: hi');
  const a = line.bytes(true);
  assert.equal(a.toString('utf8'), 'zoë: hi\n');
  assert.equal(line.bytes(true), a, 'the same Buffer, not a copy');
  const bare = line.bytes(false);
  assert.equal(bare.toString('utf8'), 'zoë: hi');
  assert.equal(bare.buffer, a.buffer, 'a view of the same memory');
  assert.equal(new SharedLine('x').bytes(false).toString(), 'x');
});

test('LocalRoom.broadcast hands every member the same SharedLine, and skips a member that leaves meanwhile', () => {
  const room = new LocalRoom();
  const seen: [string, SharedLine | undefined][] = [];
  const members: RoomMember[] = ['a', 'b', 'c', 'd'].map((nickname) => ({
    nickname,
    deliver: (line, shared) => {
      seen.push([nickname, shared]);
      // b, while being delivered to, makes c leave (as a cut-off reader would).
      if (nickname === 'b') room.leave(members[2] as RoomMember);
    },
  }));
  for (const m of members) room.join(m);
  room.broadcast('a: hi', members[0]);
  assert.deepEqual(seen.map(([n]) => n), ['b', 'd']);
  assert.ok(seen[0]?.[1] !== undefined && seen[0][1] === seen[1]?.[1]);
  assert.equal(seen[0]?.[1]?.text, 'a: hi');
});

test('lines to a stream user are coalesced into one write per turn, in order, and replies stay behind them', async () => {
  const chat = new ChatServer({ linesPerSecond: 0 });
  const alice = join(chat, 'alice');
  const bob = join(chat, 'bob');
  await turn();
  const before = bob.written.length;
  alice.feed(Buffer.from('one\ntwo\nthree\n'));
  assert.equal(bob.written.length, before, 'nothing written before the turn ends');
  await turn();
  assert.equal(bob.written.length, before + 1, 'three lines, one write');
  assert.equal(bob.written.at(-1)?.toString(), 'alice: one\nalice: two\nalice: three\n');

  alice.feed(Buffer.from('four\n'));
  bob.feed(Buffer.from('/who\n'));
  await turn();
  assert.ok(bob.text.endsWith('alice: four\nUsers: alice, bob\n'), bob.text);
});

test('WebSocket users still get one message per line', async () => {
  const chat = new ChatServer({ linesPerSecond: 0 });
  const alice = join(chat, 'alice');
  const web = join(chat, 'web', 'ws');
  await turn();
  const before = web.written.length;
  alice.feed(Buffer.from('one\ntwo\n'));
  await turn();
  assert.deepEqual(web.written.slice(before).map((b) => b.toString()), ['alice: one', 'alice: two']);
});

test('a user who quits, or a server shutting down, first sends what was waiting for that user', async () => {
  const chat = new ChatServer({ linesPerSecond: 0 });
  const alice = join(chat, 'alice');
  const bob = join(chat, 'bob');
  const carol = join(chat, 'carol');
  await turn();
  alice.feed(Buffer.from('last words\n'));
  bob.feed(Buffer.from('!Q\n'));
  assert.equal(bob.ended, true);
  assert.ok(bob.text.endsWith('alice: last words\n'), bob.text);
  alice.feed(Buffer.from('bye\n'));
  await chat.shutdown(100);
  assert.ok(carol.text.endsWith('alice: last words\nbob has left the chat\nalice: bye\nThe server is shutting down. Goodbye!\n'), carol.text);
});

test('the rate limit off (0) is accepted; a negative one is not', () => {
  assert.equal(new ChatServer({ linesPerSecond: 0 }).options.linesPerSecond, 0);
  assert.throws(() => new ChatServer({ linesPerSecond: -1 }), { code: 'NETLAB_ERR_INVALID_ARGUMENT', message: /options\.linesPerSecond/ });
});
