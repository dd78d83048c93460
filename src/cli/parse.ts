/**
 * Option-value parsers shared by every command. They throw commander's
 * InvalidArgumentError, which the program turns into a usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';

/** A TCP/UDP port, 0-65535 (0 asks the kernel for a free one). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port; use a number from 0 to 65535.`);
  }
  return port;
}

/** A whole number of at least `min`. */
export function positiveInteger(what: string, min = 1): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`"${value}" is not a valid ${what}; use a whole number of at least ${min}.`);
    }
    return n;
  };
}

/** A duration in seconds, fractions allowed, greater than zero. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`"${value}" is not a duration; give seconds greater than 0, e.g. 2.5.`);
  }
  return n;
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(what: string, choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`"${value}" is not a ${what}; choose one of ${choices.join(', ')}.`);
  };
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
