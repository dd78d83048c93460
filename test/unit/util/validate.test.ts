import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, NetlabError, UsageError } from '../../../src/errors.js';
import {
  arrayOf,
  bytesOfLength,
  describeValue,
  integerIn,
  internalError,
  nonNegativeSeconds,
  oneOf,
  optional,
  port,
  positiveInteger,
  requiredFunction,
  requiredObject,
  validateOptions,
  withDefault,
} from '../../../src/util/validate.js';

function invalid(message: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof UsageError, `a UsageError, got ${String(err)}`);
    assert.equal(err.code, ERROR_CODES.INVALID_ARGUMENT);
    assert.match(err.message, message);
    return true;
  };
}

test('port: integers 0-65535 pass unchanged; anything else names the option and the value', () => {
  for (const good of [0, 1, 8080, 65535]) assert.equal(port(good, 'options.port'), good);
  const cases: [unknown, string][] = [
    [-1, '-1'],
    [Number.NaN, 'NaN'],
    ['abc', '"abc"'],
    [70000, '70000'],
    [1.5, '1.5'],
    ['8080', '"8080"'],
    [undefined, 'undefined'],
    [null, 'null'],
  ];
  for (const [value, shown] of cases) {
    assert.throws(
      () => port(value, 'options.port'),
      invalid(new RegExp(`^options\\.port must be an integer 0-65535, got ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)),
    );
  }
});

test('integer, seconds, enum, object and function checkers', () => {
  assert.equal(positiveInteger(3, 'n'), 3);
  assert.throws(() => positiveInteger(0, 'options.maxConnections'), invalid(/^options\.maxConnections must be an integer 1 or more, got 0$/));
  assert.throws(() => integerIn(1, 10)(11, 'x'), invalid(/x must be an integer 1-10, got 11/));
  assert.equal(nonNegativeSeconds(0, 't'), 0);
  assert.equal(nonNegativeSeconds(2.5, 't'), 2.5);
  for (const bad of [Number.NaN, -1, Infinity, '5']) {
    assert.throws(() => nonNegativeSeconds(bad, 'options.idleTimeoutSeconds'), invalid(/^options\.idleTimeoutSeconds must be a number of 0 or more seconds, got /));
  }
  assert.equal(oneOf(['a', 'b'] as const)('b', 's'), 'b');
  assert.throws(() => oneOf(['course', 'etm'] as const)('aes', 'options.suite'), invalid(/^options\.suite must be one of "course", "etm", got "aes"$/));
  assert.throws(() => requiredObject(null, 'options'), invalid(/^options must be an object, got null$/));
  assert.throws(() => requiredObject([], 'options'), invalid(/got an array/));
  assert.throws(() => requiredFunction({}, 'options.protocol'), invalid(/^options\.protocol must be a function, got an object$/));
  assert.throws(() => bytesOfLength(16)(Buffer.alloc(15), 'iv'), invalid(/^iv must be 16 bytes, got 15 bytes$/));
  assert.throws(() => arrayOf(positiveInteger)([1, 0], 'ports'), invalid(/^ports\[1\] must be an integer 1 or more, got 0$/));
  assert.equal(optional(port)(undefined, 'p'), undefined);
  assert.equal(withDefault(port, 7)(undefined, 'p'), 7);
  assert.throws(() => withDefault(port, 7)(-1, 'p'), invalid(/p must be/));
});

test('describeValue keeps messages short and never dumps an object', () => {
  assert.equal(describeValue('x'.repeat(100)), JSON.stringify(`${'x'.repeat(40)}...`));
  assert.equal(describeValue({ secret: 'hunter2' }), 'an object');
  assert.equal(describeValue(() => 1), 'a function');
});

test('validateOptions: valid options come back unchanged, with defaults, in a frozen copy', () => {
  const schema = { port: optional(port), max: withDefault(positiveInteger, 10), name: optional(oneOf(['a', 'b'] as const)) };
  const input = { port: 0, name: 'a' as const };
  const checked = validateOptions(input, 'options', schema);
  assert.deepEqual(checked, { port: 0, max: 10, name: 'a' });
  assert.ok(Object.isFrozen(checked));
  assert.notEqual(checked as object, input);
  assert.ok(!Object.isFrozen(input), "the caller's object is left alone");
  assert.throws(() => {
    (checked as { max: number }).max = 1;
  }, TypeError);
});

test('validateOptions: unknown keys are errors, with a hint when a known key is close', () => {
  const schema = { maxLineBytes: optional(positiveInteger), idleTimeoutSeconds: optional(nonNegativeSeconds) };
  assert.throws(() => validateOptions({ maxLine: -1 }, 'options', schema), invalid(/^options\.maxLine is not an option; did you mean options\.maxLineBytes\?$/));
  assert.throws(() => validateOptions({ idleTimeout: Number.NaN }, 'options', schema), invalid(/did you mean options\.idleTimeoutSeconds\?/));
  assert.throws(() => validateOptions({ rateLimit: 'fast' }, 'options', schema), invalid(/^options\.rateLimit is not an option; known options: maxLineBytes, idleTimeoutSeconds$/));
  // An unknown key set to undefined is harmless (spreads of partial objects).
  assert.deepEqual(validateOptions({ other: undefined }, 'options', schema), { maxLineBytes: undefined, idleTimeoutSeconds: undefined });
  assert.throws(() => validateOptions(undefined, 'options', schema), invalid(/^options must be an object, got undefined$/));
  assert.deepEqual(validateOptions(undefined, 'options', schema, true), { maxLineBytes: undefined, idleTimeoutSeconds: undefined });
});

test('internalError is a catalogued NETLAB_ERR_INTERNAL, not a bare Error', () => {
  const err = internalError('impossible');
  assert.ok(err instanceof NetlabError);
  assert.equal(err.code, ERROR_CODES.INTERNAL);
});
