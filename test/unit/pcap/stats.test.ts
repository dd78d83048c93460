/** The course metrics' arithmetic: exact median across storage chunks, Welford mean/std, directions, nulls. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SampleStore } from '../../../src/pcap/samples.js';
import { captureStats } from '../../../src/pcap/stats.js';
import { buildPcap, chunked, udpFrame } from '../../helpers/pcap.js';

test('the median of the sample store equals the sorted median, across chunk boundaries', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 300 }), (xs) => {
      const s = new SampleStore();
      for (const x of xs) s.push(x);
      const sorted = [...xs].sort((a, b) => a - b);
      const m = sorted.length >> 1;
      const expected = sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
      // === rather than Object.is: -0 and 0 sort as equal, so either may come out as the median.
      const median = s.median();
      assert.ok(median === expected, `median ${median} != ${expected}`);
    }),
  );
  const big = new SampleStore();
  const values: number[] = [];
  for (let i = 0; i < 200_001; i++) {
    const v = (i * 7919) % 100_003;
    big.push(v);
    values.push(v);
  }
  values.sort((a, b) => a - b);
  assert.equal(big.median(), values[100_000]);
  assert.equal(new SampleStore().median(), null);
});

test('directions, inter-arrival mean/median/std and nulls on a hand-made capture', async () => {
  const out = (sec: number, frac: number) => ({ sec, frac, data: udpFrame('192.168.1.5', '1.1.1.1', 1000, 53) });
  const inn = (sec: number, frac: number) => ({ sec, frac, data: udpFrame('1.1.1.1', '192.168.1.5', 53, 1000) });
  const other = (sec: number) => ({ sec, frac: 0, data: udpFrame('1.1.1.1', '2.2.2.2', 1, 2) });
  const bytes = buildPcap([out(10, 0), inn(10, 500000), out(11, 0), other(12), out(13, 0), out(13, 250000)]);
  const s = await captureStats(chunked(bytes, []));
  assert.equal(s.out.packets, 4);
  assert.equal(s.in.packets, 1);
  assert.equal(s.other.packets, 1);
  assert.equal(s.out.bytes, 4 * 42);
  // out inter-arrivals: 1, 2, 0.25
  assert.equal(s.out.iat.mean, 3.25 / 3);
  assert.equal(s.out.iat.median, 1);
  const mean = 3.25 / 3;
  const std = Math.sqrt(((1 - mean) ** 2 + (2 - mean) ** 2 + (0.25 - mean) ** 2) / 3);
  assert.ok(Math.abs(s.out.iat.std! - std) < 1e-12);
  assert.deepEqual(s.in.iat, { mean: null, median: null, std: null });
  assert.equal(s.first, 10);
  assert.equal(s.last, 13.25);
  assert.equal(s.duration, 3.25);
  assert.deepEqual(s.protocols, { udp: 6 });
  assert.deepEqual(s.conversations[0], { a: '1.1.1.1', b: '192.168.1.5', packets: 5, bytes: 210, packetsAtoB: 1, bytesAtoB: 42 });
});

test('nanosecond timestamps keep their precision in inter-arrival times', async () => {
  const f = udpFrame('192.168.1.5', '1.1.1.1', 1000, 53);
  const bytes = buildPcap(
    [
      { sec: 1_700_000_000, frac: 1, data: f },
      { sec: 1_700_000_000, frac: 4, data: f },
    ],
    { nano: true },
  );
  const s = await captureStats(chunked(bytes, []));
  assert.ok(Math.abs(s.out.iat.mean! - 3e-9) < 1e-18);
});
