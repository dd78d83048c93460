/**
 * Property: however broadcasts, private sends, skipped receivers and early
 * takes interleave, each receiver's batch gives back exactly the bytes added
 * to it, in order; receivers sent the same broadcasts in the same turn share
 * one Buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FanOutTurn, TurnBatch } from '../../src/protocols/turn-batch.js';

type Step =
  | { kind: 'broadcast'; skip: number; bytes: number }
  | { kind: 'private'; to: number; bytes: number }
  | { kind: 'take'; from: number }
  | { kind: 'turn' };

const RECEIVERS = 5;
const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('broadcast' as const), skip: fc.integer({ min: -1, max: RECEIVERS - 1 }), bytes: fc.integer({ min: 0, max: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('private' as const), to: fc.integer({ min: 0, max: RECEIVERS - 1 }), bytes: fc.integer({ min: 0, max: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('take' as const), from: fc.integer({ min: 0, max: RECEIVERS - 1 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'turn' as const }) },
  ),
  { maxLength: 60 },
);

test('every batch gives back exactly what was added to it, in order', () => {
  fc.assert(
    fc.property(steps, (script) => {
      const turn = new FanOutTurn();
      const batches = Array.from({ length: RECEIVERS }, () => new TurnBatch(turn));
      const expected: number[][] = batches.map(() => []);
      const received: number[][] = batches.map(() => []);
      let counter = 0;
      const part = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => counter++ & 0xff));
      const take = (i: number): void => {
        const bytes = (batches[i] as TurnBatch).take();
        if (bytes !== undefined) (received[i] as number[]).push(...bytes);
        assert.equal((batches[i] as TurnBatch).bytes, 0);
      };
      for (const step of script) {
        if (step.kind === 'broadcast') {
          const data = part(step.bytes);
          batches.forEach((b, i) => {
            if (i === step.skip) return;
            b.add(data);
            (expected[i] as number[]).push(...data);
          });
        } else if (step.kind === 'private') {
          const data = part(step.bytes);
          (batches[step.to] as TurnBatch).add(data);
          (expected[step.to] as number[]).push(...data);
        } else if (step.kind === 'take') {
          take(step.from);
        } else {
          turn.startNext();
          batches.forEach((_, i) => take(i));
        }
      }
      turn.startNext();
      batches.forEach((_, i) => take(i));
      assert.deepEqual(received, expected);
    }),
    { numRuns: 2000 },
  );
});

test('receivers of the same broadcasts share one joined Buffer; a skipped sender gets its own', () => {
  const turn = new FanOutTurn();
  const batches = Array.from({ length: 4 }, () => new TurnBatch(turn));
  assert.equal(batches[0]?.add(Buffer.from('a\n')), true);
  assert.equal(batches[0]?.add(Buffer.from('zz\n')), false);
  batches[2]?.add(Buffer.from('x\n'));
  const b = Buffer.from('b\n');
  batches.forEach((batch, i) => i !== 2 && batch.add(b));
  const c = Buffer.from('c\n');
  batches.forEach((batch) => batch.add(c));
  turn.startNext();
  const [first, second, third, fourth] = batches.map((batch) => batch.take());
  assert.equal(String(first), 'a\nzz\nb\nc\n');
  assert.equal(String(second), 'b\nc\n');
  assert.equal(second, fourth, 'the same range is joined once');
  assert.equal(String(third), 'x\nc\n');
  assert.equal(batches[1]?.take(), undefined, 'a batch is empty once taken');
});
