/**
 * Properties of display-filter compilation: it never throws on any string
 * (random, or a valid filter mutated), an error's position is inside the
 * expression, every well-formed filter compiles, and negation, De Morgan and
 * precedence hold on random packets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileDisplayFilter } from '../../src/pcap/filter/index.js';
import type { FieldKind, FieldValue } from '../../src/pcap/view/field.js';
import { fakeCatalog, TEST_KINDS, type FakePacket } from '../helpers/fake-fields.js';

const catalog = fakeCatalog(TEST_KINDS);
const FIELDS = Object.keys(TEST_KINDS);
const fieldsOf = (kinds: FieldKind[]): string[] => FIELDS.filter((f) => kinds.includes(TEST_KINDS[f]!));

function compilesOrFailsInside(expr: string): void {
  const r = compileDisplayFilter(expr, catalog);
  if (!r.ok) {
    assert.ok(Number.isInteger(r.error.position), 'position is an integer');
    assert.ok(r.error.position >= 0 && r.error.position <= expr.length, `position ${r.error.position} outside 0..${expr.length}`);
    assert.ok(r.error.message.length > 0 && r.error.expected.length > 0);
  }
}

const VALID = [
  'tcp.port == 80',
  'ip.addr == 192.168.0.0/16 && !(tcp.flags.syn == 1)',
  'tcp.dstport in {80 443 8000..8100}',
  'http.host matches "(?-i)^ex" || http.request.uri contains "/a\\x41"',
  'tcp.payload contains 47:45:54 and not dns',
  'ipv6.addr == fe80::/10 or eth.src == 00:11:22:33:44:55',
  'dns.qry.name in {"a".."z", "x"} && frame.time_relative >= 0.5',
  'tcp.srcport < tcp.dstport || ip.src != ip.dst',
  'http.host == r"raw\\"still"',
];

// Characters that matter to the lexer and parser, so mutations reach deep paths.
const FILTER_CHARS = fc.constantFrom(...'tcp.ort=!<>~&|(){}[],."\\/:- 0123456789abcdefx\tr\'éñ𝄞'.split(''), '..', '==', '&&', ' in ', ' matches ', ' contains ', ' not ', '{', '"', 'r"');

test('compileDisplayFilter never throws on random strings, and an error lies inside the string', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), compilesOrFailsInside), { numRuns: 2000 });
  fc.assert(fc.property(fc.array(FILTER_CHARS, { maxLength: 40 }).map((a) => a.join('')), compilesOrFailsInside), { numRuns: 3000 });
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: FILTER_CHARS }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

interface Edit {
  kind: 'delete' | 'insert' | 'duplicate' | 'truncate';
  at: number;
  len?: number;
  text?: string;
}

function mutate(expr: string, edits: readonly Edit[]): string {
  let s = expr;
  for (const e of edits) {
    const at = e.at % (s.length + 1);
    if (e.kind === 'delete') s = s.slice(0, at) + s.slice(at + (e.len ?? 1));
    else if (e.kind === 'insert') s = s.slice(0, at) + (e.text ?? '') + s.slice(at);
    else if (e.kind === 'duplicate') s = s.slice(0, at) + s.slice(at, at + (e.len ?? 1)) + s.slice(at);
    else s = s.slice(0, at);
  }
  return s;
}

test('compileDisplayFilter never throws on mutated valid filters', () => {
  for (const v of VALID) assert.ok(compileDisplayFilter(v, catalog).ok, v);
  fc.assert(
    fc.property(fc.constantFrom(...VALID), fc.array(mutation, { minLength: 1, maxLength: 4 }), (expr, edits) => compilesOrFailsInside(mutate(expr, edits))),
    { numRuns: 4000 },
  );
});

test('deep nesting is an error value, not a stack overflow', () => {
  for (const expr of ['('.repeat(100_000), '!'.repeat(100_000) + 'tcp', `${'(!'.repeat(5000)}tcp${')'.repeat(5000)}`, `${'tcp || '.repeat(50_000)}tcp`]) {
    compilesOrFailsInside(expr);
  }
  assert.ok(compileDisplayFilter(`${'tcp || '.repeat(50_000)}tcp`, catalog).ok, 'long flat chains are fine');
});

// ---- Random well-formed filters, printed to text ----

const octet = fc.integer({ min: 0, max: 255 });
const hex2 = octet.map((b) => b.toString(16).padStart(2, '0'));

function literal(kind: FieldKind): fc.Arbitrary<string> {
  switch (kind) {
    case 'uint':
      return fc.oneof(
        fc.constantFrom(0, 1, 53, 80, 443, 5000).map(String),
        fc.nat(70_000).map((n) => `0x${n.toString(16)}`),
        fc.integer({ min: 1, max: 4095 }).map((n) => `0${n.toString(8)}`),
      );
    case 'bool':
      return fc.constantFrom('0', '1', 'True', 'False', 'TRUE', 'true', '2');
    case 'float':
      return fc.tuple(fc.nat(3), fc.nat(99)).map(([a, b]) => `${a}.${b}`);
    case 'ipv4':
      return fc.tuple(fc.constantFrom('10.0.0.1', '192.168.1.20', '192.168.1.1', '8.8.8.8'), fc.option(fc.integer({ min: 0, max: 32 }))).map(([a, p]) => (p === null ? a : `${a}/${p}`));
    case 'ipv6':
      return fc.tuple(fc.constantFrom('2001:db8::1', 'fe80::1:2', '::1', '::ffff:10.0.0.1', '2001:0db8:0:0:0:0:0:1'), fc.option(fc.integer({ min: 0, max: 128 }))).map(([a, p]) => (p === null ? a : `${a}/${p}`));
    case 'ether':
      return fc.tuple(fc.array(hex2, { minLength: 6, maxLength: 6 }), fc.constantFrom(':', '-', '.')).map(([b, sep]) => b.join(sep));
    case 'string':
      return quoted;
    case 'bytes':
    case 'protocol':
      return fc.oneof(fc.array(hex2, { minLength: 1, maxLength: 4 }).map((b) => b.join(':')), quoted);
  }
}

/** A quoted literal, with the characters that need it escaped. */
const quoted = fc
  .string({ maxLength: 8 })
  .map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`);

const compareOps = fc.constantFrom('==', '!=', '<', '>', '<=', '>=', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', '===', '!==', '~=', 'any_eq', 'all_ne');

function test_(field: string): fc.Arbitrary<string> {
  const kind = TEST_KINDS[field]!;
  const options: fc.Arbitrary<string>[] = [fc.constant(field)];
  if (kind !== 'protocol') {
    options.push(fc.tuple(compareOps, literal(kind)).map(([op, v]) => `${field} ${op} ${v}`));
    const element = kind === 'uint' || kind === 'float' || kind === 'ipv4' ? fc.oneof(literal(kind), fc.tuple(literal(kind), literal(kind)).map(([a, b]) => `${a}..${b}`)) : literal(kind);
    options.push(fc.tuple(fc.array(element, { minLength: 1, maxLength: 4 }), fc.constantFrom(' ', ', ', ','), fc.boolean()).map(([els, sep, not]) => `${field}${not ? ' not' : ''} in {${els.join(sep)}}`));
  } else {
    options.push(fc.tuple(fc.constantFrom('==', '!='), literal(kind)).map(([op, v]) => `${field} ${op} ${v}`));
  }
  if (kind === 'string' || kind === 'bytes' || kind === 'protocol') {
    options.push(literal(kind).map((v) => `${field} contains ${v}`));
    options.push(fc.tuple(fc.constantFrom('matches', '~'), fc.constantFrom('"^g"', '"(?-i)A"', '"\\\\."', '"x|y"', 'r"[0-9]+$"', '"(?i)host"')).map(([op, re]) => `${field} ${op} ${re}`));
  }
  const peers = fieldsOf([kind]).filter((f) => TEST_KINDS[f] !== 'protocol');
  if (peers.length > 0 && kind !== 'protocol') options.push(fc.tuple(compareOps, fc.constantFrom(...peers)).map(([op, other]) => `${field} ${op} ${other}`));
  return fc.oneof(...options);
}

const atom = fc.constantFrom(...FIELDS).chain(test_);

const filter: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    tie('e').map((x) => `!(${x})`),
    tie('e').map((x) => `not (${x})`),
    fc.tuple(tie('e'), fc.constantFrom('&&', '||', 'and', 'or'), tie('e')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
  ),
})).e;

// ---- Random packets over the same fields ----

function valueArb(kind: FieldKind): fc.Arbitrary<FieldValue> {
  const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  switch (kind) {
    case 'uint':
      return fc.oneof(fc.constantFrom(0, 1, 53, 80, 443, 5000), fc.nat(70_000));
    case 'bool':
      return fc.constantFrom(0, 1);
    case 'float':
      return fc.integer({ min: 0, max: 400 }).map((n) => n / 100);
    case 'ipv4':
      return fc.oneof(fc.constantFrom('10.0.0.1', '192.168.1.20', '192.168.1.1').map((a) => Uint8Array.from(a.split('.').map(Number))), bytesOf(4));
    case 'ipv6':
      return bytesOf(16);
    case 'ether':
      return bytesOf(6);
    case 'string':
      return fc.oneof(fc.constantFrom('GET', 'Example.com', 'x.org', ''), fc.string({ maxLength: 6 }));
    case 'bytes':
    case 'protocol':
      return fc.uint8Array({ maxLength: 8 });
  }
}

const packet: fc.Arbitrary<FakePacket> = fc.record(
  Object.fromEntries(FIELDS.map((f) => [f, fc.array(valueArb(TEST_KINDS[f]!), { maxLength: 3 })])),
) as fc.Arbitrary<FakePacket>;

function matcher(expr: string) {
  const r = compileDisplayFilter(expr, catalog);
  if (!r.ok) assert.fail(`${expr}\n  ${' '.repeat(r.error.position)}^ ${r.error.message}`);
  return r.filter;
}

test('every well-formed filter compiles', () => {
  fc.assert(fc.property(filter, (expr) => void matcher(expr)), { numRuns: 3000 });
});

test('!(x) is the complement of x; De Morgan holds; && binds tighter than ||', () => {
  fc.assert(
    fc.property(filter, filter, filter, fc.array(packet, { minLength: 1, maxLength: 8 }), (x, y, z, packets) => {
      const fx = matcher(x);
      const notX = matcher(`!(${x})`);
      const notWord = matcher(`not (${x})`);
      const deMorgan = [matcher(`!((${x}) && (${y}))`), matcher(`!(${x}) || !(${y})`)];
      const precedence = [matcher(`(${x}) || (${y}) && (${z})`), matcher(`(${x}) || ((${y}) && (${z}))`)];
      for (const p of packets) {
        assert.equal(notX.matches(p), !fx.matches(p), `!(${x})`);
        assert.equal(notWord.matches(p), !fx.matches(p));
        assert.equal(deMorgan[0]!.matches(p), deMorgan[1]!.matches(p), 'De Morgan');
        assert.equal(precedence[0]!.matches(p), precedence[1]!.matches(p), 'precedence');
        assert.equal(fx.matches(p), fx.matches(p), 'a filter gives the same answer twice (scratch arrays are reset)');
      }
    }),
    { numRuns: 500 },
  );
});

test('== and != are not complements on absent fields, but != is !(==) where the field has one value', () => {
  fc.assert(
    fc.property(fc.constantFrom(...fieldsOf(['uint', 'ipv4', 'string'])), packet, (field, p) => {
      const kind = TEST_KINDS[field]!;
      const lit = kind === 'uint' ? '80' : kind === 'ipv4' ? '10.0.0.1' : '"GET"';
      const eq = matcher(`${field} == ${lit}`).matches(p);
      const ne = matcher(`${field} != ${lit}`).matches(p);
      const n = p[field]!.length;
      if (n === 0) assert.ok(!eq && !ne, 'both false without the field');
      if (n === 1) assert.equal(ne, !eq);
      if (n > 1) assert.ok(!(eq && ne), '!= is all values differ');
    }),
    { numRuns: 1000 },
  );
});
