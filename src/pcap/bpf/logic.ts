/**
 * "expression rejects all packets": libpcap's optimizer (optimize.c) folds
 * a filter whose tests contradict each other, e.g. `tcp and udp` or
 * `ip and ip6`, to `ret #0`, and pcap_compile then refuses it. netlab finds
 * the same contradictions by expanding the filter into a disjunction of
 * conjunctions of "load L equals / differs from V" and checking each one;
 * tests on lengths, port ranges and masked words it cannot reason about are
 * taken as satisfiable, as the optimizer's value numbering takes them.
 *
 * Each compiled test function is tagged with its formula at compile time
 * (a WeakMap, nothing per packet).
 */
import type { Test } from './link-model.js';

export type Logic =
  | boolean
  | { t: 'atom'; key: string; v: number }
  | { t: 'member'; key: string; set: number[] }
  | { t: 'and' | 'or'; a: Logic; b: Logic }
  | { t: 'not'; a: Logic }
  | { t: 'opaque' };

const FORMULAS = new WeakMap<object, Logic>();
const OPAQUE: Logic = Object.freeze({ t: 'opaque' });

/** Tags test `fn` with `f` and returns it. */
export function tagged<T extends Test>(fn: T, f: Logic): T {
  if (typeof fn === 'function') FORMULAS.set(fn, f);
  return fn;
}

/** The formula of a test (opaque when untagged). */
export function formulaOf(test: Test): Logic {
  return typeof test === 'boolean' ? test : (FORMULAS.get(test) ?? OPAQUE);
}

/** "the value loaded by `key` equals `v`". */
export function atom(key: string, v: number): Logic {
  return { t: 'atom', key, v };
}

/**
 * One of several values, as BPF tests it: a run of `jeq`s whose true edges
 * meet in one block. The optimizer keeps no fact at that meeting point, so
 * a later test of the same load is not folded by it; an earlier known value
 * outside the set still contradicts it.
 */
export function anyOf(key: string, values: number[]): Logic {
  return { t: 'member', key, set: values };
}

interface Constraint {
  key: string;
  /** The value of an `eq`/`ne` constraint, or -1 for a set. */
  v: number;
  eq: boolean;
  set: number[] | null;
}

/** Most conjunctions expanded before giving up (and calling the filter satisfiable). */
const MAX_TERMS = 4096;

/** Whether some packet could satisfy `f` (true when the expansion grows too large to tell). */
export function satisfiable(f: Logic): boolean {
  const terms = dnf(f, false);
  return terms === null || terms.length > 0;
}

function dnf(f: Logic, neg: boolean): Constraint[][] | null {
  if (typeof f === 'boolean') return f !== neg ? [[]] : [];
  switch (f.t) {
    case 'opaque':
      return [[]];
    case 'atom':
      return [[{ key: f.key, v: f.v, eq: !neg, set: null }]];
    case 'member':
      return [[{ key: f.key, v: -1, eq: !neg, set: f.set }]];
    case 'not':
      return dnf(f.a, !neg);
    default: {
      const a = dnf(f.a, neg);
      if (a === null) return null;
      const b = dnf(f.b, neg);
      if (b === null) return null;
      const conj = (f.t === 'and') !== neg;
      if (!conj) return a.length + b.length > MAX_TERMS ? null : [...a, ...b];
      if (a.length * b.length > MAX_TERMS) return null;
      const out: Constraint[][] = [];
      for (const x of a) for (const y of b) if (consistent(x, y)) out.push([...x, ...y]);
      return out;
    }
  }
}

/** Whether the later tests `y` can hold after the earlier `x` (facts come from single values only). */
function consistent(x: Constraint[], y: Constraint[]): boolean {
  for (const c of y) {
    for (const d of x) {
      if (c.key !== d.key || d.set !== null) continue;
      if (c.set !== null) {
        if (d.eq && c.set.includes(d.v) !== c.eq) return false;
        continue;
      }
      if (c.eq && d.eq && c.v !== d.v) return false;
      if (c.eq !== d.eq && c.v === d.v) return false;
    }
  }
  return true;
}
