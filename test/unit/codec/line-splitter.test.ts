import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter, type LineEnding } from '../../../src/codec/line-splitter.js';
import { ERROR_CODES, NetlabError } from '../../../src/errors.js';

function split(chunks: Buffer[], maxLineBytes = 1024, finish = true): { lines: [string, LineEnding][]; errors: NetlabError[] } {
  const lines: [string, LineEnding][] = [];
  const errors: NetlabError[] = [];
  const splitter = new LineSplitter({ maxLineBytes, onLine: (l, e) => void lines.push([l.toString('latin1'), e]), onError: (e) => errors.push(e) });
  for (const c of chunks) splitter.push(c);
  if (finish) splitter.finish();
  return { lines, errors };
}

const SAMPLE = Buffer.from('alpha\r\nbeta\n\ngamma\r\ndelta', 'latin1');
const EXPECTED: [string, LineEnding][] = [
  ['alpha', '\r\n'],
  ['beta', '\n'],
  ['', '\n'],
  ['gamma', '\r\n'],
  ['delta', ''],
];

test('the same lines come out whatever the chunk boundaries', () => {
  assert.deepEqual(split([SAMPLE]).lines, EXPECTED);
  for (let cut = 0; cut <= SAMPLE.length; cut++) {
    assert.deepEqual(split([SAMPLE.subarray(0, cut), SAMPLE.subarray(cut)]).lines, EXPECTED, `split at ${cut}`);
  }
  const oneByOne = [...SAMPLE].map((b) => Buffer.from([b]));
  assert.deepEqual(split(oneByOne).lines, EXPECTED);
});

test('a final unterminated line is held until finish()', () => {
  assert.deepEqual(split([Buffer.from('no newline')], 1024, false).lines, []);
  assert.deepEqual(split([Buffer.from('no newline')]).lines, [['no newline', '']]);
});

test('a line of exactly maxLineBytes passes; one byte more is refused as soon as it is known', () => {
  assert.deepEqual(split([Buffer.from('abcd\n')], 4).lines, [['abcd', '\n']]);
  assert.deepEqual(split([Buffer.from('abcd\r\n')], 4).lines, [['abcd', '\r\n']]);
  const over = split([Buffer.from('abcde\n')], 4);
  assert.equal(over.lines.length, 0);
  assert.equal(over.errors[0]?.code, ERROR_CODES.LINE_TOO_LONG);
  // Without any newline: the error comes while the line is still arriving.
  const streaming = split([Buffer.from('abc'), Buffer.from('def'), Buffer.from('ghi')], 4, false);
  assert.equal(streaming.errors.length, 1);
});

test('after an over-long line the splitter stays stopped and reports once', () => {
  const { lines, errors } = split([Buffer.from('x'.repeat(50)), Buffer.from('\nok\n')], 10);
  assert.equal(errors.length, 1);
  assert.deepEqual(lines, []);
});

test('property: any lines in any chunking come back unchanged', () => {
  const line = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));
  fc.assert(
    fc.property(fc.array(fc.tuple(line, fc.constantFrom<LineEnding>('\n', '\r\n')), { maxLength: 20 }), fc.array(fc.nat(50), { maxLength: 10 }), (items, cuts) => {
      const bytes = Buffer.from(items.map(([l, e]) => l + e).join(''), 'latin1');
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const p of points) {
        chunks.push(bytes.subarray(from, p));
        from = p;
      }
      chunks.push(bytes.subarray(from));
      assert.deepEqual(split(chunks, 1000).lines, items);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: random bytes never throw and never exceed the cap', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), fc.integer({ min: 1, max: 32 }), (chunks, max) => {
      const { lines, errors } = split(chunks.map((c) => Buffer.from(c)), max);
      for (const [l] of lines) assert.ok(Buffer.byteLength(l, 'latin1') <= max);
      assert.ok(errors.every((e) => e instanceof NetlabError && e.code === ERROR_CODES.LINE_TOO_LONG));
      assert.ok(errors.length <= 1);
    }),
    { numRuns: 500 },
  );
});
