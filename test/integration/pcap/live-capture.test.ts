/**
 * Captures the test makes itself with tcpdump on loopback: TCP over IPv4 and
 * IPv6 with payloads from a few bytes to hundreds of kilobytes. The file
 * (Ethernet-less loopback, -i lo) and a pipe from `tcpdump -i any -w -`
 * (Linux cooked v2) are read by netlab and compared with tshark/capinfos and
 * with the bytes actually sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { followTcpStream, listTcpStreams } from '../../../src/pcap/follow.js';
import { captureStats } from '../../../src/pcap/stats.js';
import { readAll, tool } from '../../helpers/pcap.js';
import { startTcpdump } from '../../helpers/tcpdump.js';
import { tsharkFollowRaw, tsharkStreams } from '../../helpers/tshark-follow.js';

async function echoServer(host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    // Another program may connect and reset: that must not fail the test.
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends `data`, reads the echo back completely, then closes; resolves to the client's port. */
async function exchange(host: string, port: number, data: Buffer): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const sock = connect(port, host);
    let localPort = 0;
    sock.on('connect', () => (localPort = sock.localPort ?? 0));
    let got = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('echo exchange timed out'));
    }, 20_000);
    sock.on('data', (d) => {
      got += d.length;
      if (got >= data.length) sock.end();
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(localPort);
    });
    sock.on('error', reject);
    sock.write(data);
  });
}

test('captures made with tcpdump on loopback read the same as tshark reads them, from a file and from a pipe', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-live-'));
  // A failing run keeps its capture for inspection.
  let passed = false;
  t.after(() => {
    if (!passed) copyFileSync(join(dir, 'lo.pcap'), join(tmpdir(), 'netlab-live-capture-failure.pcap'));
    rmSync(dir, { recursive: true, force: true });
  });
  const v4 = await echoServer('127.0.0.1');
  const v6 = await echoServer('::1');
  t.after(() => {
    v4.server.close();
    v6.server.close();
  });
  const filter = `tcp port ${v4.port} or tcp port ${v6.port}`;
  const file = join(dir, 'lo.pcap');
  const onFile = await startTcpdump(['-i', 'lo', '--immediate-mode', '-B', '32768', '-U', '-w', file, filter]);
  const onPipe = await startTcpdump(['-i', 'any', '--immediate-mode', '-B', '32768', '-U', '-w', '-', filter]);
  t.after(async () => {
    await onFile.stop();
    await onPipe.stop();
  });
  // The pipe is read while the traffic flows, as live capture will.
  const piped = readAll(onPipe.child.stdout!, { name: 'tcpdump' });

  // Other programs on this machine may touch the same port numbers while we
  // capture; our own connections are known by their client ports.
  const sent = new Map<string, Buffer>();
  for (const p of [Buffer.from('hello\n'), randomBytes(3000), randomBytes(300_000)]) {
    sent.set(`127.0.0.1:${await exchange('127.0.0.1', v4.port, p)}`, p);
  }
  const v6Payload = Buffer.from('over IPv6\n');
  sent.set(`[::1]:${await exchange('::1', v6.port, v6Payload)}`, v6Payload);
  // Let the last packets (FIN/ACK) reach both captures before stopping them.
  await new Promise((r) => setTimeout(r, 1000));
  await onFile.stop();
  await onPipe.stop();

  const fromFile = await readAll(file);
  const fromPipe = await piped;
  assert.deepEqual(fromFile.info.linkTypes, [1], 'tcpdump -i lo writes Ethernet');
  assert.deepEqual(fromPipe.info.linkTypes, [276], 'tcpdump -i any writes Linux cooked v2');
  assert.deepEqual(fromPipe.info.warnings, []);
  const capinfos = tool('capinfos', ['-T', '-M', '-r', '-c', '-d', '-a', '-e', '-S', file]).trim().split('\t');
  assert.equal(fromFile.packets.length, Number(capinfos[1]));
  assert.equal(fromFile.packets.reduce((s, p) => s + p.origLen, 0), Number(capinfos[2]));
  const fileStats = await captureStats(file);
  assert.equal(fileStats.first!.toFixed(6), Number(capinfos[3]).toFixed(6), 'first timestamp (capinfos -a)');
  assert.equal(fileStats.last!.toFixed(6), Number(capinfos[4]).toFixed(6), 'last timestamp (capinfos -e)');

  const { streams } = await listTcpStreams(file);
  const ref = tsharkStreams(file);
  assert.equal(streams.length, ref.size, 'as many streams as tshark');
  let ours = 0;
  for (const s of streams) {
    assert.equal(s.client, ref.get(s.index)!.client);
    assert.equal(s.packets, ref.get(s.index)!.packets);
    const raw = tsharkFollowRaw(file, s.index);
    const got = ['', ''];
    await followTcpStream(file, s.index, (side, data) => {
      got[side] += Buffer.from(data).toString('hex');
    });
    assert.equal(got[0], raw.node0, `stream ${s.index} client bytes equal tshark's`);
    assert.equal(got[1], raw.node1, `stream ${s.index} server bytes equal tshark's`);
    const payload = sent.get(s.client);
    if (payload === undefined) continue;
    ours++;
    // On a loaded machine the kernel may drop packets before tcpdump sees
    // them; then the capture (and tshark) miss bytes too.
    if (onFile.dropped() > 0) continue;
    assert.equal(got[0], payload.toString('hex'), 'client bytes are what was sent');
    assert.equal(got[1], payload.toString('hex'), 'server bytes are the echo');
  }
  assert.equal(ours, 4, 'all four of our connections were found');

  // The pipe saw the same traffic through SLL2 framing: every IP packet it
  // read is one the file has (tcpdump on "any" may see a few fewer at the edges).
  const ipOf = (p: { data: Uint8Array }, linkHeader: number) => Buffer.from(p.data.subarray(linkHeader)).toString('hex');
  const inFile = new Set(fromFile.packets.map((p) => ipOf(p, 14)));
  assert.ok(fromPipe.packets.length >= 10, `the pipe delivered ${fromPipe.packets.length} packets`);
  for (const p of fromPipe.packets) assert.ok(inFile.has(ipOf(p, 20)), `pipe packet ${p.index} is in the file capture`);
  const stats = await captureStats(file, { local: ['127.0.0.0/8'] });
  assert.equal(stats.packets, fromFile.packets.length);
  assert.equal(stats.protocols.tcp, fromFile.packets.length);
  assert.ok(stats.out.packets > 0 && stats.in.packets === 0, '127/8 sources are local: everything IPv4 is "out"');
  passed = true;
});
