import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CourseCipher, EtmCipher, PlainCipher, type ImCipher } from '../../src/protocols/im/crypto.js';

const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 300);
const ciphers: Array<() => ImCipher> = [() => new PlainCipher(), () => new CourseCipher('c', 'a'), () => new EtmCipher('c', 'a')];

test('open() on random bytes never throws, for every mode', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => {
      for (const make of ciphers) {
        const result = make().open(bytes);
        assert.ok(result === undefined || (typeof result.nickname === 'string' && typeof result.message === 'string'));
      }
    }),
    { numRuns: RUNS },
  );
});

test('course and etm: any message round-trips, and any mutation of it is rejected', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 400 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (nickname, message, where, xor) => {
        for (const make of ciphers.slice(1)) {
          const sealed = make().seal({ nickname, message });
          assert.deepEqual(make().open(sealed), { nickname, message });
          const tampered = Buffer.from(sealed);
          const i = where % tampered.length;
          tampered[i] = (tampered[i] as number) ^ xor;
          assert.equal(make().open(tampered), undefined);
          // Truncated and extended frames too.
          assert.equal(make().open(sealed.subarray(0, where % sealed.length)), undefined);
        }
      },
    ),
    { numRuns: RUNS },
  );
});
