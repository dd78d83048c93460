/**
 * The lexer's tokens and spans, and the parser's trees: what binds to what,
 * and that no catalog is needed to parse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lex } from '../../../../src/pcap/filter/lexer.js';
import { parseDisplayFilter, type Expr } from '../../../../src/pcap/filter/index.js';

function tokens(expr: string): [string, string, number, number][] {
  const r = lex(expr);
  if (!r.ok) assert.fail(r.error.message);
  return r.tokens.map((t) => [t.kind, t.text, t.start, t.end]);
}

test('tokens carry their kind, text and span', () => {
  assert.deepEqual(tokens('ip.addr==10.0.0.0/8&&!tcp'), [
    ['word', 'ip.addr', 0, 7],
    ['op', '==', 7, 9],
    ['word', '10.0.0.0/8', 9, 19],
    ['and', '&&', 19, 21],
    ['not', '!', 21, 22],
    ['word', 'tcp', 22, 25],
    ['eof', '', 25, 25],
  ]);
  assert.deepEqual(tokens(' a  or\tb '), [
    ['word', 'a', 1, 2],
    ['or', 'or', 4, 6],
    ['word', 'b', 7, 8],
    ['eof', '', 9, 9],
  ]);
});

test('addresses and byte strings are one word; ".." ends a word', () => {
  assert.deepEqual(
    tokens('x in {fe80::1/64 00:11:22:33:44:55 1..5 10.0.0.1..10.0.0.9}').map((t) => t[1]),
    ['x', 'in', '{', 'fe80::1/64', '00:11:22:33:44:55', '1', '..', '5', '10.0.0.1', '..', '10.0.0.9', '}', ''],
  );
  assert.deepEqual(tokens('::ffff:1.2.3.4').map((t) => t[1]), ['::ffff:1.2.3.4', '']);
});

test('operators: the longest spelling wins, words are lower case keywords', () => {
  assert.deepEqual(
    tokens('=== !== == != <= >= ~= ~ < > eq ne lt gt le ge any_eq all_ne any_ne all_eq contains matches in').map((t) => t[0]),
    [...Array(23).fill('op'), 'eof'],
  );
  assert.deepEqual(tokens('AND Eq').map((t) => t[0]), ['word', 'word', 'eof']);
});

test('strings: escapes to bytes, raw strings keep backslashes, the span covers the quotes', () => {
  const r = lex('"a\\"b\\\\c\\n\\t\\x41\\101\\u00e9é" r"\\d+\\""');
  assert.ok(r.ok);
  const [s, raw] = r.tokens;
  assert.equal(s!.kind, 'string');
  assert.deepEqual(Buffer.from(s!.bytes!).toString('latin1'), 'a"b\\c\n\tAA\xc3\xa9\xc3\xa9');
  assert.equal(s!.start, 0);
  assert.equal(s!.end, r.tokens[1]!.start - 1);
  assert.equal(raw!.raw, true);
  assert.equal(Buffer.from(raw!.bytes!).toString(), '\\d+\\"');
});

function shape(e: Expr): unknown {
  switch (e.type) {
    case 'or':
    case 'and':
      return [e.type, ...e.operands.map(shape)];
    case 'not':
      return ['not', shape(e.operand)];
    case 'present':
      return e.field.name;
    case 'compare':
      return [e.op, e.field.name, e.value.type === 'word' ? e.value.text : `"${Buffer.from(e.value.bytes).toString()}"`];
    case 'contains':
    case 'matches':
      return [e.type, e.field.name];
    case 'in':
      return ['in', e.field.name, e.elements.map((el) => (el.high === undefined ? (el.low as { text: string }).text : `${(el.low as { text: string }).text}..${(el.high as { text: string }).text}`))];
  }
}

function tree(expr: string): unknown {
  const r = parseDisplayFilter(expr);
  if (!r.ok) assert.fail(`${expr}: ${r.error.message}`);
  return r.ast === undefined ? undefined : shape(r.ast);
}

test('&& binds tighter than ||, ! tighter than both; chains are flat', () => {
  assert.deepEqual(tree('a || b && c'), ['or', 'a', ['and', 'b', 'c']]);
  assert.deepEqual(tree('a && b || c'), ['or', ['and', 'a', 'b'], 'c']);
  assert.deepEqual(tree('a or b and c'), ['or', 'a', ['and', 'b', 'c']]);
  assert.deepEqual(tree('!a && b'), ['and', ['not', 'a'], 'b']);
  assert.deepEqual(tree('not a == 1 || b'), ['or', ['not', ['eq', 'a', '1']], 'b']);
  assert.deepEqual(tree('!(a || b)'), ['not', ['or', 'a', 'b']]);
  assert.deepEqual(tree('a && b && c && d'), ['and', 'a', 'b', 'c', 'd']);
  assert.deepEqual(tree('(a)'), 'a');
});

test('operators by meaning, sets with optional commas, not in', () => {
  assert.deepEqual(tree('a != 1'), ['all_ne', 'a', '1']);
  assert.deepEqual(tree('a ne 1'), ['all_ne', 'a', '1']);
  assert.deepEqual(tree('a !== 1'), ['any_ne', 'a', '1']);
  assert.deepEqual(tree('a ~= 1'), ['any_ne', 'a', '1']);
  assert.deepEqual(tree('a === 1'), ['all_eq', 'a', '1']);
  assert.deepEqual(tree('a any_eq 1'), ['eq', 'a', '1']);
  assert.deepEqual(tree('a == "x y"'), ['eq', 'a', '"x y"']);
  assert.deepEqual(tree('a in {1 2,3 , 4..5}'), ['in', 'a', ['1', '2', '3', '4..5']]);
  assert.deepEqual(tree('a not in {1}'), ['not', ['in', 'a', ['1']]]);
  assert.deepEqual(tree('a contains 47:45 && a ~ "x"'), ['and', ['contains', 'a'], ['matches', 'a']]);
});

test('an empty filter parses to nothing; parsing needs no catalog', () => {
  assert.equal(tree(''), undefined);
  assert.equal(tree('  \n'), undefined);
  assert.deepEqual(tree('no.such.field == 3'), ['eq', 'no.such.field', '3']);
});
