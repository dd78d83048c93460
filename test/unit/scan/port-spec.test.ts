import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatPortSpec, parsePortSpec } from '../../../src/scan/port-spec.js';
import { ERROR_CODES, UsageError } from '../../../src/errors.js';
import { run } from '../../../src/cli/program.js';

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

test('nmap port syntax: single ports, ranges, lists, open-ended ranges and "-"', () => {
  assert.deepEqual(parsePortSpec('22'), [22]);
  assert.deepEqual(parsePortSpec('1-1024'), range(1, 1024));
  assert.deepEqual(parsePortSpec('22,80,8000-8100'), [22, 80, ...range(8000, 8100)]);
  assert.deepEqual(parsePortSpec('-'), range(1, 65535));
  assert.deepEqual(parsePortSpec('-3'), [1, 2, 3]);
  assert.deepEqual(parsePortSpec('65530-'), range(65530, 65535));
  assert.deepEqual(parsePortSpec('80,22,80,20-23'), [20, 21, 22, 23, 80]);
  assert.deepEqual(parsePortSpec('65535'), [65535]);
});

test('canonical form: ranges collapse, every port is "-"', () => {
  assert.equal(formatPortSpec([80, 22, 23, 24, 1]), '1,22-24,80');
  assert.equal(formatPortSpec(range(1, 65535)), '-');
  assert.equal(formatPortSpec([65535]), '65535');
});

test('bad specs are usage errors with a reason', () => {
  for (const bad of ['', ',', '22,', ',22', '22,,80', '0', '65536', '1-0', '100-1', 'ssh', '22 ', ' 22', '1--2', '1-2-3', '-0', 'x-5', '22.5', '+22', '0x16', '123456']) {
    assert.throws(
      () => parsePortSpec(bad),
      (err: unknown) => err instanceof UsageError && err.code === ERROR_CODES.INVALID_ARGUMENT && err.message.length > 10,
      `expected "${bad}" to be refused`,
    );
  }
});

const portArb = fc.integer({ min: 1, max: 65535 });

test('property: any port set survives format -> parse (sorted, unique)', () => {
  fc.assert(
    fc.property(fc.array(portArb, { minLength: 1, maxLength: 200 }), (ports) => {
      const expected = [...new Set(ports)].sort((a, b) => a - b);
      const spec = formatPortSpec(ports);
      assert.deepEqual(parsePortSpec(spec), expected);
      // The canonical form is a fixed point.
      assert.equal(formatPortSpec(parsePortSpec(spec)), spec);
    }),
    { numRuns: 300 },
  );
});

/** A random valid element and the ports it means, computed independently of the parser. */
const elementArb = fc.oneof(
  portArb.map((p) => ({ text: String(p), ports: [p] })),
  fc.tuple(portArb, portArb).map(([a, b]) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return { text: `${lo}-${hi}`, ports: [lo, hi] as [number, number], range: true };
  }),
  portArb.map((p) => ({ text: `-${p}`, ports: [1, p] as [number, number], range: true })),
  portArb.map((p) => ({ text: `${p}-`, ports: [p, 65535] as [number, number], range: true })),
);

test('property: valid specs parse to exactly the ports they name and round-trip', () => {
  fc.assert(
    fc.property(fc.array(elementArb, { minLength: 1, maxLength: 8 }), (elements) => {
      const spec = elements.map((e) => e.text).join(',');
      const expected = new Set<number>();
      for (const e of elements) {
        if ('range' in e) for (let p = e.ports[0] as number; p <= (e.ports[1] as number); p++) expected.add(p);
        else expected.add(e.ports[0] as number);
      }
      const parsed = parsePortSpec(spec);
      assert.deepEqual(parsed, [...expected].sort((a, b) => a - b));
      assert.deepEqual(parsePortSpec(formatPortSpec(parsed)), parsed);
    }),
    { numRuns: 200 },
  );
});

/** Strings that are not valid specs: out-of-range numbers, junk characters, empty elements, backwards ranges. */
const invalidArb = fc.oneof(
  fc.integer({ min: 65536, max: 10_000_000 }).map(String),
  fc.constant('0'),
  fc.tuple(fc.integer({ min: 2, max: 65535 }), fc.integer({ min: 1, max: 65534 }))
    .filter(([a, b]) => a > b)
    .map(([a, b]) => `${a}-${b}`),
  fc.tuple(portArb, fc.constantFrom(',,', ' ', '.', 'a', '--', '/', ';', ':', '*')).map(([p, junk]) => `${p}${junk}${p}`),
  portArb.map((p) => `${p},`),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /[^\d,-]/.test(s)),
);

test('property: invalid specs always give a UsageError', () => {
  fc.assert(
    fc.property(invalidArb, (spec) => {
      assert.throws(() => parsePortSpec(spec), UsageError);
    }),
    { numRuns: 300 },
  );
});

test('property: the CLI exits 2 on an invalid -p, before scanning anything', async () => {
  const samples = fc.sample(invalidArb, { numRuns: 8, seed: 42 });
  // Quiet the one-line reasons the CLI prints for each.
  const write = process.stderr.write;
  const captured: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    captured.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    for (const spec of samples) {
      assert.equal(await run(['scan', '127.0.0.1', '-p', spec]), 2, `-p ${JSON.stringify(spec)} should exit 2`);
    }
  } finally {
    process.stderr.write = write;
  }
  assert.ok(captured.some((line) => line.includes('is not a port list') || line.includes('port')));
});
