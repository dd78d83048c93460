/**
 * One room, four transports: a TCP user (a socket), a TLS user (openssl
 * s_client), a UDP user (a Python socket) and a WebSocket user see each
 * other's joins, messages and leaves, in order, with nothing extra.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opensslUser, startChat, tcpUser, udpUser, wsUser, type ChatPeer } from '../../helpers/chat.js';
import { waitFor } from '../../helpers/wait.js';

const GREETING = 'Welcome to the server, what is your name?';
const welcome = (n: string): string => `Welcome to the chat ${n}. Please type !Q to quit.`;

test('tcp, tls (openssl s_client), udp (Python) and ws users share one room, in order', async (t) => {
  const { ports } = await startChat(t, ['tcp', 'tls', 'udp', 'ws']);
  const expected = new Map<ChatPeer, string[]>();
  const expect = (peer: ChatPeer, ...lines: string[]): void => {
    expected.get(peer)!.push(...lines);
  };
  /** Waits until every user has exactly what it is expected to have so far. */
  const settle = async (): Promise<void> => {
    for (const [peer, lines] of expected) {
      await waitFor(`${peer.name} to have ${JSON.stringify(lines)} (has ${JSON.stringify(peer.out.lines)})`, () => peer.out.lines.length >= lines.length);
      assert.deepEqual(peer.out.lines, lines, `${peer.name}'s transcript`);
    }
  };

  const alice = await tcpUser(t, ports.tcp!, 'alice/tcp');
  expected.set(alice, [GREETING]);
  await settle();
  alice.send('alice');
  expect(alice, welcome('alice'));
  await settle();

  const bob = opensslUser(t, ports.tls!, 'bob/tls');
  expected.set(bob, [GREETING]);
  await settle();
  bob.send('bob');
  expect(bob, welcome('bob'));
  expect(alice, 'bob has entered the chat');
  await settle();

  const carol = await udpUser(t, ports.udp!, 'carol/udp');
  expected.set(carol, []);
  carol.send('carol'); // UDP: no greeting, the first datagram is the name
  expect(carol, welcome('carol'));
  expect(alice, 'carol has entered the chat');
  expect(bob, 'carol has entered the chat');
  await settle();

  const dave = await wsUser(t, ports.ws!, 'dave/ws');
  expected.set(dave, [GREETING]);
  await settle();
  dave.send('dave');
  expect(dave, welcome('dave'));
  for (const p of [alice, bob, carol]) expect(p, 'dave has entered the chat');
  await settle();

  const says: Array<[ChatPeer, string, string]> = [
    [alice, 'alice', 'hello from tcp ✓'],
    [bob, 'bob', 'hello from tls'],
    [carol, 'carol', 'hello from udp'],
    [dave, 'dave', 'hello from ws'],
  ];
  for (const [speaker, name, text] of says) {
    speaker.send(text);
    for (const p of [alice, bob, carol, dave]) if (p !== speaker) expect(p, `${name}: ${text}`);
    await settle();
  }

  dave.send('/who');
  expect(dave, 'Users: alice, bob, carol, dave');
  await settle();

  dave.send('/quit');
  for (const p of [alice, bob, carol]) expect(p, 'dave has left the chat');
  await settle();
  await waitFor('the ws user to be closed by the server', () => dave.closed());

  carol.send('!Q');
  for (const p of [alice, bob]) expect(p, 'carol has left the chat');
  await settle();

  bob.vanish(); // abrupt: the process dies, no goodbye
  expect(alice, 'bob has left the chat');
  await settle();

  alice.send('!Q');
  await waitFor('the tcp user to be closed by the server', () => alice.closed());
  await settle();
});
