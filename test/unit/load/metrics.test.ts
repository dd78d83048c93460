import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LoadMetrics } from '../../../src/load/metrics.js';
import { openAll } from '../../../src/load/generator.js';
import { shareOf } from '../../../src/load/workers.js';

describe('LoadMetrics', () => {
  it('reports zeros before anything is recorded', () => {
    assert.deepEqual(new LoadMetrics().latency(), { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });

  it('gives percentiles within 0.1 % of the exact ones', () => {
    const m = new LoadMetrics();
    for (let v = 1; v <= 10_000; v++) m.record(v);
    const l = m.latency();
    assert.equal(l.min, 1);
    assert.equal(l.max, 10_000);
    assert.ok(Math.abs(l.p50 - 5000) <= 5, `p50 ${l.p50}`);
    assert.ok(Math.abs(l.p99 - 9900) <= 10, `p99 ${l.p99}`);
    assert.ok(Math.abs(l.p999 - 9990) <= 10, `p999 ${l.p999}`);
  });

  it('keeps min <= p50 <= p90 <= p99 <= p999 <= max for any values, clamping out-of-range ones', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 300 }), (values) => {
        const m = new LoadMetrics();
        for (const v of values) m.record(v);
        const l = m.latency();
        assert.ok(l.min >= 1 && l.max <= 60_000_000);
        assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the first error and counts all', () => {
    const m = new LoadMetrics();
    const first = new Error('first');
    m.error(first);
    m.error(new Error('second'));
    assert.equal(m.errors, 2);
    assert.equal(m.firstError, first);
  });
});

describe('openAll', () => {
  it('opens every item with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = await openAll(
      20,
      async (i) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight -= 1;
        return i;
      },
      () => {},
      4,
    );
    assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => i));
    assert.ok(peak <= 4, `peak ${peak}`);
  });

  it('closes what it opened and throws the first failure', async () => {
    const closed: number[] = [];
    await assert.rejects(
      openAll(
        10,
        async (i) => {
          if (i === 5) throw new Error('refused');
          return i;
        },
        (i) => closed.push(i),
        2,
      ),
      /refused/,
    );
    assert.ok(closed.length >= 5 && !closed.includes(5), `closed ${closed.join(',')}`);
  });
});

describe('merging across workers', () => {
  it('gives the same percentiles as one histogram of all values', () => {
    const all = new LoadMetrics();
    const a = new LoadMetrics();
    const b = new LoadMetrics();
    for (let v = 1; v <= 5000; v++) {
      all.record(v * 3);
      (v % 2 === 0 ? a : b).record(v * 3);
    }
    const merged = new LoadMetrics();
    merged.mergeHistogram(a.encodeHistogram());
    merged.mergeHistogram(b.encodeHistogram());
    assert.deepEqual(merged.latency(), all.latency());
  });

  it('splits connections evenly, every one to some worker', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 64 }), (total, workers) => {
        fc.pre(workers <= total);
        const shares = Array.from({ length: workers }, (_, i) => shareOf(total, workers, i));
        assert.equal(shares.reduce((x, y) => x + y, 0), total);
        assert.ok(Math.max(...shares) - Math.min(...shares) <= 1);
        assert.ok(Math.min(...shares) >= 1);
      }),
    );
  });
});
