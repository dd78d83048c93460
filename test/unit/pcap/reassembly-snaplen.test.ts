/**
 * HalfStream with segments cut by the snap length: a cut segment covers the
 * sequence numbers it declares, in any arrival order; only captured bytes are
 * delivered and the rest is counted, never taken for a gap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HalfStream, ReassemblyBudget } from '../../../src/pcap/reassembly/half-stream.js';

test('a cut segment counts its tail in sequence space: what follows is no gap and not undelivered', () => {
  const out: string[] = [];
  const half = new HalfStream((d) => out.push(Buffer.from(d).toString()), 1 << 20, new ReassemblyBudget(1 << 20));
  const b = (s: string) => Buffer.from(s);
  half.segment(0, true, false, new Uint8Array(0), 0, 0, 1);
  half.segment(1, false, false, b('abc'), 0, 3, 2, 7); // 10 bytes, 3 captured
  half.segment(11, false, false, b('def'), 0, 3, 3);
  half.segment(14, false, false, new Uint8Array(0), 0, 0, 4, 5); // nothing captured of 5 bytes
  half.segment(19, false, false, b('g'), 0, 1, 5);
  half.flush();
  assert.equal(out.join(''), 'abcdefg');
  assert.equal(half.uncaptured, 12);
  assert.equal(half.gaps, 0);
  assert.equal(half.undelivered, 0);
});

test('any cut and any order of segments: the captured bytes in sequence order, the rest counted, no gap', () => {
  const segments = fc.array(fc.record({ length: fc.integer({ min: 1, max: 40 }), captured: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 30 });
  fc.assert(
    fc.property(segments, fc.integer({ min: 0, max: 0xffffffff }), fc.array(fc.nat()), (segs, isn, swaps) => {
      let seq = (isn + 1) >>> 0;
      let n = 0;
      const list = segs.map(({ length, captured }) => {
        const c = Math.min(captured, length);
        const data = Uint8Array.from({ length: c }, (_, i) => (n + i) & 0xff);
        n += c;
        const s = { seq, data, uncaptured: length - c };
        seq = (seq + length) >>> 0;
        return s;
      });
      const expected = Buffer.concat(list.map((s) => s.data));
      const order = list.map((_, i) => i);
      for (const w of swaps) {
        const i = w % order.length;
        const j = (i + 1) % order.length;
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const out: Buffer[] = [];
      const half = new HalfStream((d) => out.push(Buffer.from(d)), 1 << 20, new ReassemblyBudget(1 << 20));
      half.segment(isn, true, false, new Uint8Array(0), 0, 0, 0);
      for (const i of order) {
        const s = list[i]!;
        half.segment(s.seq, false, false, s.data, 0, s.data.length, i + 1, s.uncaptured);
      }
      half.flush();
      assert.deepEqual(Buffer.concat(out), expected);
      assert.equal(half.uncaptured, list.reduce((a, s) => a + s.uncaptured, 0));
      assert.equal(half.gaps, 0);
      assert.equal(half.undelivered, 0);
    }),
    { numRuns: 500 },
  );
});
