/** ChatServer's UDP seats and join announcements, on a mocked clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatServer } from '../../../../src/protocols/chat/server.js';
import { DEFAULTS } from '../../../../src/constants.js';

test('maxUdpUsers: checked like every limit, default 64', () => {
  assert.equal(new ChatServer().options.maxUdpUsers, DEFAULTS.chatMaxUdpUsers);
  assert.equal(DEFAULTS.chatMaxUdpUsers, 64);
  for (const bad of [0, -1, 1.5, Number.NaN, '3']) {
    assert.throws(() => new ChatServer({ maxUdpUsers: bad as number }), (err: Error & { code?: string }) => err.code === 'NETLAB_ERR_INVALID_ARGUMENT' && /options\.maxUdpUsers/.test(err.message));
  }
});

test('UDP seats: at most maxUdpUsers taken, a released one can be taken again', () => {
  const chat = new ChatServer({ maxUdpUsers: 2 });
  assert.equal(chat.takeUdpSeat(), true);
  assert.equal(chat.takeUdpSeat(), true);
  assert.equal(chat.takeUdpSeat(), false);
  assert.equal(chat.udpUsers, 2);
  chat.releaseUdpSeat();
  assert.equal(chat.takeUdpSeat(), true);
  chat.releaseUdpSeat();
  chat.releaseUdpSeat();
  chat.releaseUdpSeat();
  assert.equal(chat.udpUsers, 0, 'never below zero');
});

test('UDP join announcements: a burst of 5, then 5 a second, room-wide', () => {
  let now = 1_000_000;
  const chat = new ChatServer({ now: () => now });
  let announced = 0;
  for (let i = 0; i < 1000; i++) if (chat.announceUdpJoin()) announced += 1;
  assert.equal(announced, DEFAULTS.chatUdpJoinAnnouncementsPerSecond);
  now += 1000;
  announced = 0;
  for (let i = 0; i < 1000; i++) if (chat.announceUdpJoin()) announced += 1;
  assert.equal(announced, DEFAULTS.chatUdpJoinAnnouncementsPerSecond, 'a second later, five more');
});
