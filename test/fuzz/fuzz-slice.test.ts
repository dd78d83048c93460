/**
 * CI slice of `npm run fuzz`: every target over a short seeded run with zero
 * failures, and the runner itself classifies failures as documented (so a
 * green slice means something).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetlabError, ERROR_CODES, type ErrorCode } from '../../src/errors.js';
import { runTarget } from '../../fuzz/runner.js';
import { Rng } from '../../fuzz/rng.js';
import { TARGETS } from '../../fuzz/targets/index.js';
import { check, type FuzzTarget } from '../../fuzz/target.js';

const SEED = 20261203;
const COUNT = Number(process.env.NETLAB_FUZZ_SLICE ?? 1000);

for (const target of TARGETS) {
  test(`fuzz slice: ${target.name} over ${COUNT} inputs (seed ${SEED}) has no failures`, async () => {
    const r = await runTarget(target, { seed: SEED, count: COUNT, budgetMs: 2000 });
    assert.equal(r.inputs, COUNT);
    assert.deepEqual(r.examples, [], r.examples.map((f) => `index ${f.index}: ${f.reason}`).join('\n'));
    assert.equal(r.failures, 0);
  });
}

test('the runner counts a thrown non-NetlabError, an uncatalogued code, a broken invariant and a slow input as failures, with the index to replay', async () => {
  const kinds = ['ok', 'refusal', 'type', 'code', 'invariant', 'slow'] as const;
  const target: FuzzTarget = {
    name: 'test/deliberate',
    run(rng) {
      const kind = kinds[rng.below(kinds.length)];
      if (kind === 'refusal') throw new NetlabError(ERROR_CODES.PCAP_CORRUPT, 'a catalogued refusal is fine');
      if (kind === 'type') throw new TypeError('boom');
      if (kind === 'code') throw new NetlabError('NETLAB_ERR_NOT_A_CODE' as ErrorCode, 'bad code');
      if (kind === 'invariant') check(false, 'broken');
      if (kind === 'slow') {
        const until = Date.now() + 30;
        while (Date.now() < until);
      }
    },
  };
  const r = await runTarget(target, { seed: 7, count: 60, budgetMs: 20, keepFailures: 100 });
  // What each index should do is known from the same PRNG stream.
  const expected = r.examples.length;
  assert.ok(expected > 0 && r.failures === expected);
  const reasons = r.examples.map((f) => f.reason).join('\n');
  assert.match(reasons, /TypeError: boom/);
  assert.match(reasons, /uncatalogued code NETLAB_ERR_NOT_A_CODE/);
  assert.match(reasons, /InvariantError: broken/);
  assert.match(reasons, /took \d+ ms \(budget 20 ms\)/);
  assert.doesNotMatch(reasons, /catalogued refusal/);
  // Replaying a reported index fails the same way.
  const first = r.examples[0]!;
  const again = await runTarget(target, { seed: 7, start: first.index, count: 1, budgetMs: 20 });
  assert.equal(again.failures, 1);
  assert.equal(again.examples[0]!.reason.split(':')[0], first.reason.split(':')[0]);
});

test('inputs depend only on (seed, target, index)', () => {
  const a = new Rng(5, 9, 123).bytes(32);
  assert.deepEqual(new Rng(5, 9, 123).bytes(32), a);
  assert.notDeepEqual(new Rng(5, 9, 124).bytes(32), a);
  assert.notDeepEqual(new Rng(6, 9, 123).bytes(32), a);
});
