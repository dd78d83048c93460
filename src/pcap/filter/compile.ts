/**
 * Display-filter AST + FieldCatalog -> a predicate over packets, built from
 * closures once; running it allocates nothing for header fields (each field
 * node owns one scratch array it reuses), and regexes are compiled once.
 *
 * Semantics, each checked with `tshark -r FILE -Y EXPR` (TShark 4.0.17) on
 * test/fixtures/pcap/tcpdump-dns_tcp.pcap and tcpdump-dns_udp.pcap:
 * - Precedence: `!` > `&&` > `||`; `a || b && c` is `a || (b && c)` (and/or
 *   the same). `!f == 1` is `!(f == 1)`. Keywords are lower case only.
 * - A field with several values (tcp.port, ip.addr, dns.a): `==` `<` `>`
 *   `<=` `>=` `contains` `matches` `in` and `!==`/`~=` (any_ne) hold when ANY
 *   value does; `!=` (all_ne) and `===` (all_eq) when ALL values do. Note
 *   `!==` is any_ne, not all_ne: `tcp.port !== 53` keeps 53 -> 33779.
 *   So `ip.addr != 10.0.0.1` drops packets with that address on either side.
 * - On an absent field every comparison is false, `!=` included
 *   (`dns.a != 1.2.3.4` only matches packets that have dns.a); `!` and
 *   `not in` are negations, so `!(dns.a == 1.2.3.4)` and
 *   `dns.a not in {1.2.3.4}` are true without dns.a.
 * - A bare field or protocol means present, whatever its value
 *   (`tcp.flags.syn` is true on every TCP packet).
 * - Field compared with field: over all pairs of values, with the same
 *   any/all rule (`tcp.srcport != tcp.dstport` all pairs differ).
 * - `matches` is case-INSENSITIVE by default in 4.0 (`matches "TCPDUMP"`
 *   finds www.tcpdump.org); a leading `(?-i)` makes it case-sensitive. Its
 *   pattern must be a double-quoted string. `contains` is case-sensitive.
 *   `contains ""` is true on any bytes value and false on strings.
 * - Quoted strings are byte strings: "\xff" is the byte ff, not UTF-8 c3 bf.
 *   Unquoted text is a string literal for string fields
 *   (`dns.qry.name == www.tcpdump.org`), bytes for bytes fields (`0038`).
 * - bool fields take 1/0/True/False/TRUE/FALSE, and any non-zero integer as
 *   true (`tcp.flags.syn == 2` matches SYNs). tshark 4.0 rejects lower-case
 *   `true`; it is accepted here (a superset, same packets).
 * - `in {...}`: tshark 4.0 requires commas between elements; here they are
 *   optional (the product contract). Ranges `lo..hi` work for numbers,
 *   strings and addresses; an empty set is an error.
 * - Where tshark accepts something odd, this is stricter and says why:
 *   a negative literal for an unsigned field (tshark takes `tcp.len > -1`
 *   and matches nothing) is an error; `proto == value` compares the
 *   protocol's bytes.
 * - Not supported (an error, not a silent mismatch): slices `f[0:2]`,
 *   functions (len(), upper()), arithmetic, `xor`, field width checks
 *   (`tcp.port == 70000` is accepted and never matches).
 */
import type { FieldCatalog, FieldKind, FieldSpec, FieldValue } from '../view/field.js';
import type { CompareOp, Expr, FieldRef, SetElement, Value } from './ast.js';
import { filterError, type FilterError } from './error.js';
import { compareBytes, KIND_EXAMPLES, literalLatin1, literalText, parseBytes, parseProbe, type Probe } from './literal.js';

export type Predicate<P> = (packet: P) => boolean;

export type CompileResult<P> =
  | { ok: true; matches: Predicate<P>; fields: ReadonlySet<string> }
  | { ok: false; error: FilterError };

/**
 * Compiles a parsed filter against a catalog; never throws.
 * @param ast the parser's AST; undefined (an empty filter) matches every packet
 */
export function compileAst<P>(ast: Expr | undefined, catalog: FieldCatalog<P>): CompileResult<P> {
  const compiler = new Compiler(catalog);
  if (ast === undefined) return { ok: true, matches: () => true, fields: compiler.fields };
  try {
    return { ok: true, matches: compiler.expr(ast), fields: compiler.fields };
  } catch (e) {
    if (e instanceof Stop) return { ok: false, error: e.error };
    return { ok: false, error: filterError(`the filter could not be compiled (${String(e)})`, 0, 'a valid filter') };
  }
}

class Stop {
  constructor(readonly error: FilterError) {}
}

function fail(message: string, position: number, expected: string): never {
  throw new Stop(filterError(message, position, expected));
}

/** Kinds that compare with each other field to field. */
function family(kind: FieldKind): string {
  if (kind === 'uint' || kind === 'bool' || kind === 'float') return 'number';
  if (kind === 'bytes' || kind === 'protocol') return 'bytes';
  return kind;
}

const KIND_WORDS: Readonly<Record<FieldKind, string>> = {
  uint: 'an unsigned integer',
  bool: 'a boolean',
  float: 'a number',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  ether: 'an Ethernet address',
  string: 'a string',
  bytes: 'bytes',
  protocol: 'a protocol',
};

/** Order of two field values of one family (NaN when they are not comparable). */
function compareValues(a: FieldValue, b: FieldValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  return NaN;
}

/** Whether `needle` occurs in `hay` (naive search: needles are a few bytes). */
function includesBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle[0]!;
  const last = hay.length - n;
  outer: for (let i = 0; i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < n; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function valueContains(v: FieldValue, needle: FieldValue): boolean {
  if (typeof v === 'string' && typeof needle === 'string') return needle !== '' && v.includes(needle);
  if (v instanceof Uint8Array && needle instanceof Uint8Array) return includesBytes(v, needle);
  return false;
}

/** Bytes as text one character per byte (ISO-8859-1), for regexes over bytes. */
function latin1(v: Uint8Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest known name within a small edit distance, or one that ends with `.name` (ttl -> ip.ttl). */
function suggest(name: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let suffix: string | undefined;
  let bestD = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  for (const candidate of names) {
    if (suffix === undefined && candidate.endsWith(`.${name}`)) suffix = candidate;
    if (Math.abs(candidate.length - name.length) > bestD) continue;
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestD || (d === bestD && best === undefined)) {
      best = candidate;
      bestD = d;
    }
  }
  return best ?? suffix;
}

/** Reads a field's values into one scratch array per node. */
function anyValue<P>(spec: FieldSpec<P>, test: (v: FieldValue) => boolean): Predicate<P> {
  const out: FieldValue[] = [];
  return (p) => {
    out.length = 0;
    spec.read(p, out);
    let hit = false;
    for (let i = 0; i < out.length; i++) {
      if (test(out[i]!)) {
        hit = true;
        break;
      }
    }
    out.length = 0;
    return hit;
  };
}

/** True when the field is present and every value passes. */
function allValues<P>(spec: FieldSpec<P>, test: (v: FieldValue) => boolean): Predicate<P> {
  const out: FieldValue[] = [];
  return (p) => {
    out.length = 0;
    spec.read(p, out);
    let all = out.length > 0;
    for (let i = 0; all && i < out.length; i++) if (!test(out[i]!)) all = false;
    out.length = 0;
    return all;
  };
}

/** Every pair (a of left, b of right): any pair passing, or (all) present on both sides and every pair passing. */
function pairs<P>(left: FieldSpec<P>, right: FieldSpec<P>, all: boolean, test: (a: FieldValue, b: FieldValue) => boolean): Predicate<P> {
  const a: FieldValue[] = [];
  const b: FieldValue[] = [];
  return (p) => {
    a.length = 0;
    b.length = 0;
    left.read(p, a);
    right.read(p, b);
    let result = all ? a.length > 0 && b.length > 0 : false;
    scan: for (let i = 0; i < a.length; i++) {
      for (let j = 0; j < b.length; j++) {
        if (test(a[i]!, b[j]!) !== all) {
          result = !all;
          break scan;
        }
      }
    }
    a.length = 0;
    b.length = 0;
    return result;
  };
}

/** What each comparison asks of a value's order against the other side. */
const ORDER: Readonly<Record<Exclude<CompareOp, 'eq' | 'all_ne' | 'all_eq' | 'any_ne'>, (d: number) => boolean>> = {
  lt: (d) => d < 0,
  gt: (d) => d > 0,
  le: (d) => d <= 0,
  ge: (d) => d >= 0,
};

const OP_TEXT: Readonly<Record<CompareOp, string>> = {
  eq: '==',
  all_ne: '!=',
  all_eq: '===',
  any_ne: '~=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
};

class Compiler<P> {
  readonly #catalog: FieldCatalog<P>;
  readonly fields = new Set<string>();

  constructor(catalog: FieldCatalog<P>) {
    this.#catalog = catalog;
  }

  expr(e: Expr): Predicate<P> {
    switch (e.type) {
      case 'or':
      case 'and':
        return this.#junction(e.type, e.operands.map((o) => this.expr(o)));
      case 'not': {
        const inner = this.expr(e.operand);
        return (p) => !inner(p);
      }
      case 'present': {
        const spec = this.#field(e.field);
        const out: FieldValue[] = [];
        return (p) => {
          out.length = 0;
          spec.read(p, out);
          const present = out.length > 0;
          out.length = 0;
          return present;
        };
      }
      case 'compare':
        return this.#compare(e.op, e.field, e.value, e.opStart);
      case 'contains':
        return this.#contains(e.field, e.value);
      case 'matches':
        return this.#matches(e.field, e.value);
      case 'in':
        return this.#in(e.field, e.elements);
    }
  }

  #junction(type: 'or' | 'and', preds: Predicate<P>[]): Predicate<P> {
    if (preds.length === 2) {
      const [a, b] = preds as [Predicate<P>, Predicate<P>];
      return type === 'or' ? (p) => a(p) || b(p) : (p) => a(p) && b(p);
    }
    if (type === 'or') {
      return (p) => {
        for (let i = 0; i < preds.length; i++) if (preds[i]!(p)) return true;
        return false;
      };
    }
    return (p) => {
      for (let i = 0; i < preds.length; i++) if (!preds[i]!(p)) return false;
      return true;
    };
  }

  #field(ref: { name: string; start: number }): FieldSpec<P> {
    const spec = this.#catalog.field(ref.name);
    if (spec !== undefined) {
      this.fields.add(spec.name);
      return spec;
    }
    if (!/^[A-Za-z_]/.test(ref.name)) {
      fail(`${JSON.stringify(ref.name)} is not a field name; a test starts with the field, e.g. tcp.port == 80`, ref.start, 'a field name');
    }
    const hint = suggest(ref.name, this.#catalog.names());
    fail(`unknown field ${JSON.stringify(ref.name)}${hint === undefined ? '' : ` (did you mean ${JSON.stringify(hint)}?)`}`, ref.start, 'a field name');
  }

  /** The field a word on the right names, when it names one. */
  #rightField(value: Value): FieldSpec<P> | undefined {
    if (value.type !== 'word') return undefined;
    const spec = this.#catalog.field(value.text);
    if (spec !== undefined) this.fields.add(spec.name);
    return spec;
  }

  #probe(spec: FieldSpec<P>, value: Value): Probe {
    const r = parseProbe(spec.name, spec.kind, value);
    if (r.ok) return r.value;
    // Not a literal of the kind, but shaped like a field name: most likely a misspelt field.
    if (value.type === 'word' && this.#catalog.field(value.text) !== undefined) {
      fail(`${value.text} is a field: a set holds values, e.g. ${spec.name} in {1, 2}; compare fields with ==`, value.start, KIND_EXAMPLES[spec.kind]);
    }
    if (value.type === 'word' && /^[A-Za-z_][\w-]*(\.[\w-]+)+$/.test(value.text)) {
      const hint = suggest(value.text, this.#catalog.names());
      if (hint !== undefined) fail(`unknown field ${JSON.stringify(value.text)} (did you mean ${JSON.stringify(hint)}?)`, value.start, `a field name or ${KIND_EXAMPLES[spec.kind]}`);
    }
    throw new Stop(r.error);
  }

  #compare(op: CompareOp, ref: FieldRef, value: Value, opStart: number): Predicate<P> {
    const spec = this.#field(ref);
    const other = this.#rightField(value);
    if (other !== undefined) {
      if (family(other.kind) !== family(spec.kind)) {
        fail(
          `${spec.name} (${KIND_WORDS[spec.kind]}) cannot be compared with ${other.name} (${KIND_WORDS[other.kind]})`,
          value.start,
          `a field of the same kind as ${spec.name}, or ${KIND_EXAMPLES[spec.kind]}`,
        );
      }
      switch (op) {
        case 'eq':
          return pairs(spec, other, false, (a, b) => compareValues(a, b) === 0);
        case 'any_ne':
          return pairs(spec, other, false, (a, b) => compareValues(a, b) !== 0);
        case 'all_eq':
          return pairs(spec, other, true, (a, b) => compareValues(a, b) === 0);
        case 'all_ne':
          return pairs(spec, other, true, (a, b) => compareValues(a, b) !== 0);
        default: {
          const order = ORDER[op];
          return pairs(spec, other, false, (a, b) => order(compareValues(a, b)));
        }
      }
    }
    if (spec.kind === 'protocol' && op !== 'eq' && op !== 'all_ne' && op !== 'all_eq' && op !== 'any_ne') {
      fail(`${spec.name} is a protocol: "${OP_TEXT[op]}" does not apply; test it alone, or with contains or matches`, opStart, 'contains, matches, "&&", "||" or the end of the filter');
    }
    const probe = this.#probe(spec, value);
    switch (op) {
      case 'eq':
        return anyValue(spec, probe.eq);
      case 'any_ne':
        return anyValue(spec, (v) => !probe.eq(v));
      case 'all_eq':
        return allValues(spec, probe.eq);
      case 'all_ne':
        return allValues(spec, (v) => !probe.eq(v));
      default: {
        const order = ORDER[op];
        return anyValue(spec, (v) => order(probe.cmp(v)));
      }
    }
  }

  #contains(ref: FieldRef, value: Value): Predicate<P> {
    const spec = this.#field(ref);
    const isText = spec.kind === 'string';
    if (!isText && spec.kind !== 'bytes' && spec.kind !== 'protocol') {
      fail(
        `${spec.name} is ${KIND_WORDS[spec.kind]}: contains works on strings, bytes and protocols; compare it with == instead`,
        ref.start,
        'a string, bytes or protocol field',
      );
    }
    const other = this.#rightField(value);
    if (other !== undefined) {
      if (family(other.kind) !== family(spec.kind)) {
        fail(`${spec.name} (${KIND_WORDS[spec.kind]}) cannot contain ${other.name} (${KIND_WORDS[other.kind]})`, value.start, KIND_EXAMPLES[spec.kind]);
      }
      return pairs(spec, other, false, valueContains);
    }
    if (isText) {
      const needle = literalText(value);
      // tshark 4.0: a string never contains "" (bytes always do).
      if (needle === '') return () => false;
      return anyValue(spec, (v) => typeof v === 'string' && v.includes(needle));
    }
    const needle = parseBytes(value);
    if (needle === undefined) {
      fail(`${spec.name} contains takes ${KIND_EXAMPLES.bytes}`, value.start, KIND_EXAMPLES.bytes);
    }
    return anyValue(spec, (v) => v instanceof Uint8Array && includesBytes(v, needle));
  }

  #matches(ref: FieldRef, value: Value & { type: 'string' }): Predicate<P> {
    const spec = this.#field(ref);
    const isText = spec.kind === 'string';
    if (!isText && spec.kind !== 'bytes' && spec.kind !== 'protocol') {
      fail(
        `${spec.name} is ${KIND_WORDS[spec.kind]}: matches works on strings, bytes and protocols`,
        ref.start,
        'a string, bytes or protocol field',
      );
    }
    const regex = compileRegex(isText ? literalText(value) : literalLatin1(value), value.start);
    if (isText) return anyValue(spec, (v) => typeof v === 'string' && regex.test(v));
    return anyValue(spec, (v) => v instanceof Uint8Array && regex.test(latin1(v)));
  }

  #in(ref: FieldRef, elements: readonly SetElement[]): Predicate<P> {
    const spec = this.#field(ref);
    if (spec.kind === 'protocol') fail(`${spec.name} is a protocol: "in" does not apply`, ref.start, 'a field name');
    const tests = elements.map(({ low, high }): ((v: FieldValue) => boolean) => {
      const lo = this.#probe(spec, low);
      if (high === undefined) return lo.eq;
      const hi = this.#probe(spec, high);
      return (v) => lo.cmp(v) >= 0 && hi.cmp(v) <= 0;
    });
    if (tests.length === 1) return anyValue(spec, tests[0]!);
    return anyValue(spec, (v) => {
      for (let i = 0; i < tests.length; i++) if (tests[i]!(v)) return true;
      return false;
    });
  }
}

/**
 * A PCRE2 pattern as a JS RegExp. tshark 4.0 matches case-insensitively by
 * default; a leading inline flag group such as `(?i)`, `(?-i)`, `(?s)` or
 * `(?m)` sets the flags (JS has no inline groups). An invalid pattern is a
 * FilterError at the literal.
 */
function compileRegex(source: string, start: number): RegExp {
  const flags = new Set(['i']);
  let pattern = source;
  const group = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(pattern);
  if (group !== null) {
    for (const f of group[1] ?? '') {
      if (f !== 'i' && f !== 's' && f !== 'm') fail(`the regex flag (?${f}) is not supported; use i, s or m`, start, 'a regular expression');
      flags.add(f);
    }
    for (const f of group[2] ?? '') {
      if (f !== 'i' && f !== 's' && f !== 'm') fail(`the regex flag (?-${f}) is not supported; use i, s or m`, start, 'a regular expression');
      flags.delete(f);
    }
    pattern = pattern.slice(group[0].length);
  }
  try {
    return new RegExp(pattern, [...flags].join(''));
  } catch (e) {
    // V8 says "Invalid regular expression: /[a/i: Unterminated character class": keep the reason.
    const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(e);
    return fail(`invalid regular expression: ${why}`, start, 'a regular expression');
  }
}
