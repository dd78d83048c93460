/**
 * `npm run fuzz -- --seed N [--count N] [--target NAME] [--index I] [--budget MS]`
 *
 * Runs every target (or those whose name contains NAME) over generated and
 * mutated inputs and prints, per target: inputs, inputs/s, failures with the
 * seed and index that reproduce them, and the process's peak RSS. The
 * default count gives at least 1 000 000 inputs in all. Exits 1 when any
 * input failed. `--index I` replays one input and prints its error in full.
 */
import { parseArgs } from 'node:util';
import { runTarget, classify, type FuzzResult } from './runner.js';
import { nameHash, Rng } from './rng.js';
import { TARGETS } from './targets/index.js';

const DEFAULT_TOTAL = 1_000_000;

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    count: { type: 'string' },
    target: { type: 'string' },
    index: { type: 'string' },
    budget: { type: 'string', default: '1000' },
    list: { type: 'boolean', default: false },
  },
  strict: true,
});

function integer(text: string | undefined, name: string, fallback?: number): number {
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    console.error(`fuzz: --${name} is required (an integer)`);
    process.exit(2);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`fuzz: --${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

if (values.list) {
  for (const t of TARGETS) console.log(t.name);
  process.exit(0);
}

const seed = integer(values.seed, 'seed');
const selected = TARGETS.filter((t) => values.target === undefined || t.name.includes(values.target));
if (selected.length === 0) {
  console.error(`fuzz: no target matches ${JSON.stringify(values.target)}; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}

if (values.index !== undefined) {
  // Replay one input of each selected target and show the full error.
  const index = integer(values.index, 'index');
  let failed = false;
  for (const t of selected) {
    let error: unknown;
    try {
      await t.run(new Rng(seed, nameHash(t.name), index));
    } catch (err) {
      error = err;
    }
    const reason = classify(error);
    console.log(`${t.name} seed ${seed} index ${index}: ${reason === undefined ? 'ok' : 'FAILED'}`);
    if (reason !== undefined) {
      failed = true;
      console.log(error instanceof Error ? error.stack : String(error));
    }
  }
  process.exit(failed ? 1 : 0);
}

const count = integer(values.count, 'count', Math.ceil(DEFAULT_TOTAL / selected.length));
const budgetMs = integer(values.budget, 'budget');
const results: FuzzResult[] = [];
console.log(`fuzz: seed ${seed}, ${count} inputs per target, ${selected.length} targets, per-input budget ${budgetMs} ms`);
for (const target of selected) {
  const r = await runTarget(target, { seed, count, budgetMs });
  results.push(r);
  console.log(
    `${r.target.padEnd(24)} ${String(r.inputs).padStart(9)} inputs ${Math.round(r.inputsPerSecond).toString().padStart(8)}/s ${String(r.failures).padStart(5)} failures  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
  );
  for (const f of r.examples) console.log(`  FAIL seed ${f.seed} index ${f.index}: ${f.reason}  (replay: npm run fuzz -- --seed ${f.seed} --target ${f.target} --index ${f.index})`);
}
const total = results.reduce((n, r) => n + r.inputs, 0);
const failures = results.reduce((n, r) => n + r.failures, 0);
const seconds = results.reduce((n, r) => n + r.seconds, 0);
console.log(`total: ${total} inputs in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s), ${failures} failures, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
process.exit(failures > 0 ? 1 : 0);
