/**
 * Runs a fuzz target over `count` inputs and classifies what happens. A
 * failure is a thrown error that is not a NetlabError, a NetlabError whose
 * code is not in ERROR_CODES, a broken invariant (InvariantError), or an
 * input that took longer than the per-input budget. Each input's generator
 * is seeded from (seed, target, index), so a failure is replayed with
 * `--seed S --target T --index I`.
 */
import { performance } from 'node:perf_hooks';
import { ERROR_CODES, NetlabError } from '../src/errors.js';
import { nameHash, Rng } from './rng.js';
import type { FuzzTarget } from './target.js';

const CODES = new Set<string>(Object.values(ERROR_CODES));

export interface FuzzFailure {
  target: string;
  seed: number;
  index: number;
  reason: string;
}

export interface FuzzResult {
  target: string;
  inputs: number;
  seconds: number;
  inputsPerSecond: number;
  failures: number;
  /** The first failures (at most `keepFailures`), each reproducible. */
  examples: FuzzFailure[];
  /** Peak resident set of the whole process so far, in MiB (resourceUsage().maxRSS is a high-water mark). */
  peakRssMiB: number;
}

export interface RunOptions {
  seed: number;
  count: number;
  /** First input index (replaying one input: start = index, count = 1). Default 0. */
  start?: number;
  /** An input that takes longer than this fails, in ms. Default 1000. */
  budgetMs?: number;
  keepFailures?: number;
  /** Stop early after this many ms (the count is then what was run). Default: no limit. */
  timeLimitMs?: number;
}

/** Why one outcome is a failure, or undefined when it is not. */
export function classify(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  if (error instanceof NetlabError) return CODES.has(error.code) ? undefined : `NetlabError with uncatalogued code ${String(error.code)}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error thrown: ${String(error)}`;
}

export async function runTarget(target: FuzzTarget, options: RunOptions): Promise<FuzzResult> {
  const budget = options.budgetMs ?? 1000;
  const keep = options.keepFailures ?? 10;
  const stream = nameHash(target.name);
  const start = options.start ?? 0;
  const examples: FuzzFailure[] = [];
  let failures = 0;
  let inputs = 0;
  const began = performance.now();
  const deadline = options.timeLimitMs === undefined ? Infinity : began + options.timeLimitMs;
  for (let index = start; index < start + options.count; index++) {
    const t0 = performance.now();
    let error: unknown;
    try {
      const pending = target.run(new Rng(options.seed, stream, index));
      if (pending !== undefined) await pending;
    } catch (err) {
      error = err;
    }
    const took = performance.now() - t0;
    inputs++;
    let reason = classify(error);
    if (reason === undefined && took > budget) reason = `took ${took.toFixed(0)} ms (budget ${budget} ms)`;
    if (reason !== undefined) {
      failures++;
      if (examples.length < keep) examples.push({ target: target.name, seed: options.seed, index, reason });
    }
    if (t0 > deadline) break;
    // Let timers and setImmediate callbacks (end-of-turn batches) run now and
    // then, so synchronous targets do not pile up work for a turn that never ends.
    if ((index & 0xff) === 0xff) await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = (performance.now() - began) / 1000;
  return {
    target: target.name,
    inputs,
    seconds,
    inputsPerSecond: inputs / Math.max(seconds, 1e-9),
    failures,
    examples,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}
