/**
 * TCP reassembly on crafted captures: retransmissions, out-of-order and
 * overlapping segments, SYN/FIN, sequence wrap-around, port reuse; checked
 * against the expected bytes and against tshark's follow on the same file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followTcpStream, listTcpStreams } from '../../../src/pcap/follow.js';
import { HalfStream, ReassemblyBudget } from '../../../src/pcap/reassembly/half-stream.js';
import { buildPcap, tcpFrame } from '../../helpers/pcap.js';
import { tsharkFollowRaw, tsharkStreams } from '../../helpers/tshark-follow.js';

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const C = '192.168.1.10';
const S = '10.1.2.3';

function capture(t: { after: (fn: () => void) => void }, frames: Buffer[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-reasm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'c.pcap');
  writeFileSync(path, buildPcap(frames.map((data, i) => ({ sec: 1_700_000_000 + i, frac: 0, data }))));
  return path;
}

async function follow(path: string, stream = 0): Promise<[string, string]> {
  const got: [string, string] = ['', ''];
  await followTcpStream(path, stream, (side, data) => {
    got[side] += Buffer.from(data).toString('latin1');
  });
  return got;
}

function assertLikeTshark(path: string, got: [string, string], stream = 0): void {
  const raw = tsharkFollowRaw(path, stream);
  assert.equal(Buffer.from(got[0], 'latin1').toString('hex'), raw.node0, 'client bytes equal tshark follow');
  assert.equal(Buffer.from(got[1], 'latin1').toString('hex'), raw.node1, 'server bytes equal tshark follow');
}

const b = (s: string) => Buffer.from(s, 'latin1');

test('handshake, data both ways, retransmission and FIN: each byte once, in order', async (t) => {
  const ci = 1000;
  const si = 5000;
  const path = capture(t, [
    tcpFrame(C, S, 40000, 80, ci, 0, SYN),
    tcpFrame(S, C, 80, 40000, si, ci + 1, SYN | ACK),
    tcpFrame(C, S, 40000, 80, ci + 1, si + 1, ACK),
    tcpFrame(C, S, 40000, 80, ci + 1, si + 1, PSH | ACK, b('GET / HTTP/1.0\r\n')),
    tcpFrame(C, S, 40000, 80, ci + 1, si + 1, PSH | ACK, b('GET / HTTP/1.0\r\n')), // retransmission
    tcpFrame(C, S, 40000, 80, ci + 17, si + 1, PSH | ACK, b('\r\n')),
    tcpFrame(S, C, 80, 40000, si + 1, ci + 19, PSH | ACK, b('HTTP/1.0 200 OK\r\n\r\nhi')),
    tcpFrame(S, C, 80, 40000, si + 22, ci + 19, FIN | ACK),
    tcpFrame(C, S, 40000, 80, ci + 19, si + 23, FIN | ACK),
  ]);
  const got = await follow(path);
  assert.deepEqual(got, ['GET / HTTP/1.0\r\n\r\n', 'HTTP/1.0 200 OK\r\n\r\nhi']);
  assertLikeTshark(path, got);
});

test('out-of-order and overlapping segments are put back in sequence order', async (t) => {
  const ci = 7;
  const path = capture(t, [
    tcpFrame(C, S, 40001, 80, ci, 0, SYN),
    tcpFrame(S, C, 80, 40001, 900, ci + 1, SYN | ACK),
    tcpFrame(C, S, 40001, 80, ci + 1 + 10, 901, PSH | ACK, b('KLMNOPQRST')), // arrives early
    tcpFrame(C, S, 40001, 80, ci + 1 + 5, 901, PSH | ACK, b('FGHIJKLM')), // overlaps the early one
    tcpFrame(C, S, 40001, 80, ci + 1, 901, PSH | ACK, b('ABCDE')), // fills the hole
    tcpFrame(C, S, 40001, 80, ci + 1 + 18, 901, PSH | ACK, b('STUV')), // overlaps the tail
  ]);
  const got = await follow(path);
  assert.equal(got[0], 'ABCDEFGHIJKLMNOPQRSTUV');
  assertLikeTshark(path, got);
});

test('sequence numbers wrapping past 2^32 keep the stream contiguous', async (t) => {
  const ci = 0xfffffff0;
  const path = capture(t, [
    tcpFrame(C, S, 40002, 80, ci, 0, SYN),
    tcpFrame(S, C, 80, 40002, 1, ci + 1, SYN | ACK),
    tcpFrame(C, S, 40002, 80, ci + 1, 2, PSH | ACK, b('0123456789')), // ends at 0xfffffffb
    tcpFrame(C, S, 40002, 80, ci + 11, 2, PSH | ACK, b('abcdefghij')), // crosses zero
    tcpFrame(C, S, 40002, 80, (ci + 21) >>> 0, 2, PSH | ACK, b('XYZ')),
  ]);
  const got = await follow(path);
  assert.equal(got[0], '0123456789abcdefghijXYZ');
  assertLikeTshark(path, got);
});

test('a new SYN on the same ports with another ISN is a new stream, numbered as tshark does', async (t) => {
  const path = capture(t, [
    tcpFrame(C, S, 40003, 80, 100, 0, SYN),
    tcpFrame(S, C, 80, 40003, 200, 101, SYN | ACK),
    tcpFrame(C, S, 40003, 80, 101, 201, PSH | ACK, b('first')),
    tcpFrame(C, S, 40003, 80, 106, 201, FIN | ACK),
    tcpFrame(S, C, 80, 40003, 201, 107, FIN | ACK),
    tcpFrame(C, S, 40004, 80, 1, 0, SYN),
    tcpFrame(C, S, 40003, 80, 90000, 0, SYN),
    tcpFrame(S, C, 80, 40003, 777, 90001, SYN | ACK),
    tcpFrame(C, S, 40003, 80, 90001, 778, PSH | ACK, b('second')),
  ]);
  const { streams } = await listTcpStreams(path);
  const ref = tsharkStreams(path);
  assert.deepEqual(
    streams.map((s) => [s.index, s.client, s.packets]),
    [...ref.entries()].map(([i, r]) => [i, r.client, r.packets]),
  );
  assert.equal(streams.length, 3);
  assert.deepEqual(await follow(path, 0), ['first', '']);
  assert.deepEqual(await follow(path, 2), ['second', '']);
});

test('a capture that starts mid-connection takes the first data seen as the origin', async (t) => {
  const path = capture(t, [
    tcpFrame(C, S, 40005, 80, 5000, 9000, PSH | ACK, b('middle ')),
    tcpFrame(S, C, 80, 40005, 9000, 5007, PSH | ACK, b('reply')),
    tcpFrame(C, S, 40005, 80, 5007, 9005, PSH | ACK, b('end')),
  ]);
  const got = await follow(path);
  assert.deepEqual(got, ['middle end', 'reply']);
  assertLikeTshark(path, got);
});

test('out-of-order bytes over the buffer limit skip the gap instead of growing memory', () => {
  const out: string[] = [];
  const half = new HalfStream((d) => out.push(Buffer.from(d).toString()), 8, new ReassemblyBudget(1 << 20));
  half.segment(0, true, false, new Uint8Array(0), 0, 0, 1);
  const seg = (seq: number, s: string) => half.segment(seq, false, false, b(s), 0, s.length, 1);
  assert.equal(seg(11, 'xxxx'), true); // waits for bytes 1..10
  assert.equal(seg(15, 'yyyy'), true); // 8 bytes buffered: at the limit
  assert.equal(seg(19, 'zzzz'), false); // over it: the gap is given up
  assert.equal(out.join(''), 'xxxxyyyyzzzz');
  assert.equal(half.gaps, 1);
});

test('data behind a segment that was never captured is dropped at the end, as tshark does, unless asked for', async (t) => {
  const path = capture(t, [
    tcpFrame(C, S, 40020, 80, 0, 0, SYN),
    tcpFrame(S, C, 80, 40020, 100, 1, SYN | ACK),
    tcpFrame(C, S, 40020, 80, 1, 101, PSH | ACK, b('AAAA')),
    // bytes 5..8 were lost
    tcpFrame(C, S, 40020, 80, 9, 101, PSH | ACK, b('CCCC')),
    tcpFrame(S, C, 80, 40020, 101, 5, PSH | ACK, b('reply')),
  ]);
  const got = await follow(path);
  assert.deepEqual(got, ['AAAA', 'reply']);
  assertLikeTshark(path, got);
  const { streams } = await listTcpStreams(path);
  assert.equal(streams[0]!.undelivered, 4);

  const budget = new ReassemblyBudget(1 << 20);
  const out: string[] = [];
  const half = new HalfStream((d) => out.push(Buffer.from(d).toString()), 1 << 20, budget);
  half.segment(0, false, false, b('abc'), 0, 3, 1);
  half.segment(10, false, false, b('later'), 0, 5, 2);
  assert.equal(budget.used, 5);
  half.flush(true);
  assert.equal(out.join(''), 'abclater');
  assert.equal(half.gaps, 1);
  assert.equal(budget.used, 0);
});

test('a stream whose gaps exceed the buffer limits is reported with a warning', async (t) => {
  const frames = [tcpFrame(C, S, 40010, 80, 0, 0, SYN)];
  // Segment 1..100 is lost; 300 later segments of 100 bytes wait behind it.
  for (let i = 1; i <= 300; i++) frames.push(tcpFrame(C, S, 40010, 80, 1 + i * 100, 1, PSH | ACK, Buffer.alloc(100, i)));
  const path = capture(t, frames);
  const { streams, info } = await listTcpStreams(path, { maxBufferedPerStream: 4096 });
  assert.equal(streams[0]!.bytesClient, 300 * 100);
  assert.equal(info.warnings[0]!.code, 'NETLAB_ERR_PCAP_REASSEMBLY_LIMIT');
  assert.match(info.warnings[0]!.message, /skipped \d+ gaps/);
});
