/**
 * Captures the test makes itself with tcpdump on loopback: TCP over IPv4 and
 * IPv6 with payloads from a few bytes to hundreds of kilobytes. The file
 * (Ethernet-less loopback, -i lo) and a pipe from `tcpdump -i any -w -`
 * (Linux cooked v2) are read by netlab and compared with tshark/capinfos and
 * with the bytes actually sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends `data`, reads the echo back completely, then closes. */
async function exchange(host: string, port: number, data: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const sock = connect(port, host);
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
      resolve();
    });
    sock.on('error', reject);
    sock.write(data);
  });
}

test('captures made with tcpdump on loopback read the same as tshark reads them, from a file and from a pipe', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const v4 = await echoServer('127.0.0.1');
  const v6 = await echoServer('::1');
  t.after(() => {
    v4.server.close();
    v6.server.close();
  });
  const filter = `tcp port ${v4.port} or tcp port ${v6.port}`;
  const file = join(dir, 'lo.pcap');
  const onFile = await startTcpdump(['-i', 'lo', '--immediate-mode', '-U', '-w', file, filter]);
  const onPipe = await startTcpdump(['-i', 'any', '--immediate-mode', '-U', '-w', '-', filter]);
  t.after(async () => {
    await onFile.stop();
    await onPipe.stop();
  });
  // The pipe is read while the traffic flows, as live capture will.
  const piped = readAll(onPipe.child.stdout!, { name: 'tcpdump' });

  const payloads = [Buffer.from('hello\n'), randomBytes(3000), randomBytes(300_000)];
  for (const p of payloads) await exchange('127.0.0.1', v4.port, p);
  await exchange('::1', v6.port, Buffer.from('over IPv6\n'));
  // Let the last packets (FIN/ACK) reach both captures before stopping them.
  await new Promise((r) => setTimeout(r, 500));
  await onFile.stop();
  await onPipe.stop();

  const fromFile = await readAll(file);
  const fromPipe = await piped;
  assert.deepEqual(fromFile.info.linkTypes, [1], 'tcpdump -i lo writes Ethernet');
  assert.deepEqual(fromPipe.info.linkTypes, [276], 'tcpdump -i any writes Linux cooked v2');
  assert.deepEqual(fromPipe.info.warnings, []);
  const capinfos = tool('capinfos', ['-T', '-M', '-r', '-c', '-d', file]).trim().split('\t');
  assert.equal(fromFile.packets.length, Number(capinfos[1]));
  assert.equal(fromFile.packets.reduce((s, p) => s + p.origLen, 0), Number(capinfos[2]));

  for (const path of [file]) {
    const { streams } = await listTcpStreams(path);
    const ref = tsharkStreams(path);
    assert.equal(streams.length, 4);
    assert.equal(ref.size, 4);
    for (const s of streams) {
      assert.equal(s.client, ref.get(s.index)!.client);
      assert.equal(s.packets, ref.get(s.index)!.packets);
      const raw = tsharkFollowRaw(path, s.index);
      const got = ['', ''];
      await followTcpStream(path, s.index, (side, data) => {
        got[side] += Buffer.from(data).toString('hex');
      });
      assert.equal(got[0], raw.node0);
      assert.equal(got[1], raw.node1);
      const sent = s.index < 3 ? payloads[s.index]! : Buffer.from('over IPv6\n');
      assert.equal(got[0], sent.toString('hex'), 'client bytes are what was sent');
      assert.equal(got[1], sent.toString('hex'), 'server bytes are the echo');
    }
    assert.equal(streams[3]!.client.startsWith('[::1]:'), true);
  }

  // The same traffic seen through the pipe (SLL2 framing) carries the same IP bytes.
  assert.equal(fromPipe.packets.length, fromFile.packets.length);
  const tcpPayload = (pkts: typeof fromFile.packets, linkHeader: number) =>
    pkts.reduce((s, p) => s + p.capLen - linkHeader, 0);
  assert.equal(tcpPayload(fromPipe.packets, 20), tcpPayload(fromFile.packets, 14), 'same IP bytes through SLL2 and Ethernet');
  const stats = await captureStats(file, { local: ['127.0.0.0/8'] });
  assert.equal(stats.out.packets + stats.other.packets, fromFile.packets.length);
  assert.equal(stats.protocols.tcp, fromFile.packets.length);
});
