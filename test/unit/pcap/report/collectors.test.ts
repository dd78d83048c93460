/** The report's bounded collectors: exact counts under a fixed cap, bins that hold their values, points thinned evenly, text escaped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimeSeriesCollector } from '../../../../src/pcap/report/time-series.js';
import { binOf, IatHistogramCollector } from '../../../../src/pcap/report/iat-histogram.js';
import { DecimatedPoints } from '../../../../src/pcap/report/time-sequence.js';
import { topTalkers } from '../../../../src/pcap/report/talkers.js';
import { esc } from '../../../../src/pcap/report/page/html.js';

test('traffic series: every packet in the interval its time falls in, exact totals, never more than the cap', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 86_400 * 1e9 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 60, max: 1514 })), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 10, max: 200 }),
      (packets, cap) => {
        const sorted = [...packets].sort((a, b) => a[0] - b[0]);
        const base = 1_700_000_000;
        const series = new TimeSeriesCollector(cap);
        for (const [ns, dir, bytes] of sorted) series.add(dir as 0 | 1 | 2, bytes, true, base + Math.floor(ns / 1e9), ns % 1e9);
        const r = series.result();
        assert.ok(r.buckets <= cap && r.buckets >= 1);
        const intervalNs = Math.round(r.interval * 1e9);
        const expected = { in: new Array<number>(r.buckets).fill(0), out: new Array<number>(r.buckets).fill(0), other: new Array<number>(r.buckets).fill(0) };
        const t0 = sorted[0]![0];
        for (const [ns, dir] of sorted) {
          const key = dir === 2 ? 'in' : dir === 1 ? 'out' : 'other';
          expected[key][Math.floor((ns - t0) / intervalNs)]!++;
        }
        assert.deepEqual(r.in.packets, expected.in);
        assert.deepEqual(r.out.packets, expected.out);
        assert.deepEqual(r.other.packets, expected.other);
        const bytes = [...r.in.bytes, ...r.out.bytes, ...r.other.bytes].reduce((a, b) => a + b, 0);
        assert.equal(bytes, sorted.reduce((a, p) => a + p[2], 0));
        // The interval is the finest of 1, 5, 10, 50 ... microseconds that fits: one step finer would not.
        const span = sorted[sorted.length - 1]![0] - t0;
        assert.ok(Math.floor(span / intervalNs) < cap);
      },
    ),
    { numRuns: 200 },
  );
});

test('traffic series: packets without a timestamp are counted apart, an earlier-stamped packet lands in the first interval', () => {
  const s = new TimeSeriesCollector(10);
  s.add(1, 100, true, 1000, 0);
  s.add(1, 100, true, 999, 0);
  s.add(2, 50, false, 0, 0);
  const r = s.result();
  assert.equal(r.untimed, 1);
  assert.deepEqual(r.out.packets, [2]);
  assert.equal(r.start, 1000);
});

test('inter-arrival bins: each time falls inside its bin\'s edges', () => {
  const h = new IatHistogramCollector();
  fc.assert(
    fc.property(fc.double({ min: 1e-9, max: 1e5, noNaN: true }), (x) => {
      const collector = new IatHistogramCollector();
      collector.add(true, 0, 0);
      collector.add(true, Math.floor(x), Math.round((x - Math.floor(x)) * 1e9));
      const bins = collector.result({ mean: null, median: null, std: null }).bins;
      assert.equal(bins.length, 1);
      const b = bins[0]!;
      const shifted = Math.floor(x) + Math.round((x - Math.floor(x)) * 1e9) / 1e9;
      assert.ok(b.lo === null || shifted >= b.lo, `${shifted} >= ${b.lo}`);
      assert.ok(b.hi === null || shifted < b.hi, `${shifted} < ${b.hi}`);
    }),
  );
  for (const edge of [1e-6, 1e-3, 1, 10]) assert.equal(binOf(edge), binOf(edge * 1.0000001), `${edge} opens its bin`);
  assert.equal(binOf(0), 0);
  assert.equal(binOf(-1), 0, 'a negative gap (file not in time order) is in the lowest bin');
  h.add(true, 0, 0);
  assert.equal(h.result({ mean: null, median: null, std: null }).count, 0, 'one packet: no gap');
});

test('time-sequence points: bounded, evenly spread, first and last kept', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 2, max: 300 }), (n, cap) => {
      const p = new DecimatedPoints(cap);
      for (let i = 0; i < n; i++) p.add(i, i * 10);
      const out = p.result();
      assert.ok(out.length <= cap + 1);
      assert.deepEqual(out[0], [0, 0]);
      assert.deepEqual(out[out.length - 1], [n - 1, (n - 1) * 10]);
      const steps = new Set(out.slice(1, -1).map((q, i) => q[0] - out[i]![0]));
      assert.ok(steps.size <= 1, 'one stride between kept points');
    }),
  );
});

test('talkers are summed from the conversations both ways; an address talking to itself counts each packet once', () => {
  const t = topTalkers(
    [
      { a: '10.0.0.1', b: '10.0.0.2', packets: 10, bytes: 1000, packetsAtoB: 6, bytesAtoB: 700 },
      { a: '10.0.0.1', b: '10.0.0.3', packets: 4, bytes: 400, packetsAtoB: 4, bytesAtoB: 400 },
      { a: '127.0.0.1', b: '127.0.0.1', packets: 3, bytes: 30, packetsAtoB: 3, bytesAtoB: 30 },
    ],
    10,
  );
  assert.deepEqual(t[0], { address: '10.0.0.1', packets: 14, bytes: 1400, packetsSent: 10, bytesSent: 1100, packetsReceived: 4, bytesReceived: 300 });
  assert.deepEqual(t.find((x) => x.address === '127.0.0.1'), { address: '127.0.0.1', packets: 3, bytes: 30, packetsSent: 3, bytesSent: 30, packetsReceived: 3, bytesReceived: 30 });
});

test('escaping: no markup character survives, and the text reads back the same', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const e = esc(s);
      assert.ok(!/[<>"']/.test(e));
      assert.equal(e.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'), s);
    }),
  );
});
