/**
 * `pcap follow` on captures with a small snap length (`tcpdump -s 96`):
 * every segment shows its captured bytes, as `tshark -z follow,tcp,raw`
 * does, instead of stopping at the first segment cut short; the bytes cut
 * off are counted and said.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { followTcpStream, listTcpStreams } from '../../../src/pcap/follow.js';
import { writeSyntheticCapture } from '../../../bench/synth-capture.js';
import { buildPcap, FIXTURES, tcpFrame, tool, tsharkFields } from '../../helpers/pcap.js';
import { tsharkFollowRaw, tsharkStreams } from '../../helpers/tshark-follow.js';
import { tempDir } from '../../helpers/temp.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const TCP_SAMPLES = ['tcpdump-ssh.pcap', 'tcpdump-dns_tcp.pcap', 'tcpdump-mptcp-v1.pcap', 'tcpdump-ipv4_tcp_http_xml.pcap', 'tcpdump-pptp.pcap'];

/** `editcap -s snap` of a capture into `dir`. */
function cut(dir: string, file: string, snap: number): string {
  const out = join(dir, `s${snap}-${file.split('/').pop()}`);
  tool('editcap', ['-s', String(snap), file, out]);
  return out;
}

async function followHex(file: string, stream: number): Promise<[string, string]> {
  const got: [string, string] = ['', ''];
  await followTcpStream(file, stream, (side, data) => {
    got[side] += Buffer.from(data).toString('hex');
  });
  return got;
}

/**
 * tshark's follow with its placeholders taken out. Where a segment came out
 * of order or carried no captured byte, tshark moves on by the bytes it holds
 * and, once the peer acknowledged past the hole, writes "[N bytes missing in
 * capture file]" and a NUL into the data; netlab's output holds captured
 * bytes only (the count is in `uncaptured`). Nodes are put in netlab's
 * client/server order (tshark names node 0 after the first packet it could
 * dissect, which is the server's when the client's SYN header was cut).
 */
function tsharkCaptured(file: string, stream: number, client: string): [string, string] {
  const raw = tsharkFollowRaw(file, stream);
  const marker = /(5b)((3[0-9])+)(2062797465(73)?206d697373696e6720696e20636170747572652066696c655d00)/g;
  const strip = (hex: string) => hex.replace(marker, (m, _a, _d, _x, _s, _t, offset: number) => (offset % 2 === 0 ? '' : m));
  const nodes: [string, string] = [strip(raw.node0), strip(raw.node1)];
  return raw.client !== ':0' && raw.client !== client ? [nodes[1], nodes[0]] : nodes;
}

/** Payload bytes the segments of a stream declare beyond what was captured, from tshark's own fields. */
function tsharkUncaptured(file: string, stream: number, shown: number): number {
  const rows = tsharkFields(file, ['tcp.len'], ['-Y', `tcp.stream == ${stream} && !tcp.analysis.retransmission`]);
  return rows.reduce((s, r) => s + Number(r[0] || 0), 0) - shown;
}

// 70 bytes cuts the TCP header of SYNs with options on Ethernet, and every header of the SLL/MPTCP sample (left out there).
for (const [snap, samples] of [[70, TCP_SAMPLES.filter((n) => !n.includes('mptcp'))], [96, TCP_SAMPLES], [200, TCP_SAMPLES]] as const) {
  test(`samples cut to ${snap} bytes: each direction of every stream equals tshark's follow`, async (t) => {
    const dir = tempDir(t, 'netlab-snap-');
    let cutShort = 0;
    for (const name of samples) {
      const file = cut(dir, join(FIXTURES, name), snap);
      const { streams } = await listTcpStreams(file);
      assert.equal(streams.length, tsharkStreams(file).size, `${name}: stream count`);
      for (const s of streams) {
        const ref = tsharkCaptured(file, s.index, s.client);
        const got = await followHex(file, s.index);
        assert.equal(got[0], ref[0], `${name} -s ${snap} stream ${s.index}: client bytes`);
        assert.equal(got[1], ref[1], `${name} -s ${snap} stream ${s.index}: server bytes`);
        assert.equal(s.gaps, 0, `${name} -s ${snap} stream ${s.index}: a cut segment is no gap`);
        assert.equal(s.uncaptured, tsharkUncaptured(file, s.index, s.bytesClient + s.bytesServer), `${name} -s ${snap}: bytes not captured`);
        cutShort += s.uncaptured;
      }
    }
    assert.ok(cutShort > 0, 'the snap length cut some payload');
  });
}

test('pcap follow -s 96 style: raw client bytes equal tshark, and the bytes not captured are said', (t) => {
  const dir = tempDir(t, 'netlab-snap-');
  const file = cut(dir, join(FIXTURES, 'tcpdump-ssh.pcap'), 96);
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'pcap', 'follow', file, ...args], { timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  const raw = run(['--stream', '0', '--format', 'raw', '--direction', 'client']);
  assert.equal(raw.status, 0, raw.stderr.toString());
  const ref = tsharkFollowRaw(file, 0);
  assert.equal(raw.stdout.toString('hex'), ref.node0);
  const shown = (ref.node0.length + ref.node1.length) / 2;
  const missing = tsharkUncaptured(file, 0, shown);
  assert.ok(missing > 1000, `most of the stream was cut off (${missing} bytes)`);
  assert.match(raw.stderr.toString(), new RegExp(`stream 0: ${missing} bytes not captured \\(snap length\\)`));
  const text = run(['--stream', '0']);
  assert.equal(text.status, 0, text.stderr.toString());
  assert.match(text.stderr.toString(), new RegExp(`${ref.node0.length / 2} bytes from client, ${ref.node1.length / 2} from server; ${missing} bytes not captured \\(snap length\\)`));
  // --list --json keeps the contract's keys.
  const list = run(['--list', '--json']);
  assert.deepEqual(Object.keys(JSON.parse(list.stdout.toString())[0]), ['stream', 'client', 'server', 'packets', 'bytes_client', 'bytes_server', 'tls', 'keys']);
});

test('cut segments out of order, retransmitted and overlapping: the same bytes as tshark', async (t) => {
  const C = '192.168.1.10';
  const S = '10.1.2.3';
  const seg = (seq: number, text: string) => tcpFrame(C, S, 40000, 80, seq, 101, 0x18, Buffer.from(text));
  const frames = [
    { f: tcpFrame(C, S, 40000, 80, 0, 0, 0x02) },
    { f: tcpFrame(S, C, 80, 40000, 100, 1, 0x12) },
    { f: seg(1, 'AAAAAAAAAA'), snap: 54 + 4 }, // bytes 1..10, 4 captured
    { f: seg(21, 'CCCCCCCCCC'), snap: 54 + 6 }, // out of order: waits for 11..20
    { f: seg(11, 'BBBBBBBBBB') }, // whole: fills the hole, the waiting cut segment follows
    { f: seg(5, 'aaaaaaaaaa') }, // retransmission over the cut-off part of the first segment
    { f: seg(31, 'DDDDDDDDDD'), snap: 54 + 10 - 1 },
    { f: tcpFrame(S, C, 80, 40000, 101, 41, 0x18, Buffer.from('reply')), snap: 54 + 2 },
  ];
  const dir = tempDir(t, 'netlab-snap-');
  const file = join(dir, 'cut.pcap');
  writeFileSync(
    file,
    buildPcap(frames.map(({ f, snap }, i) => ({ sec: 1_700_000_000 + i, frac: 0, data: f.subarray(0, snap ?? f.length), origLen: f.length }))),
  );
  const got = await followHex(file, 0);
  assert.deepEqual(got, tsharkCaptured(file, 0, `${C}:40000`));
  assert.equal(Buffer.from(got[0], 'hex').toString(), 'AAAABBBBBBBBBBCCCCCCDDDDDDDDD');
  const { streams } = await listTcpStreams(file);
  assert.equal(streams[0]!.uncaptured, 6 + 4 + 1 + 3);
  assert.equal(streams[0]!.gaps, 0);
});

test('a large generated capture cut to 80 bytes: its first streams equal tshark\'s follow', async (t) => {
  const dir = tempDir(t, 'netlab-snap-');
  const full = join(dir, 'synth.pcap');
  writeSyntheticCapture(full, 3 * 1024 * 1024, 7);
  const file = cut(dir, full, 80);
  for (const stream of [0, 1, 2]) {
    const { streams } = await listTcpStreams(file);
    assert.deepEqual(await followHex(file, stream), tsharkCaptured(file, stream, streams[stream]!.client), `stream ${stream}`);
  }
});
