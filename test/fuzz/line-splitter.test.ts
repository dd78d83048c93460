import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter } from '../../src/codec/line-splitter.js';
import { ERROR_CODES } from '../../src/errors.js';

const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 300);

/** Cuts `input` at the given offsets (any order, duplicates ignored). */
function chunked(input: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(input.subarray(last, p));
    last = p;
  }
  chunks.push(input.subarray(last));
  return chunks;
}

for (const overLong of ['stop', 'skip'] as const) {
  test(`line splitter (${overLong} policy): random bytes in random chunks never throw, lines and memory respect the cap, chunking does not matter`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x41), fc.integer({ min: 0, max: 255 })), { maxLength: 600 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 64 }),
        (bytes, cuts, max) => {
          const run = (chunks: Buffer[]): string[] => {
            const out: string[] = [];
            const splitter = new LineSplitter({
              maxLineBytes: max,
              overLong,
              onLine: (line, ending) => {
                assert.ok(line.length <= max);
                out.push(`${line.toString('hex')}|${ending}`);
              },
              onError: (e) => out.push(`error:${e.code}`),
            });
            for (const c of chunks) {
              splitter.push(c);
              assert.ok(splitter.pendingBytes <= max + 1, 'never holds more than the cap (+1 for a possible \\r)');
            }
            splitter.finish();
            return out;
          };
          const input = Buffer.from(bytes);
          const whole = run([input]);
          assert.deepEqual(run(chunked(input, cuts)), whole);
          assert.ok(whole.filter((l) => l.startsWith('error:')).every((l) => l === `error:${ERROR_CODES.LINE_TOO_LONG}`));
          if (overLong === 'stop') assert.ok(whole.filter((l) => l.startsWith('error:')).length <= 1, 'stop reports once');
        },
      ),
      { numRuns: RUNS },
    );
  });
}
