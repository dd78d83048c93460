/**
 * `chat serve --pcap FILE`: one capture of every listener (tcp, tls, udp,
 * ws) that tshark reads without complaint, carrying each user's lines as
 * they crossed that user's socket: readable on TCP, UDP and WebSocket,
 * ciphertext on TLS until tshark is given the key log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { opensslUser, tcpUser, udpUser, wsUser } from '../../helpers/chat.js';
import { tsharkFields } from '../../helpers/pcap.js';
import { spawnCli } from '../../helpers/spawn-cli.js';
import { tempDir } from '../../helpers/temp.js';
import { tsharkDecrypted } from '../../helpers/tls-capture.js';
import { tsharkComplaints, tsharkFollowTcp, tsharkUdpPayloads } from '../../helpers/tshark.js';
import { waitFor, waitForExit } from '../../helpers/wait.js';

/** tshark's stream index of the TCP connection made to `serverPort` (its SYN). */
function streamTo(file: string, serverPort: number): number {
  const rows = tsharkFields(file, ['tcp.stream'], ['-Y', `tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == ${serverPort}`]);
  assert.equal(rows.length, 1, `one connection to port ${serverPort}`);
  return Number(rows[0]?.[0]);
}

test('chat serve --pcap: every listener in one capture, each user\'s line where tshark finds it', async (t) => {
  const dir = tempDir(t);
  const pcap = join(dir, 'chat.pcap');
  const keys = join(dir, 'keys.log');
  const serve = spawnCli(t, ['chat', 'serve', '--tcp', '0', '--tls', '0', '--udp', '0', '--ws', '0', '--pcap', pcap, '--keylog', keys, '--json']);
  await waitFor('four listeners', () => serve.stdout.lines.filter((l) => l.includes('"event":"listening"')).length === 4);
  const ports: Record<string, number> = {};
  for (const l of serve.stdout.lines.filter((x) => x.includes('"event":"listening"'))) {
    const r = JSON.parse(l) as { transport: string; address: string };
    ports[r.transport] = Number(r.address.split(':').pop());
  }
  await serve.stderr.waitForLine(`traffic is written to ${pcap} (open it with Wireshark, or: tshark -r ${pcap})`);

  const alice = await tcpUser(t, ports.tcp!, 'alice');
  alice.send('alice');
  await alice.out.waitForLine('Welcome to the chat alice. Please type !Q to quit.');
  const bob = opensslUser(t, ports.tls!, 'bob');
  bob.send('bob');
  await alice.out.waitForLine('bob has entered the chat');
  const carol = await udpUser(t, ports.udp!, 'carol');
  carol.send('carol');
  await alice.out.waitForLine('carol has entered the chat');
  const dave = await wsUser(t, ports.ws!, 'dave');
  dave.send('dave');
  await alice.out.waitForLine('dave has entered the chat');

  alice.send('hello from tcp');
  for (const user of [bob, carol, dave]) await user.out.waitForLine('alice: hello from tcp');
  bob.send('secret over tls');
  carol.send('hi over udp');
  dave.send('hi over ws');
  for (const line of ['bob: secret over tls', 'carol: hi over udp', 'dave: hi over ws']) await alice.out.waitForLine(line);

  serve.child.kill('SIGTERM');
  await alice.out.waitForLine('The server is shutting down. Goodbye!');
  assert.equal(await waitForExit(serve.child), 0);

  assert.equal(await tsharkComplaints(pcap), '');
  const tcp = await tsharkFollowTcp(pcap, streamTo(pcap, ports.tcp!));
  assert.equal(tcp.client.toString(), 'alice\r\nhello from tcp\r\n');
  for (const line of ['bob: secret over tls', 'carol: hi over udp', 'dave: hi over ws', 'The server is shutting down. Goodbye!']) {
    assert.ok(tcp.server.toString().includes(line), `the TCP user's stream carries ${line}`);
  }

  const tls = await tsharkFollowTcp(pcap, streamTo(pcap, ports.tls!));
  assert.equal(tls.client[0], 0x16, 'the TLS user opens with a handshake record');
  assert.ok(!tls.client.includes(Buffer.from('secret over tls')), 'no plaintext in the TLS stream');
  const bobPort = Number(
    tsharkFields(pcap, ['tcp.srcport'], ['-Y', `tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == ${ports.tls}`])[0]?.[0],
  );
  assert.equal((await tsharkDecrypted(pcap, keys, bobPort)).toString(), 'bob\nsecret over tls\n');

  const datagrams = (await tsharkUdpPayloads(pcap)).filter((d) => d.srcport !== ports.udp);
  assert.deepEqual(
    datagrams.map((d) => d.data.toString()),
    ['carol', 'hi over udp'],
    'the UDP user\'s first datagram is its name, then its line',
  );

  const ws = await tsharkFollowTcp(pcap, streamTo(pcap, ports.ws!));
  assert.match(ws.client.toString('latin1'), /^GET \/ HTTP\/1\.1\r\n/);
  // The server's frames are unmasked (RFC 6455 §5.1): the text is there as sent.
  assert.ok(ws.server.includes(Buffer.from('alice: hello from tcp')));
});

test('chat serve --pcap into a directory that does not exist: a clear error, exit 1, nothing left listening', async (t) => {
  const dir = tempDir(t);
  const serve = spawnCli(t, ['chat', 'serve', '--tcp', '0', '--pcap', join(dir, 'missing', 'chat.pcap')]);
  assert.equal(await waitForExit(serve.child), 1);
  await serve.stderr.waitForLine(/^netlab: cannot create capture file .*missing\/chat\.pcap/);
});
