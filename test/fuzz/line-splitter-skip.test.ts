import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter } from '../../src/codec/line-splitter.js';

const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 300);

test('line splitter, skip policy (chat): random bytes in random chunks never throw, never hold more than the cap, and chunking does not matter', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x41), fc.integer({ min: 0, max: 255 })), { maxLength: 600 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.integer({ min: 1, max: 64 }),
      (bytes, cuts, max) => {
        const run = (chunks: Buffer[]): string[] => {
          const out: string[] = [];
          const reader = new LineSplitter({
            maxLineBytes: max,
            overLong: 'skip',
            onLine: (bytes) => {
              const line = bytes.toString('utf8');
              assert.ok(Buffer.byteLength(line) <= max * 3, 'a decoded line stays near the byte cap');
              out.push(`L${line}`);
            },
            onError: () => out.push('TOO LONG'),
          });
          for (const c of chunks) {
            reader.push(c);
            assert.ok(reader.pendingBytes <= max + 1);
          }
          reader.finish();
          return out;
        };
        const input = Buffer.from(bytes);
        const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(input.subarray(last, p));
          last = p;
        }
        chunks.push(input.subarray(last));
        assert.deepEqual(run(chunks), run([input]));
      },
    ),
    { numRuns: RUNS },
  );
});
