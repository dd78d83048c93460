/**
 * Option checks for every library entry point: small typed checkers that
 * either return the value or throw a UsageError (NETLAB_ERR_INVALID_ARGUMENT)
 * naming the option, and validateOptions(), which runs a schema of them over
 * an options object once and freezes the result, so nothing downstream has to
 * check again (fastify's lib/initial-config-validation.js does the same for
 * its server options).
 *
 * Messages name the option as the caller wrote it (`options.maxConnections`),
 * never a CLI flag: the CLI maps option names to its flags when it prints the
 * error (src/cli/option-flags.ts).
 */
import { ERROR_CODES, NetlabError, UsageError } from '../errors.js';

/** Checks one value; `name` is how the message refers to it (`options.port`). */
export type Checker<T> = (value: unknown, name: string) => T;

/** A checker per option key. */
export type OptionsSchema = Readonly<Record<string, Checker<unknown>>>;

/** What validateOptions() returns for a schema: each key's checked type. */
export type ValidatedOptions<S extends OptionsSchema> = { readonly [K in keyof S]: ReturnType<S[K]> };

/** How a bad value is shown in a message: strings quoted, objects by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined) return String(value);
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  return 'an object';
}

/** The one message shape: `options.port must be an integer 0-65535, got "abc"`. */
export function invalidOption(name: string, expected: string, value: unknown): UsageError {
  return new UsageError(`${name} must be ${expected}, got ${describeValue(value)}`);
}

/**
 * A state netlab's own code should never reach (a bug, not a caller's
 * mistake): NETLAB_ERR_INTERNAL.
 */
export function internalError(message: string): NetlabError {
  return new NetlabError(ERROR_CODES.INTERNAL, message);
}

/**
 * An integer from `min` to `max` (both included); `max` defaults to
 * Number.MAX_SAFE_INTEGER, and the message then says "`min` or more".
 */
export function integerIn(min: number, max: number = Number.MAX_SAFE_INTEGER): Checker<number> {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer ${min} or more` : `an integer ${min}-${max}`;
  return (value, name) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidOption(name, expected, value);
    return value;
  };
}

/** A TCP/UDP port, 0-65535 (0 asks the system for a free one). */
export const port: Checker<number> = integerIn(0, 65535);

/** An integer of at least 1 (counts and byte limits). */
export const positiveInteger: Checker<number> = integerIn(1);

/** An integer of at least 0. */
export const nonNegativeInteger: Checker<number> = integerIn(0);

/** A finite number of at least `min`; `unit` ends the message (`0 or more seconds`). */
export function numberAtLeast(min: number, unit = ''): Checker<number> {
  const expected = `a number of ${min} or more${unit === '' ? '' : ` ${unit}`}`;
  return (value, name) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw invalidOption(name, expected, value);
    return value;
  };
}

/** A finite number greater than `min`. */
export function numberAbove(min: number, unit = ''): Checker<number> {
  const expected = `a number greater than ${min}${unit === '' ? '' : ` ${unit}`}`;
  return (value, name) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= min) throw invalidOption(name, expected, value);
    return value;
  };
}

/** A duration in seconds, 0 or more (0 usually means "off"). */
export const nonNegativeSeconds: Checker<number> = numberAtLeast(0, 'seconds');

/** A duration in milliseconds, 0 or more. */
export const nonNegativeMs: Checker<number> = numberAtLeast(0, 'ms');

/** A duration in seconds greater than 0. */
export const positiveSeconds: Checker<number> = numberAbove(0, 'seconds');

/** A duration in milliseconds greater than 0. */
export const positiveMs: Checker<number> = numberAbove(0, 'ms');

/** One of a fixed set of strings. */
export function oneOf<T extends string>(choices: readonly T[]): Checker<T> {
  const expected = `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`;
  return (value, name) => {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) throw invalidOption(name, expected, value);
    return value as T;
  };
}

/** A non-null object (not an array). */
export const requiredObject: Checker<object> = (value, name) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidOption(name, 'an object', value);
  return value;
};

/** A function (the caller narrows it to its own signature). */
export const requiredFunction: Checker<(...args: never[]) => unknown> = (value, name) => {
  if (typeof value !== 'function') throw invalidOption(name, 'a function', value);
  return value as (...args: never[]) => unknown;
};

/** A string of at least one character. */
export const nonEmptyString: Checker<string> = (value, name) => {
  if (typeof value !== 'string' || value === '') throw invalidOption(name, 'a non-empty string', value);
  return value;
};

/** Any string, the empty one included. */
export const stringValue: Checker<string> = (value, name) => {
  if (typeof value !== 'string') throw invalidOption(name, 'a string', value);
  return value;
};

/** true or false. */
export const booleanValue: Checker<boolean> = (value, name) => {
  if (typeof value !== 'boolean') throw invalidOption(name, 'true or false', value);
  return value;
};

/** A string or bytes (PEM material, keys). */
export const stringOrBytes: Checker<string | Uint8Array> = (value, name) => {
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw invalidOption(name, 'a string or bytes', value);
  return value;
};

/** A Uint8Array (Buffer) of exactly `length` bytes. */
export function bytesOfLength(length: number): Checker<Uint8Array> {
  const expected = `${length} bytes`;
  return (value, name) => {
    if (!(value instanceof Uint8Array) || value.byteLength !== length) throw invalidOption(name, expected, value);
    return value;
  };
}

/** An array whose every element passes `element` (named `name[i]`). */
export function arrayOf<T>(element: Checker<T>, nonEmpty = false): Checker<readonly T[]> {
  return (value, name) => {
    if (!Array.isArray(value)) throw invalidOption(name, nonEmpty ? 'a non-empty array' : 'an array', value);
    if (nonEmpty && value.length === 0) throw invalidOption(name, 'a non-empty array', value);
    for (let i = 0; i < value.length; i++) element(value[i], `${name}[${i}]`);
    return value as readonly T[];
  };
}

/** `undefined` passes as `undefined`; anything else must pass `check`. */
export function optional<T>(check: Checker<T>): Checker<T | undefined> {
  return (value, name) => (value === undefined ? undefined : check(value, name));
}

/** `undefined` becomes `fallback`; anything else must pass `check`. */
export function withDefault<T>(check: Checker<T>, fallback: T): Checker<T> {
  return (value, name) => (value === undefined ? fallback : check(value, name));
}

/** Anything, unchecked (an option a lower layer checks, or a free-form value). */
export const anyValue: Checker<unknown> = (value) => value;

/**
 * Checks an options object against a schema, once, and returns a frozen copy
 * holding each key's checked value (defaults filled in by withDefault). A key
 * the schema does not know, set to anything but `undefined`, is an error too:
 * a misspelt option (`maxLine` for `maxLineBytes`) would otherwise be
 * silently ignored.
 * @param value the caller's options; `undefined` is an empty object when `allowMissing`
 * @param name how messages refer to it, usually `options`
 * @throws UsageError (NETLAB_ERR_INVALID_ARGUMENT) naming the first bad option
 */
export function validateOptions<S extends OptionsSchema>(value: unknown, name: string, schema: S, allowMissing = false): ValidatedOptions<S> {
  if (value === undefined && allowMissing) value = {};
  const input = requiredObject(value, name) as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(schema, key) && input[key] !== undefined) throw unknownOption(name, key, Object.keys(schema));
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    out[key] = (schema[key] as Checker<unknown>)(input[key], `${name}.${key}`);
  }
  return Object.freeze(out) as ValidatedOptions<S>;
}

function unknownOption(name: string, key: string, known: readonly string[]): UsageError {
  const lower = key.toLowerCase();
  const close = known.find((k) => k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()));
  const hint = close === undefined ? `; known options: ${known.join(', ')}` : `; did you mean ${name}.${close}?`;
  return new UsageError(`${name}.${key} is not an option${hint}`);
}
