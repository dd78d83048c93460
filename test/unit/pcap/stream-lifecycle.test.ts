/**
 * The TCP stream table's lifecycle: a stream's reassembly state is released
 * on FIN from both sides, on RST, after the idle time (capture time) and past
 * the open-stream cap, while every stream keeps its number and counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dissectFrame } from '../../../src/pcap/layers/dissect.js';
import { Dissection } from '../../../src/pcap/layers/dissection.js';
import { TcpStreams, type TcpStreamInfo, type TcpStreamsOptions } from '../../../src/pcap/reassembly/tcp-streams.js';
import { tcpFrame } from '../../helpers/pcap.js';

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const RST = 0x04;
const C = '192.168.1.10';
const S = '10.1.2.3';
const b = (s: string) => Buffer.from(s, 'latin1');

/** Ethernet/IPv6/TCP frame with the given last 16 bits of fd00::/8 addresses. */
function tcp6Frame(src: number, dst: number, sport: number, dport: number, seq: number, flags: number): Buffer {
  const f = Buffer.alloc(14 + 40 + 20);
  f.writeUInt16BE(0x86dd, 12);
  f[14] = 0x60;
  f.writeUInt16BE(20, 18);
  f[20] = 6;
  f[21] = 64;
  f[22] = 0xfd;
  f.writeUInt16BE(src, 36);
  f[38] = 0xfd;
  f.writeUInt16BE(dst, 52);
  f.writeUInt16BE(sport, 54);
  f.writeUInt16BE(dport, 56);
  f.writeUInt32BE(seq >>> 0, 58);
  f[66] = 0x50;
  f[67] = flags;
  f.writeUInt16BE(65535, 68);
  return f;
}

/** A TcpStreams fed frames one at a time, recording what its consumer saw. */
function table(options: TcpStreamsOptions = {}) {
  const data = new Map<number, [string, string]>();
  const completed: number[] = [];
  const tcp = new TcpStreams(
    {
      reassembled: (s: TcpStreamInfo, side, bytes) => {
        const got = data.get(s.index) ?? ['', ''];
        got[side] += Buffer.from(bytes).toString('latin1');
        data.set(s.index, got);
      },
      complete: (s) => completed.push(s.index),
    },
    options,
  );
  const d = new Dissection();
  let n = 0;
  const feed = (frame: Buffer, timeSec: number) => {
    n += 1;
    tcp.add(dissectFrame(d, frame, 0, frame.length, 1), n, timeSec);
  };
  return { tcp, feed, data, completed };
}

test('FIN from both sides releases the stream; the last ACK still counts in it', () => {
  const { tcp, feed, data, completed } = table();
  feed(tcpFrame(C, S, 40000, 80, 100, 0, SYN), 1);
  feed(tcpFrame(S, C, 80, 40000, 500, 101, SYN | ACK), 1);
  feed(tcpFrame(C, S, 40000, 80, 101, 501, PSH | ACK, b('hello')), 1);
  assert.equal(tcp.openStreams, 1);
  feed(tcpFrame(C, S, 40000, 80, 106, 501, FIN | ACK), 1);
  assert.equal(tcp.openStreams, 1, 'one FIN is a half-close: still open');
  feed(tcpFrame(S, C, 80, 40000, 501, 107, PSH | ACK, b('bye')), 1);
  feed(tcpFrame(S, C, 80, 40000, 504, 107, FIN | ACK), 1);
  assert.equal(tcp.openStreams, 0, 'FIN both ways: released');
  assert.deepEqual(completed, [0]);
  feed(tcpFrame(C, S, 40000, 80, 107, 505, ACK), 1);
  assert.equal(tcp.openStreams, 0, 'the final ACK carries nothing to reassemble');
  tcp.finish();
  assert.equal(tcp.count, 1, 'no new stream for the final ACK');
  assert.equal(tcp.stream(0)!.packets, 7);
  assert.deepEqual(data.get(0), ['hello', 'bye']);
  assert.deepEqual(completed, [0], 'completed once');
});

test('FIN both ways with data still waiting out of order keeps the stream until the gap fills', () => {
  const { tcp, feed, data } = table();
  feed(tcpFrame(C, S, 40001, 80, 100, 0, SYN), 1);
  feed(tcpFrame(S, C, 80, 40001, 500, 101, SYN | ACK), 1);
  feed(tcpFrame(C, S, 40001, 80, 104, 501, FIN | PSH | ACK, b('DEF')), 1); // arrives before 'ABC'
  feed(tcpFrame(S, C, 80, 40001, 501, 108, FIN | ACK), 1);
  assert.equal(tcp.openStreams, 1, 'waiting for the missing segment');
  feed(tcpFrame(C, S, 40001, 80, 101, 501, PSH | ACK, b('ABC')), 1);
  assert.equal(tcp.openStreams, 1);
  feed(tcpFrame(C, S, 40001, 80, 107, 502, ACK), 1);
  tcp.finish();
  assert.deepEqual(data.get(0), ['ABCDEF', '']);
});

test('RST releases the stream, and a RST that comes later adds no stream', () => {
  const { tcp, feed, completed } = table();
  feed(tcpFrame(C, S, 40002, 80, 100, 0, SYN), 1);
  feed(tcpFrame(S, C, 80, 40002, 500, 101, SYN | ACK), 1);
  feed(tcpFrame(C, S, 40002, 80, 101, 501, PSH | ACK, b('x')), 1);
  assert.equal(tcp.openStreams, 1);
  feed(tcpFrame(S, C, 80, 40002, 501, 102, RST | ACK), 1);
  assert.equal(tcp.openStreams, 0);
  assert.deepEqual(completed, [0]);
  feed(tcpFrame(S, C, 80, 40002, 501, 102, RST), 2);
  assert.equal(tcp.count, 1);
  assert.equal(tcp.stream(0)!.packets, 5);
});

test('an idle stream is released after the idle time in capture time, and resumes where it stopped', () => {
  const { tcp, feed, data, completed } = table({ idleTimeoutSec: 60 });
  feed(tcpFrame(C, S, 40003, 22, 100, 0, SYN), 1000);
  feed(tcpFrame(S, C, 22, 40003, 500, 101, SYN | ACK), 1000);
  feed(tcpFrame(C, S, 40003, 22, 101, 501, PSH | ACK, b('ls\n')), 1000);
  // Another connection keeps the capture going; 59 s is not yet idle.
  feed(tcpFrame(C, S, 40004, 80, 1, 0, SYN), 1059);
  assert.equal(tcp.openStreams, 1);
  feed(tcpFrame(C, S, 40004, 80, 1, 0, SYN), 1080);
  assert.equal(tcp.openStreams, 0, 'released 80 s after its last packet');
  assert.equal(tcp.idleFlushed, 1);
  assert.deepEqual(completed, [0]);
  // The session goes on: a retransmission of 'ls\n' is not shown twice, new bytes are.
  feed(tcpFrame(C, S, 40003, 22, 101, 501, PSH | ACK, b('ls\npwd\n')), 1100);
  assert.equal(tcp.openStreams, 1);
  tcp.finish();
  assert.equal(tcp.count, 2, 'still stream 0, as tshark numbers it');
  assert.deepEqual(data.get(0), ['ls\npwd\n', '']);
  assert.equal(tcp.stream(0)!.bytesClient, 7);
  assert.equal(tcp.stream(0)!.packets, 4);
});

test('packets without capture time never make a stream idle', () => {
  const { tcp, feed } = table({ idleTimeoutSec: 1 });
  feed(tcpFrame(C, S, 40005, 80, 1, 0, PSH | ACK, b('a')), NaN);
  feed(tcpFrame(C, S, 40006, 80, 1, 0, PSH | ACK, b('b')), NaN);
  assert.equal(tcp.openStreams, 2);
});

test('past the open-stream cap the oldest open stream is released, numbering and bytes unchanged', () => {
  const { tcp, feed, data } = table({ maxStreams: 3 });
  for (let i = 0; i < 10; i++) feed(tcpFrame(C, S, 41000 + i, 80, 1000 * i, 0, PSH | ACK, b(`a${i}`)), 1);
  assert.equal(tcp.openStreams, 3);
  assert.equal(tcp.evicted, 7);
  for (let i = 0; i < 10; i++) feed(tcpFrame(C, S, 41000 + i, 80, 1000 * i + 2, 0, PSH | ACK, b(`b${i}`)), 2);
  assert.ok(tcp.openStreams <= 3);
  tcp.finish();
  assert.equal(tcp.openStreams, 0);
  assert.equal(tcp.count, 10);
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(data.get(i), [`a${i}b${i}`, ''], `stream ${i}`);
    assert.equal(tcp.stream(i)!.packets, 2);
  }
});

test('SYN-only streams hold no reassembly state; many of them and both IP versions are told apart', () => {
  const { tcp, feed } = table();
  for (let i = 0; i < 5000; i++) {
    feed(tcpFrame(`10.0.${i >> 8}.${i & 255}`, S, 20000 + (i % 7), 443, i, 0, SYN), 1);
    feed(tcpFrame(S, `10.0.${i >> 8}.${i & 255}`, 443, 20000 + (i % 7), 9, i + 1, SYN | ACK), 1);
  }
  for (let i = 0; i < 3000; i++) {
    feed(tcp6Frame(i, 1, 20000 + (i % 7), 443, i, SYN), 1);
    feed(tcp6Frame(1, i, 443, 20000 + (i % 7), 9, SYN | ACK), 1);
  }
  assert.equal(tcp.openStreams, 0);
  assert.equal(tcp.count, 8000);
  for (const i of [0, 1, 255, 256, 4999]) {
    const s = tcp.stream(i)!;
    assert.equal(s.client, `10.0.${i >> 8}.${i & 255}:${20000 + (i % 7)}`);
    assert.equal(s.server, `${S}:443`);
    assert.equal(s.packets, 2);
  }
  for (const i of [5, 255, 2999]) {
    const s = tcp.stream(5000 + i)!;
    assert.equal(s.client, `[fd00::${i.toString(16)}]:${20000 + (i % 7)}`);
    assert.equal(s.server, '[fd00::1]:443');
    assert.equal(s.packets, 2, `IPv6 stream ${i}`);
  }
});

test('a cap or idle time that is not a positive number is refused with NETLAB_ERR_INVALID_ARGUMENT', () => {
  for (const options of [{ maxStreams: 0 }, { maxStreams: -1 }, { maxStreams: Number.NaN }, { maxStreams: 1.5 }, { idleTimeoutSec: 0 }, { idleTimeoutSec: Number.NaN }]) {
    assert.throws(() => new TcpStreams({ reassembled: () => {} }, options), { code: 'NETLAB_ERR_INVALID_ARGUMENT' }, JSON.stringify(options));
  }
  assert.doesNotThrow(() => new TcpStreams({ reassembled: () => {} }, { idleTimeoutSec: Infinity, maxStreams: 1 }));
});

test('retainStreams lets the oldest records go a chunk at a time, releasing their open streams first', () => {
  const { tcp, feed, completed } = table({ retainStreams: 1000 });
  // Stream 0 carries payload and stays open; then many SYN-only streams.
  feed(tcpFrame(C, S, 40100, 80, 1, 0, PSH | ACK, b('old')), 1);
  const total = 3 * 16_384 + 10;
  for (let i = 1; i < total; i++) feed(tcpFrame(`10.2.${i >> 8 & 255}.${i & 255}`, S, 1024 + (i >> 16), 80, i, 0, SYN), 1);
  assert.equal(tcp.count, total);
  assert.ok(tcp.firstKept > 0, 'older records were let go');
  assert.ok(tcp.count - tcp.firstKept <= 1000 + 16_384, `kept ${tcp.count - tcp.firstKept}`);
  assert.equal(tcp.stream(0), undefined);
  assert.deepEqual(completed, [0], 'the open stream in the dropped chunk was released first');
  assert.equal(tcp.openStreams, 0);
  // Recent streams are still found by their 4-tuple; a forgotten one starts a new stream.
  const last = total - 1;
  feed(tcpFrame(S, `10.2.${last >> 8 & 255}.${last & 255}`, 80, 1024 + (last >> 16), 77, last + 1, SYN | ACK), 1);
  assert.equal(tcp.count, total);
  assert.equal(tcp.stream(last)!.packets, 2);
  feed(tcpFrame(S, C, 80, 40100, 5, 4, ACK), 1);
  assert.equal(tcp.count, total + 1);
  assert.equal(tcp.stream(total)!.client, `${S}:80`);
});
