/**
 * `im serve --pcap FILE`: the relay's capture, read by tshark without
 * complaint, holds each client's frames as they crossed its socket: the
 * sender's frame (4-byte length, then the protobuf with the nickname and
 * text in the clear) and the very same bytes relayed to the other client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tsharkFields } from '../../helpers/pcap.js';
import { bannerPort, spawnCli } from '../../helpers/spawn-cli.js';
import { tempDir } from '../../helpers/temp.js';
import { tsharkComplaints, tsharkFollowTcp } from '../../helpers/tshark.js';
import { waitFor, waitForExit } from '../../helpers/wait.js';

test('im serve --pcap: the sender\'s frame and the relayed copy, byte for byte, in a capture tshark reads', async (t) => {
  const dir = tempDir(t);
  const pcap = join(dir, 'im.pcap');
  const serve = spawnCli(t, ['im', 'serve', '-p', '0', '--pcap', pcap]);
  const port = await bannerPort(serve);
  await serve.stderr.waitForLine(`traffic is written to ${pcap} (open it with Wireshark, or: tshark -r ${pcap})`);

  const bob = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'bob']);
  await bob.stderr.waitForLine(/^connected/);
  await waitFor('bob in the relay log', () => serve.stdout.lines.some((l) => / connect +tcp /.test(l)));
  const alice = spawnCli(t, ['im', 'join', '-s', '127.0.0.1', '-p', String(port), '-n', 'alice']);
  await alice.stderr.waitForLine(/^connected/);
  await waitFor('alice in the relay log', () => serve.stdout.lines.filter((l) => / connect +tcp /.test(l)).length === 2);
  alice.child.stdin!.write('hello bob\n');
  await bob.stdout.waitForLine('alice: hello bob');
  alice.child.stdin!.end();
  bob.child.stdin!.end();
  assert.equal(await waitForExit(alice.child), 0);
  assert.equal(await waitForExit(bob.child), 0);
  await waitFor('both closes in the relay log', () => serve.stdout.lines.filter((l) => / close +tcp /.test(l)).length === 2);
  serve.child.kill('SIGINT');
  assert.equal(await waitForExit(serve.child), 0);

  assert.equal(await tsharkComplaints(pcap), '');
  const streams = tsharkFields(pcap, ['tcp.stream', 'tcp.srcport'], ['-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0']);
  assert.equal(streams.length, 2, 'two connections: bob, then alice');
  const fromBob = await tsharkFollowTcp(pcap, Number(streams[0]?.[0]));
  const fromAlice = await tsharkFollowTcp(pcap, Number(streams[1]?.[0]));

  const frame = fromAlice.client;
  assert.equal(frame.readUInt32BE(0), frame.length - 4, 'one frame: its length prefix counts the bytes after it');
  // Message {nickname = 1, message = 2}: tag 0x0a, length, "alice"; tag 0x12, length, "hello bob".
  assert.deepEqual(frame.subarray(4), Buffer.concat([Buffer.from([0x0a, 5]), Buffer.from('alice'), Buffer.from([0x12, 9]), Buffer.from('hello bob')]));
  assert.deepEqual(fromBob.server, frame, 'the relay passes the frame on unchanged');
  assert.equal(fromBob.client.length, 0, 'bob sent nothing');
  assert.equal(fromAlice.server.length, 0, 'a sender does not get its own frame back');
});

test('im serve --pcap on a port in use: the port error, exit 1, and the capture file closed with only its header', async (t) => {
  const dir = tempDir(t);
  const pcap = join(dir, 'im.pcap');
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => busy.close(() => resolve())));
  const port = (busy.address() as net.AddressInfo).port;
  const serve = spawnCli(t, ['im', 'serve', '-p', String(port), '--pcap', pcap]);
  assert.equal(await waitForExit(serve.child), 1);
  await serve.stderr.waitForLine(new RegExp(`port ${port} is already in use`));
  assert.equal(statSync(pcap).size, 24, 'a pcap global header and no packet');
  assert.equal(await tsharkComplaints(pcap), '');
});
