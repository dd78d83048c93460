/**
 * SharedRoom over the in-process bus: several chat servers in one process
 * serving one room, the same calls the Redis bus makes, with no Redis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { attachProtocol } from '../../../../src/protocols/protocol.js';
import { ChatServer } from '../../../../src/protocols/chat/server.js';
import { SharedRoom } from '../../../../src/protocols/chat/shared-room.js';
import { InProcessRoomHub } from '../../../../src/protocols/chat/in-process-bus.js';
import type { RoomBus, RoomBusListener } from '../../../../src/protocols/chat/room-bus.js';
import { MemorySession } from '../../../helpers/memory-session.js';

function node(hub: InProcessRoomHub, maxUsers?: number): { chat: ChatServer; room: SharedRoom } {
  const room = new SharedRoom({ bus: hub.node(), maxUsers });
  return { chat: new ChatServer({ room, maxUsers, linesPerSecond: 0 }), room };
}

function user(chat: ChatServer, name: string): MemorySession {
  const s = new MemorySession('tcp');
  attachProtocol(s, chat.protocol);
  s.feed(Buffer.from(`${name}\n`));
  return s;
}

const lines = (s: MemorySession): string[] => s.text.split('\n').filter((l) => l !== '');

test('joins, lines and leaves cross nodes; the sender hears nothing back', async () => {
  const hub = new InProcessRoomHub();
  const a = node(hub);
  const b = node(hub);
  const ann = user(a.chat, 'ann');
  const bob = user(b.chat, 'bob');
  await turn();
  ann.feed(Buffer.from('hello\n'));
  bob.feed(Buffer.from('hi ann\n!Q\n'));
  await turn();
  assert.deepEqual(lines(ann).slice(1), ['Welcome to the chat ann. Please type !Q to quit.', 'bob has entered the chat', 'bob: hi ann', 'bob has left the chat']);
  assert.deepEqual(lines(bob).slice(1), ['Welcome to the chat bob. Please type !Q to quit.', 'ann: hello']);
  assert.deepEqual(a.room.who(), ['ann']);
});

test('a name held on one node is refused on another, case-insensitively; /who lists every node, in join order', async () => {
  const hub = new InProcessRoomHub();
  const a = node(hub);
  const b = node(hub);
  user(a.chat, 'Zoe');
  const other = user(b.chat, 'ZOE');
  await turn();
  assert.match(other.text, /The name ZOE is already taken/);
  other.feed(Buffer.from('yan\n/who\n'));
  await turn();
  assert.ok(other.text.endsWith('Users: Zoe, yan\n'), other.text);
  assert.deepEqual(a.room.who(), ['Zoe', 'yan']);
});

test('a node that goes away: every other node tells its own users, once each', async () => {
  const hub = new InProcessRoomHub();
  const [a, b, c] = [node(hub), node(hub), node(hub)];
  const onA = user(a.chat, 'a1');
  const onB = user(b.chat, 'b1');
  user(c.chat, 'c1');
  user(c.chat, 'c2');
  await turn();
  await c.room.close();
  await turn();
  for (const s of [onA, onB]) {
    assert.equal(lines(s).filter((l) => l === 'c1 has left the chat').length, 1);
    assert.equal(lines(s).filter((l) => l === 'c2 has left the chat').length, 1);
  }
  assert.deepEqual(a.room.who(), ['a1', 'b1']);
  // The names are free again.
  const again = user(a.chat, 'c1');
  await turn();
  assert.match(again.text, /Welcome to the chat c1/);
});

test('maxUsers caps each node on its own', async () => {
  const hub = new InProcessRoomHub();
  const a = node(hub, 1);
  const b = node(hub, 1);
  user(a.chat, 'one');
  const two = user(b.chat, 'two');
  const three = user(a.chat, 'three');
  await turn();
  assert.match(two.text, /Welcome to the chat two/);
  assert.match(three.text, /The chat is full \(1 users\)/);
});

/** A bus the test drives by hand: it records what the room asks and calls the room back as a bus would. */
function scriptedBus(): { bus: RoomBus; listener: () => RoomBusListener; published: string[] } {
  let attached: RoomBusListener | undefined;
  const published: string[] = [];
  const bus: RoomBus = {
    attach: (l) => (attached = l),
    claim: () => 'claimed',
    release: () => undefined,
    publish: (line) => published.push(line),
    close: async () => undefined,
  };
  return { bus, listener: () => attached as RoomBusListener, published };
}

test('after a gap: the roster read drops users of live nodes that left, keeps those of nodes not back yet, and ignores leaves newer than the read', async () => {
  const { bus, listener } = scriptedBus();
  const room = new SharedRoom({ bus });
  const chat = new ChatServer({ room, linesPerSecond: 0 });
  const here = user(chat, 'here');
  const l = listener();
  l.entered('gone', 'n1', false);
  l.entered('stays', 'n1', false);
  l.entered('waiting', 'n2', false);
  const mark = l.mark();
  l.left('stays', 'n1', false); // arrives while the read is under way: newer than what is read
  l.entered('fresh', 'n1', false); // likewise
  l.roster([{ nickname: 'stays', node: 'n1' }, { nickname: 'new', node: 'n3' }], true, mark, new Set(['n1', 'n3']));
  await turn();
  assert.deepEqual(room.who(), ['here', 'waiting', 'fresh', 'new']);
  assert.deepEqual(lines(here).slice(-2), ['gone has left the chat', 'new has entered the chat']);
});

test('a name lost after a gap: its user is told and closed, and nobody hears it left', async () => {
  const { bus, listener, published } = scriptedBus();
  const room = new SharedRoom({ bus });
  const chat = new ChatServer({ room, linesPerSecond: 0 });
  const other = user(chat, 'other');
  const dup = user(chat, 'dup');
  await turn();
  assert.deepEqual(listener().localNicknames(), ['other', 'dup']);
  listener().lost('dup');
  await turn();
  assert.match(dup.text, /another user took the name dup; please join again\.\n$/);
  assert.equal(dup.ended, true);
  assert.ok(!other.text.includes('dup has left'));
  assert.ok(!published.includes('dup has left the chat'));
  assert.deepEqual(room.who(), ['other']);
});

test('a node back after a gap lists its users: those missing left, those new entered, each announced once', async () => {
  const { bus, listener } = scriptedBus();
  const room = new SharedRoom({ bus });
  const chat = new ChatServer({ room, linesPerSecond: 0 });
  const here = user(chat, 'here');
  const l = listener();
  l.entered('stayed', 'n1', false);
  l.entered('went', 'n1', false);
  l.entered('elsewhere', 'n2', false);
  l.nodeUsers('n1', ['stayed', 'came']);
  l.nodeUsers('n1', ['stayed', 'came']); // said twice: nothing new
  await turn();
  assert.deepEqual(room.who(), ['here', 'stayed', 'elsewhere', 'came']);
  assert.deepEqual(lines(here).slice(2), ['went has left the chat', 'came has entered the chat']);
});
