import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../../../src/codec/line-splitter.js';
import { commandFor } from '../../../../src/protocols/chat/commands.js';
import { nicknameKey, nicknameProblem } from '../../../../src/protocols/chat/nickname.js';
import { TokenBucket } from '../../../../src/protocols/chat/rate-limit.js';
import { LocalRoom, type RoomMember } from '../../../../src/protocols/chat/room.js';

function read(chunks: string[], max: number): string[] {
  const out: string[] = [];
  const reader = new LineSplitter({
    maxLineBytes: max,
    overLong: 'skip',
    onLine: (l) => void out.push(l.toString('utf8')),
    onError: () => out.push('<too long>'),
  });
  for (const c of chunks) reader.push(Buffer.from(c));
  reader.finish();
  return out;
}

test('chat lines: \\n and \\r\\n endings, any chunking, a final unterminated line', () => {
  const input = 'alice\r\nhello there\n\nlast';
  const expected = ['alice', 'hello there', '', 'last'];
  assert.deepEqual(read([input], 100), expected);
  assert.deepEqual(read([...input], 100), expected);
  for (let cut = 0; cut <= input.length; cut++) assert.deepEqual(read([input.slice(0, cut), input.slice(cut)], 100), expected);
});

test('chat lines: a line over the cap is refused once and reading goes on after it', () => {
  assert.deepEqual(read(['ok\n', 'x'.repeat(11), 'y'.repeat(20), '\nnext\n'], 10), ['ok', '<too long>', 'next']);
  assert.deepEqual(read(['x'.repeat(11) + '\nafter\n'], 10), ['<too long>', 'after']);
  assert.deepEqual(read(['x'.repeat(10) + '\r\n'], 10), ['x'.repeat(10)], 'exactly the cap, with \\r\\n');
  assert.deepEqual(read(['x'.repeat(11)], 10), ['<too long>'], 'unterminated, one over');
});

test('nicknames: 1-32 characters, no spaces or control characters', () => {
  assert.equal(nicknameProblem('alice'), undefined);
  assert.equal(nicknameProblem('Zoë_ü-42'), undefined);
  assert.equal(nicknameProblem('x'.repeat(32)), undefined);
  assert.equal(nicknameProblem('🙂'.repeat(32)), undefined, 'characters, not UTF-16 units or bytes');
  assert.equal(nicknameProblem(''), 'empty');
  assert.equal(nicknameProblem('x'.repeat(33)), 'too-long');
  for (const bad of ['a b', 'a\tb', 'a\u0000b', 'a\u007fb', 'a\u00a0b', 'a\u200bb', 'a\u3000b', 'a\ufffdb']) {
    assert.equal(nicknameProblem(bad), 'invalid', JSON.stringify(bad));
  }
  assert.equal(nicknameKey('Alice'), nicknameKey('ALICE'));
});

test('commands are a table: exact words, surrounding spaces ignored', () => {
  assert.ok(commandFor('!Q'));
  assert.ok(commandFor('/quit'));
  assert.ok(commandFor(' /who '));
  assert.equal(commandFor('!q'), undefined);
  assert.equal(commandFor('/who is there'), undefined);
  assert.equal(commandFor('hello'), undefined);
  assert.equal(commandFor('constructor'), undefined);
  assert.equal(commandFor('__proto__'), undefined);
});

test('token bucket: a burst, then one token per 1/rate seconds', () => {
  const bucket = new TokenBucket(10, 3, 0);
  assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)], [true, true, true, false]);
  assert.equal(bucket.waitMs(0), 100);
  assert.equal(bucket.take(50), false);
  assert.equal(bucket.take(100), true);
  assert.equal(bucket.take(10_000) && bucket.take(10_000) && bucket.take(10_000), true);
  assert.equal(bucket.take(10_000), false, 'never more than the burst');
});

test('LocalRoom: unique names case-insensitively, a cap, join order, no echo to the sender', () => {
  const got: Record<string, string[]> = {};
  const member = (nickname: string): RoomMember => {
    got[nickname] = [];
    return { nickname, deliver: (line) => got[nickname]!.push(line) };
  };
  const room = new LocalRoom({ maxUsers: 2 });
  const a = member('Ann');
  const b = member('bob');
  assert.equal(room.join(a), 'joined');
  assert.equal(room.join(member('ANN')), 'taken');
  assert.equal(room.join(b), 'joined');
  assert.equal(room.join(member('cy')), 'full');
  assert.deepEqual(room.who(), ['Ann', 'bob']);
  room.broadcast('hi', a);
  assert.deepEqual(got, { Ann: [], bob: ['hi'], ANN: [], cy: [] });
  room.leave(a);
  assert.deepEqual(room.who(), ['bob']);
});
