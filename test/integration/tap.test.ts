/**
 * The socket tap (--pcap on serve and connect): real payload bytes with
 * synthesised headers that tshark reads without complaint and follows to
 * exactly the bytes that were sent and received.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, startServeCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { tsharkComplaints, tsharkFollowTcp, tsharkFrameCount, tsharkUdpPayloads } from '../helpers/tshark.js';
import { clientPortOf, tsharkDecrypted } from '../helpers/tls-capture.js';

const MESSAGES = ['hello tap', 'binary-ish \u00ff\u00fe', 'last'];

test('tcp: both ends write captures that tshark follows to exactly the bytes exchanged', async (t) => {
  const dir = tempDir(t);
  const serverPcap = join(dir, 'server.pcap');
  const clientPcap = join(dir, 'client.pcap');
  const { proc, port } = await startServeCli(['tcp', '-m', 'upper', '--pcap', serverPcap]);
  const args = ['connect', 'tcp', '127.0.0.1', String(port), '--pcap', clientPcap];
  for (const m of MESSAGES) args.push('-m', m);
  const result = await runCli(args);
  assert.equal(result.code, 0, result.stderr);
  await proc.waitFor(/"event":"close"/, 10_000, 'stdout');
  await proc.stop();
  const sent = Buffer.from(MESSAGES.map((m) => `${m}\n`).join(''));
  const answered = Buffer.from(MESSAGES.map((m) => `${m.replace(/[a-z]/g, (c) => c.toUpperCase())}\n`).join(''));
  for (const file of [clientPcap, serverPcap]) {
    assert.equal(await tsharkComplaints(file), '', file);
    const follow = await tsharkFollowTcp(file);
    assert.deepEqual(follow.client, sent, file);
    assert.deepEqual(follow.server, answered, file);
    // Handshake, 3 exchanges of 2 segments, FIN, FIN, ACK.
    assert.equal(await tsharkFrameCount(file), 3 + 6 + 3, file);
  }
});

test('udp: every datagram in both directions, valid checksums', async (t) => {
  const dir = tempDir(t);
  const serverPcap = join(dir, 'server.pcap');
  const { proc, port } = await startServeCli(['udp', '-m', 'rot13', '--pcap', serverPcap]);
  const result = await runCli(['connect', 'udp', '127.0.0.1', String(port), '-m', 'abc', '-m', 'xyz']);
  assert.equal(result.stdout, 'nop\nklm\n');
  await proc.stop();
  assert.equal(await tsharkComplaints(serverPcap), '');
  const payloads = await tsharkUdpPayloads(serverPcap);
  assert.deepEqual(payloads.map((p) => p.data.toString()), ['abc', 'nop', 'xyz', 'klm']);
  assert.ok(payloads.every((p, i) => (i % 2 === 1) === (p.srcport === port)), 'answers come from the server port');
});

test('ws: the tap records the HTTP upgrade and the WebSocket frames as they crossed TCP', async (t) => {
  const dir = tempDir(t);
  const clientPcap = join(dir, 'client.pcap');
  const { proc, port } = await startServeCli(['ws']);
  t.after(() => proc.stop());
  const result = await runCli(['connect', 'ws', '127.0.0.1', String(port), '-m', 'framed', '--pcap', clientPcap]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await tsharkComplaints(clientPcap), '');
  const follow = await tsharkFollowTcp(clientPcap);
  assert.match(follow.client.toString('latin1'), /^GET \/ HTTP\/1\.1\r\n/);
  assert.match(follow.server.toString('latin1'), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  // The server's unmasked text frame: FIN+text opcode, length 6, "framed".
  assert.ok(follow.server.includes(Buffer.from([0x81, 0x06, ...Buffer.from('framed')])));
});

test('tls: the tap records ciphertext, and tshark decrypts it with the key log to the plaintext', async (t) => {
  const dir = tempDir(t);
  const serverPcap = join(dir, 'server.pcap');
  const keys = join(dir, 'keys.log');
  const { proc, port } = await startServeCli(['tls', '-m', 'reverse', '--pcap', serverPcap, '--keylog', keys]);
  const result = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--insecure', '-m', 'secret=hunter2']);
  assert.equal(result.stdout, '2retnuh=terces\n');
  await proc.waitFor(/"event":"close"/, 10_000, 'stdout');
  await proc.stop();
  assert.equal(await tsharkComplaints(serverPcap), '');
  const follow = await tsharkFollowTcp(serverPcap);
  assert.equal(follow.client[0], 0x16, 'the client speaks first with a TLS handshake record');
  assert.ok(!follow.client.includes(Buffer.from('hunter2')), 'no plaintext on the wire');
  assert.equal((await tsharkDecrypted(serverPcap, keys, await clientPortOf(serverPcap))).toString(), 'secret=hunter2\n');
  assert.equal((await tsharkDecrypted(serverPcap, keys, port)).toString(), '2retnuh=terces\n');
});
