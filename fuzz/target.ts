/** What one fuzz target is: a name and a function that runs one generated input. */
import type { Rng } from './rng.js';

export interface FuzzTarget {
  /** Name used by `--target` and in reports, e.g. `codec/line-splitter`. */
  readonly name: string;
  /**
   * Generates one input from `rng` and runs it. Throws (an assertion or
   * anything else) when an invariant breaks; a NetlabError with a
   * catalogued code is an accepted way for the code under test to refuse.
   */
  run(rng: Rng): void | Promise<void>;
}

/** Thrown by targets when an invariant does not hold. */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function check(ok: unknown, message: string): asserts ok {
  if (!ok) throw new InvariantError(message);
}
