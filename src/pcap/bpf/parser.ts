/**
 * A recursive-descent parser for tcpdump capture filters that accepts what
 * libpcap 1.10's grammar.y accepts (for the primitives netlab implements)
 * and resolves qualifiers as its actions do, including the inheritance
 * carried by yacc's `$<blk>0`: a bare address or number after `and`/`or`
 * takes the qualifiers of the primitive before it (`host a or b`,
 * `tcp port 80 or 443`), a parenthesised expression passes on the
 * qualifiers that stood before its `(`, and `tcp`, `vlan`, `less` pass on
 * none (`tcp or 80` is a syntax error, as in tcpdump).
 *
 * The grammar followed (grammar.y, abridged):
 *   expr  : term | expr and term | expr and id | expr or term | expr or id
 *   term  : rterm | not term
 *   rterm : head id | '(' expr ')' | pname | other
 *   head  : pqual dqual aqual | pqual dqual | pqual aqual | pqual PROTO
 *   id    : nid | pnum | '(' pid ')'
 *   nid   : ID | HID '/' NUM | HID mask HID | HID | HID6 '/' NUM | HID6 | EID | not id
 *   pid   : nid | qid and id | qid or id        qid : pnum | pid
 *   pnum  : NUM | '(' pnum ')'
 */
import { DEFAULTS } from '../../constants.js';
import type { Arith, ArithOp, CaptureFilterError, Direction, FilterNode, RelOp } from './ast.js';
import { macBytes, tokenize, type Token } from './lexer.js';
import { ipv4Value, ipv6Words, PROTOCOL_NUMBERS } from './values.js';

type ProtoQ = 'default' | 'undef' | string;
type DirQ = 'default' | 'undef' | Direction;
type AddrQ = 'default' | 'undef' | 'host' | 'net' | 'port' | 'portrange' | 'proto' | 'protochain' | 'gateway';

interface Qual {
  proto: ProtoQ;
  dir: DirQ;
  addr: AddrQ;
}

interface Parsed {
  node: FilterNode;
  q: Qual;
}

const QERR: Qual = Object.freeze({ proto: 'undef', dir: 'undef', addr: 'undef' });

/** Protocol qualifiers of the grammar (pname); `ether` stands for link/ether/ppp/slip/fddi/tr/wlan. */
const PNAMES = new Set([
  'ether', 'ip', 'arp', 'rarp', 'sctp', 'tcp', 'udp', 'icmp', 'igmp', 'igrp', 'pim', 'vrrp', 'carp', 'atalk', 'aarp',
  'decnet', 'lat', 'sca', 'moprc', 'mopdl', 'ip6', 'icmp6', 'ah', 'esp', 'iso', 'esis', 'isis', 'l1', 'l2', 'iih',
  'lsp', 'snp', 'psnp', 'csnp', 'clnp', 'stp', 'ipx', 'netbeui', 'radio',
]);

/** What a bare protocol name means (gencode.c gen_proto_abbrev_internal). */
const ABBREV: Record<string, { kind: 'link'; proto: 'ip' | 'ip6' | 'arp' | 'rarp' } | { kind: 'ipproto'; family: 'ip' | 'ip6' | 'any'; proto: number }> = {
  ip: { kind: 'link', proto: 'ip' },
  ip6: { kind: 'link', proto: 'ip6' },
  arp: { kind: 'link', proto: 'arp' },
  rarp: { kind: 'link', proto: 'rarp' },
  tcp: { kind: 'ipproto', family: 'any', proto: 6 },
  udp: { kind: 'ipproto', family: 'any', proto: 17 },
  sctp: { kind: 'ipproto', family: 'any', proto: 132 },
  icmp: { kind: 'ipproto', family: 'ip', proto: 1 },
  igmp: { kind: 'ipproto', family: 'ip', proto: 2 },
  igrp: { kind: 'ipproto', family: 'ip', proto: 9 },
  pim: { kind: 'ipproto', family: 'any', proto: 103 },
  vrrp: { kind: 'ipproto', family: 'ip', proto: 112 },
  carp: { kind: 'ipproto', family: 'ip', proto: 112 },
  icmp6: { kind: 'ipproto', family: 'ip6', proto: 58 },
  ah: { kind: 'ipproto', family: 'any', proto: 51 },
  esp: { kind: 'ipproto', family: 'any', proto: 50 },
};

const PORT_PROTOS: Record<string, 0 | 6 | 17 | 132> = { default: 0, tcp: 6, udp: 17, sctp: 132 };

/** Protocols that can be indexed (`tcp[13]`), gencode.c gen_load. */
const LOADABLE = new Set(['ether', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'sctp', 'icmp', 'icmp6', 'igmp', 'igrp', 'pim', 'vrrp', 'carp']);

/**
 * Binary operators and their yacc precedence (grammar.y `%left`). `%` and `^`
 * have none there, so bison's default (shift) makes them take everything to
 * their right: `1 % 2 + 3` is `1 % (2 + 3)`.
 */
const ARITH_PREC: Record<string, number> = { '|': 1, '&': 2, '<<': 3, '>>': 3, '+': 4, '-': 4, '*': 5, '/': 5 };
const UMINUS = 6;
const RELOPS: Record<string, RelOp> = { '>': '>', '>=': '>=', '=': '=', '==': '=', '<': '<', '<=': '<=', '!=': '!=' };

/** `ether proto \name` (libpcap's eproto table, the part netlab filters on). */
const ETHER_NAMES: Record<string, number> = { ip: 0x0800, ip6: 0x86dd, arp: 0x0806, rarp: 0x8035 };

const START = ['host', 'net', 'port', 'portrange', 'src', 'dst', 'tcp', 'udp', 'icmp', 'ip', 'ip6', 'arp', 'vlan', 'not', '('];
const ADDRESS = ['an address', 'a number', '('];

/** Longest expression accepted, in tokens: bounds the depth of the compiled tree. */
const MAX_TOKENS = DEFAULTS.captureFilterMaxTokens;

/** Thrown inside the parser only, caught by parseCaptureFilter: never escapes. */
class ParseFailure {
  constructor(readonly error: CaptureFilterError) {}
}

/**
 * Parses a capture filter into its AST.
 * @param expr the filter as typed after `-f`; empty (or blank) matches every packet
 * @returns the AST (null for an empty filter), or the first error
 */
export function parseCaptureFilter(expr: string): { ok: true; ast: FilterNode | null } | { ok: false; error: CaptureFilterError } {
  if (typeof expr !== 'string') return { ok: false, error: { message: 'the filter must be a string', position: 0, expected: START } };
  const toks = tokenize(expr);
  if (!Array.isArray(toks)) return { ok: false, error: toks };
  if (toks.length > MAX_TOKENS) return { ok: false, error: { message: `expression longer than ${MAX_TOKENS} tokens`, position: toks[MAX_TOKENS]!.pos, expected: [] } };
  try {
    return { ok: true, ast: new Parser(toks).program() };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    // A bug in the parser must still not escape as an exception.
    return { ok: false, error: { message: `internal error: ${String(e)}`, position: 0, expected: [] } };
  }
}

class Parser {
  #toks: Token[];
  #i = 0;
  #vlanShift = 0;
  #depth = 0;

  constructor(toks: Token[]) {
    this.#toks = toks;
  }

  program(): FilterNode | null {
    if (this.#peek().kind === 'end') return null;
    const e = this.#expr(QERR);
    const t = this.#peek();
    if (t.kind !== 'end') fail(t, t.kind === ')' ? "unbalanced ')'" : `unexpected ${describe(t)}`, ['and', 'or', 'end of the expression']);
    return e.node;
  }

  #peek(k = 0): Token {
    return this.#toks[Math.min(this.#i + k, this.#toks.length - 1)]!;
  }

  #next(): Token {
    const t = this.#peek();
    if (t.kind !== 'end') this.#i++;
    return t;
  }

  #isKw(t: Token, ...names: string[]): boolean {
    return t.kind === 'kw' && names.includes(t.text);
  }

  /** Bounds recursion on hostile input (thousands of nested parentheses or nots). */
  #enter(t: Token): void {
    if (++this.#depth > 500) fail(t, 'expression nested too deeply', []);
  }

  #expr(q0: Qual): Parsed {
    let left = this.#term(q0);
    for (;;) {
      const op = this.#peek();
      if (op.kind !== 'and' && op.kind !== 'or') return left;
      this.#next();
      // After and/or a bare address or number is an `id`, which inherits.
      const right = this.#startsId() ? { node: this.#id(left.q), q: left.q } : this.#term(left.q);
      left = { node: { kind: op.kind, left: left.node, right: right.node }, q: right.q };
    }
  }

  /**
   * Whether an `id` starts here: past any `not` and `(`, an address or
   * number; a number followed by an operator starts a relation instead
   * (yacc decides on that lookahead too).
   */
  #startsId(): boolean {
    let k = 0;
    while (this.#peek(k).kind === 'not' || this.#peek(k).kind === '(') k++;
    const kind = this.#peek(k).kind;
    if (kind === 'num' && this.#isArithOp(this.#peek(k + 1))) return false;
    return kind === 'num' || kind === 'hid' || kind === 'hid6' || kind === 'eid' || kind === 'id';
  }

  #isArithOp(t: Token): boolean {
    return (t.kind === 'op' && (t.text in ARITH_PREC || t.text === '%' || t.text === '^' || t.text in RELOPS)) || t.kind === '/';
  }

  #term(q0: Qual): Parsed {
    const t = this.#peek();
    this.#enter(t);
    try {
      if (t.kind === 'not') {
        this.#next();
        const inner = this.#term(q0);
        return { node: { kind: 'not', expr: inner.node }, q: inner.q };
      }
      return this.#rterm(q0);
    } finally {
      this.#depth--;
    }
  }

  #rterm(q0: Qual): Parsed {
    const t = this.#peek();
    if (t.kind === '(') {
      // '(' opens an expression or an arithmetic operand (`(tcp[13] & 2) != 0`):
      // try the relation, and fall back to the expression.
      const save = { i: this.#i, shift: this.#vlanShift, depth: this.#depth };
      try {
        return { node: this.#relation(), q: QERR };
      } catch (e) {
        if (!(e instanceof ParseFailure)) throw e;
        this.#i = save.i;
        this.#vlanShift = save.shift;
        this.#depth = save.depth;
      }
      this.#next();
      const e = this.#expr(q0);
      this.#expect(')', "')'");
      return { node: e.node, q: q0 };
    }
    if (t.kind === 'num' || (t.kind === 'op' && t.text === '-') || this.#isKw(t, 'len')) return { node: this.#relation(), q: QERR };
    if (t.kind === 'kw') {
      if (PNAMES.has(t.text)) {
        const n = this.#peek(1);
        if (n.kind === 'op' && n.text === '[') return { node: this.#relation(), q: QERR };
        this.#next();
        if (this.#isKw(n, 'src', 'dst', 'host', 'net', 'port', 'portrange', 'proto', 'protochain', 'gateway')) return this.#head(t.text);
        if (this.#isKw(n, 'broadcast', 'multicast')) {
          this.#next();
          return { node: this.#cast(t.text, n), q: QERR };
        }
        return { node: this.#abbrev(t), q: QERR };
      }
      if (this.#isKw(t, 'src', 'dst', 'host', 'net', 'port', 'portrange', 'proto', 'protochain', 'gateway')) return this.#head('default');
      if (t.text === 'vlan') return { node: this.#vlan(), q: QERR };
      if (t.text === 'inbound' || t.text === 'outbound') {
        this.#next();
        return { node: { kind: 'way', outbound: t.text === 'outbound', ...this.#base(t) }, q: QERR };
      }
      if (t.text === 'broadcast' || t.text === 'multicast') {
        this.#next();
        return { node: this.#cast('ether', t), q: QERR };
      }
      if (t.text === 'less' || t.text === 'greater') {
        this.#next();
        const n = this.#peek();
        if (n.kind !== 'num') fail(n, `'${t.text}' needs a length in bytes`, ['a number']);
        this.#next();
        return { node: { kind: 'length', op: t.text, n: n.value, pos: t.pos, vlanShift: this.#vlanShift }, q: QERR };
      }
      unsupported(t);
    }
    if (t.kind === 'hid' || t.kind === 'hid6' || t.kind === 'eid' || t.kind === 'id') {
      fail(t, `${describe(t)} needs a qualifier before it (tcpdump takes a bare value only after 'and'/'or')`, ['host', 'net', 'port', 'src', 'dst']);
    }
    if (t.kind === 'end') fail(t, 'the expression ends where a primitive was expected', START);
    fail(t, `unexpected ${describe(t)}`, START);
  }

  /** arth relop arth (gen_relation). */
  #relation(): FilterNode {
    const start = this.#peek();
    this.#enter(start);
    try {
      const a = this.#arith(0);
      const op = this.#peek();
      const rel = op.kind === 'op' ? RELOPS[op.text] : undefined;
      if (rel === undefined || !Object.hasOwn(RELOPS, op.text)) {
        fail(op, a.kind === 'num' ? `${describe(start)} needs a qualifier before it (tcpdump takes a bare value only after 'and'/'or')` : `expected a comparison, found ${describe(op)}`, ['>', '>=', '=', '!=', '<', '<=']);
      }
      this.#next();
      const b = this.#arith(0);
      return { kind: 'rel', op: rel, a, b, ...this.#base(start) };
    } finally {
      this.#depth--;
    }
  }

  /** Precedence climbing over grammar.y's `arth`. */
  #arith(minPrec: number): Arith {
    const t0 = this.#peek();
    this.#enter(t0);
    try {
      let lhs = this.#unary();
      for (;;) {
        const t = this.#peek();
        const text = t.kind === '/' ? '/' : t.kind === 'op' ? t.text : '';
        if (text === '%' || text === '^') {
          this.#next();
          lhs = { kind: 'bin', op: text, a: lhs, b: this.#arith(0) };
          continue;
        }
        const p = Object.hasOwn(ARITH_PREC, text) ? ARITH_PREC[text]! : -1;
        if (p < 0 || p < minPrec) return lhs;
        this.#next();
        lhs = { kind: 'bin', op: text as ArithOp, a: lhs, b: this.#arith(p + 1) };
      }
    } finally {
      this.#depth--;
    }
  }

  #unary(): Arith {
    const t = this.#peek();
    if (t.kind === 'op' && t.text === '-') {
      this.#next();
      return { kind: 'neg', a: this.#arith(UMINUS) };
    }
    if (t.kind === 'num') {
      this.#next();
      return { kind: 'num', v: t.value };
    }
    if (this.#isKw(t, 'len')) {
      this.#next();
      return { kind: 'len' };
    }
    if (t.kind === '(') {
      this.#next();
      const a = this.#arith(0);
      this.#expect(')', "')'");
      return a;
    }
    if (t.kind === 'kw' && PNAMES.has(t.text) && this.#peek(1).kind === 'op' && this.#peek(1).text === '[') {
      this.#next();
      this.#next();
      if (!LOADABLE.has(t.text)) fail(t, `'${t.text}[...]' is not supported (unsupported index operation)`, [...LOADABLE].map((p) => `${p}[...]`));
      const index = this.#arith(0);
      let size: 1 | 2 | 4 = 1;
      const c = this.#peek();
      if (c.kind === 'op' && c.text === ':') {
        this.#next();
        const n = this.#peek();
        if (n.kind !== 'num' || (n.value !== 1 && n.value !== 2 && n.value !== 4)) fail(n, 'data size must be 1, 2, or 4', ['1', '2', '4']);
        this.#next();
        size = n.value as 1 | 2 | 4;
      }
      const close = this.#peek();
      if (close.kind !== 'op' || close.text !== ']') fail(close, `expected ']', found ${describe(close)}`, ["']'", "':'"]);
      this.#next();
      return { kind: 'load', proto: t.text, index, size, ...this.#base(t) };
    }
    fail(t, `expected a number, 'len' or proto[offset], found ${describe(t)}`, ['a number', 'len', 'tcp[13]']);
  }

  /** head id, the head's protocol qualifier (or 'default') already read. */
  #head(proto: ProtoQ): Parsed {
    const q: Qual = { proto, dir: 'default', addr: 'default' };
    let t = this.#peek();
    if (this.#isKw(t, 'src', 'dst')) {
      this.#next();
      q.dir = t.text as 'src' | 'dst';
      const c = this.#peek();
      if (c.kind === 'and' || c.kind === 'or') {
        const other = this.#peek(1);
        if (!this.#isKw(other, q.dir === 'src' ? 'dst' : 'src')) fail(other, `expected '${q.dir === 'src' ? 'dst' : 'src'}' after '${q.dir} ${c.text}'`, [q.dir === 'src' ? 'dst' : 'src']);
        this.#next();
        this.#next();
        q.dir = c.kind;
      }
      t = this.#peek();
      if (this.#isKw(t, 'host', 'net', 'port', 'portrange')) {
        this.#next();
        q.addr = t.text as AddrQ;
      }
    } else {
      this.#next();
      q.addr = t.text as AddrQ;
    }
    return { node: this.#id(q), q };
  }

  #id(q: Qual): FilterNode {
    const t = this.#peek();
    this.#enter(t);
    try {
      if (t.kind === 'not') {
        this.#next();
        return { kind: 'not', expr: this.#id(q) };
      }
      if (t.kind === '(') {
        this.#next();
        const node = this.#pid(q);
        this.#expect(')', "')'");
        return node;
      }
      if (t.kind === 'num') {
        this.#next();
        return this.#ncode(t, null, t.value, q);
      }
      return this.#nid(q);
    } finally {
      this.#depth--;
    }
  }

  /** Inside `( ... )` after a qualifier: addresses joined by and/or, all with the same qualifiers. */
  #pid(q: Qual): FilterNode {
    const t = this.#peek();
    let left: FilterNode;
    if (t.kind === '(' || t.kind === 'num') {
      const v = this.#pnum();
      left = this.#ncode(t, null, v, q);
    } else left = this.#nid(q);
    for (;;) {
      const op = this.#peek();
      if (op.kind !== 'and' && op.kind !== 'or') return left;
      this.#next();
      left = { kind: op.kind, left, right: this.#id(q) };
    }
  }

  #pnum(): number {
    const t = this.#next();
    if (t.kind === 'num') return t.value;
    if (t.kind === '(') {
      this.#enter(t);
      const v = this.#pnum();
      this.#depth--;
      this.#expect(')', "')'");
      return v;
    }
    fail(t, `expected a number, found ${describe(t)}`, ['a number']);
  }

  #nid(q: Qual): FilterNode {
    const t = this.#next();
    switch (t.kind) {
      case 'not':
        return { kind: 'not', expr: this.#id(q) };
      case 'hid': {
        if (this.#peek().kind === '/') {
          this.#next();
          const len = this.#peek();
          if (len.kind !== 'num') fail(len, 'expected a prefix length after /', ['a number']);
          this.#next();
          return this.#mcode(t, null, len.value, q);
        }
        if (this.#isKw(this.#peek(), 'mask')) {
          this.#next();
          const m = this.#peek();
          if (m.kind !== 'hid') fail(m, "expected a dotted netmask after 'mask'", ['a netmask such as 255.255.0.0']);
          this.#next();
          return this.#mcode(t, m, 0, q);
        }
        if (q.addr === 'port' || q.addr === 'portrange' || q.addr === 'proto' || q.addr === 'protochain') fail(t, `'${q.addr}' modifier applied to ip host`, ['a number']);
        return this.#ncode(t, t.text, 0, q);
      }
      case 'hid6': {
        let len = 128;
        if (this.#peek().kind === '/') {
          this.#next();
          const l = this.#peek();
          if (l.kind !== 'num') fail(l, 'expected a prefix length after /', ['a number']);
          this.#next();
          len = l.value;
        }
        return this.#mcode6(t, len, q);
      }
      case 'eid':
        return this.#ecode(t, q);
      case 'id':
        return this.#scode(t, q);
      default:
        fail(t, t.kind === 'end' ? 'the expression ends where an address or number was expected' : `expected an address or number, found ${describe(t)}`, ADDRESS);
    }
  }

  #expect(kind: Token['kind'], what: string): void {
    const t = this.#peek();
    if (t.kind !== kind) fail(t, `expected ${what}, found ${describe(t)}`, [what]);
    this.#next();
  }

  #base(t: Token): { pos: number; vlanShift: number } {
    return { pos: t.pos, vlanShift: this.#vlanShift };
  }

  #abbrev(t: Token): FilterNode {
    const a = Object.hasOwn(ABBREV, t.text) ? ABBREV[t.text] : undefined;
    if (a === undefined) {
      if (t.text === 'ether') fail(t, 'link layer applied in wrong context', ['host', 'src', 'dst']);
      unsupported(t);
    }
    return a.kind === 'link' ? { kind: 'link', proto: a.proto, ...this.#base(t) } : { kind: 'ipproto', family: a.family, proto: a.proto, ...this.#base(t) };
  }

  /** gen_broadcast / gen_multicast under protocol qualifier `proto`. */
  #cast(proto: string, t: Token): FilterNode {
    const which = t.text as 'broadcast' | 'multicast';
    if (which === 'broadcast' && proto !== 'ether' && proto !== 'ip') fail(t, 'only link-layer/IP broadcast filters supported', ['ether broadcast', 'ip broadcast']);
    if (which === 'multicast' && proto !== 'ether' && proto !== 'ip' && proto !== 'ip6') fail(t, 'only link-layer/IP/IPv6 multicast filters supported', ['ether multicast', 'ip multicast', 'ip6 multicast']);
    return { kind: 'cast', which, proto: proto as 'ether' | 'ip' | 'ip6', ...this.#base(t) };
  }

  #vlan(): FilterNode {
    const t = this.#next();
    let id = -1;
    const n = this.#peek();
    if (n.kind === 'num' || (n.kind === '(' && this.#isParenNum())) {
      id = this.#pnum();
      if (id > 4095) fail(n, `VLAN tag ${id} greater than maximum 4095`, ['a VLAN id 0-4095']);
    }
    const node: FilterNode = { kind: 'vlan', id, ...this.#base(t) };
    this.#vlanShift++;
    return node;
  }

  #isParenNum(): boolean {
    let k = 0;
    while (this.#peek(k).kind === '(') k++;
    return this.#peek(k).kind === 'num';
  }

  /** gen_ncode: a number or dotted address under qualifiers `q` (`s` null for a plain number). */
  #ncode(t: Token, s: string | null, v: number, q: Qual): FilterNode {
    const { proto, dir } = q;
    switch (q.addr) {
      case 'undef':
        fail(t, `${describe(t)} needs a qualifier before it (tcpdump's qualifiers do not carry over from here)`, ['host', 'net', 'port']);
      case 'default':
      case 'host':
      case 'net': {
        if (proto === 'ether') fail(t, 'illegal link layer address', ['a MAC address']);
        let addr: number;
        let mask: number;
        if (s === null) {
          addr = v >>> 0;
          mask = 0xffffffff;
          // "Promote short net number": net 10 is 10.0.0.0/8.
          if (q.addr === 'net') {
            while (addr !== 0 && (addr & 0xff000000) === 0) {
              addr = (addr << 8) >>> 0;
              mask = (mask << 8) >>> 0;
            }
          }
        } else {
          const a = ipv4Value(s);
          if (a === null) fail(t, `invalid IPv4 address '${s}'`, ['an IPv4 address']);
          // "Promote short ipaddr": 10.1 is 10.1.0.0 with mask 255.255.0.0.
          addr = (a.value << (32 - a.bits)) >>> 0;
          mask = (0xffffffff << (32 - a.bits)) >>> 0;
        }
        return this.#host4(t, addr, mask, q);
      }
      case 'port':
      case 'portrange': {
        const p = PORT_PROTOS[proto];
        if (p === undefined) fail(t, `illegal qualifier of '${q.addr}'`, ['tcp', 'udp', 'sctp']);
        if (v > 65535) fail(t, `illegal port number ${v} > 65535`, ['a port 0-65535']);
        return { kind: 'port', proto: p, dir: direction(dir), lo: v, hi: v, ...this.#base(t) };
      }
      case 'proto':
        return this.#proto(t, v, q);
      case 'gateway':
        fail(t, "'gateway' requires a name", []);
      default:
        unsupported(t, q.addr);
    }
  }

  /** gen_proto: `ip proto N`, `ip6 proto N`, `proto N`. */
  #proto(t: Token, v: number, q: Qual): FilterNode {
    if (q.dir !== 'default') fail(t, "direction applied to 'proto'", []);
    if (q.proto === 'default' || q.proto === 'ip' || q.proto === 'ip6') {
      return { kind: 'ipproto', family: q.proto === 'default' ? 'any' : q.proto, proto: v, ...this.#base(t) };
    }
    if (q.proto === 'ether') {
      // Up to 1500 the field is an 802.3 length and libpcap tests LLC SAPs; AppleTalk is SNAP-encapsulated.
      if (v <= 1500 || v === 0x809b || v === 0x80f3) fail(t, `'ether proto ${v}' (an LLC or SNAP protocol) is not supported`, ['an EtherType above 1500, such as 0x88cc']);
      return { kind: 'ethertype', v, ...this.#base(t) };
    }
    fail(t, `'${q.proto} proto' is bogus`, ['ip', 'ip6']);
  }

  /** gen_host: an IPv4 host or net under a protocol qualifier. */
  #host4(t: Token, addr: number, mask: number, q: Qual): FilterNode {
    const what = q.addr === 'net' ? 'net' : 'host';
    let family: 'ip' | 'arp' | 'rarp' | 'any';
    if (q.proto === 'default') family = 'any';
    else if (q.proto === 'ip' || q.proto === 'arp' || q.proto === 'rarp') family = q.proto;
    else if (q.proto === 'ether') fail(t, `link-layer modifier applied to ${what}`, []);
    else if (q.proto === 'ip6') fail(t, "'ip6' modifier applied to ip host", []);
    else fail(t, `'${q.proto}' modifier applied to ${what}`, []);
    return { kind: 'host4', family, dir: direction(q.dir), addr, mask, ...this.#base(t) };
  }

  /** gen_mcode: `net A/len`, `net A mask M`. */
  #mcode(t: Token, m: Token | null, masklen: number, q: Qual): FilterNode {
    const a = ipv4Value(t.text);
    if (a === null) fail(t, `invalid IPv4 address '${t.text}'`, ['an IPv4 address']);
    const n = (a.value << (32 - a.bits)) >>> 0;
    let mask: number;
    if (m !== null) {
      const mm = ipv4Value(m.text);
      if (mm === null) fail(m, `invalid IPv4 address '${m.text}'`, ['a netmask']);
      mask = (mm.value << (32 - mm.bits)) >>> 0;
      if ((n & ~mask) >>> 0 !== 0) fail(t, `non-network bits set in "${t.text} mask ${m.text}"`, []);
    } else {
      if (masklen > 32) fail(t, 'mask length must be <= 32', ['a prefix length 0-32']);
      mask = masklen === 0 ? 0 : (0xffffffff << (32 - masklen)) >>> 0;
      if ((n & ~mask) >>> 0 !== 0) fail(t, `non-network bits set in "${t.text}/${masklen}"`, []);
    }
    if (q.addr !== 'net') fail(t, 'Mask syntax for networks only', ['net']);
    return this.#host4(t, n, mask, q);
  }

  /** gen_mcode6: an IPv6 host or `net A/len`. */
  #mcode6(t: Token, masklen: number, q: Qual): FilterNode {
    const addr = ipv6Words(t.text);
    if (addr === null) fail(t, `invalid ip6 address ${t.text}`, ['an IPv6 address']);
    if (masklen > 128) fail(t, 'mask length must be <= 128', ['a prefix length 0-128']);
    const mask = [0, 0, 0, 0];
    for (let w = 0; w < 4; w++) {
      const bits = Math.max(0, Math.min(32, masklen - w * 32));
      mask[w] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      if ((addr[w]! & ~mask[w]!) >>> 0 !== 0) fail(t, `non-network bits set in "${t.text}/${masklen}"`, []);
    }
    if (q.addr === 'default' || q.addr === 'host') {
      if (masklen !== 128) fail(t, 'Mask syntax for networks only', ['net']);
    } else if (q.addr !== 'net') fail(t, 'invalid qualifier against IPv6 address', ['host', 'net']);
    if (q.proto !== 'default' && q.proto !== 'ip6') fail(t, `'${q.proto === 'ether' ? 'link-layer' : q.proto}' modifier applied to ip6 ${q.addr === 'net' ? 'net' : 'host'}`, ['ip6']);
    return { kind: 'host6', dir: direction(q.dir), addr, mask, ...this.#base(t) };
  }

  /** gen_ecode: `ether host MAC`. */
  #ecode(t: Token, q: Qual): FilterNode {
    if ((q.addr === 'host' || q.addr === 'default') && q.proto === 'ether') {
      const mac = macBytes(t.text);
      return { kind: 'ether', dir: direction(q.dir), mac, ...this.#base(t) };
    }
    fail(t, 'ethernet address used in non-ether expression', ['ether host']);
  }

  /** gen_scode: a name (netlab resolves none) or a port range `A-B`. */
  #scode(t: Token, q: Qual): FilterNode {
    const name = t.text;
    switch (q.addr) {
      case 'undef':
        fail(t, `'${name}' needs a qualifier before it`, ['host', 'net', 'port']);
      case 'net':
        fail(t, `unknown network '${name}': netlab does not look up network names, write the network as digits (net 10.1.0.0/16)`, ['a network such as 10.1.0.0/16']);
      case 'default':
      case 'host':
        fail(t, `unknown host '${name}': netlab does not resolve host names, write the address (host 192.0.2.1)`, ['an IPv4 or IPv6 address']);
      case 'port':
        fail(t, `unknown port '${name}': netlab takes port numbers only (port 80, not port http)`, ['a port number']);
      case 'portrange': {
        const m = /^(\d+)-(\d+)$/.exec(name);
        const p = PORT_PROTOS[q.proto];
        if (p === undefined) fail(t, "illegal qualifier of 'portrange'", ['tcp', 'udp', 'sctp']);
        if (m === null) fail(t, `unknown port in range '${name}': netlab takes numbers only (portrange 8000-8100)`, ['a range such as 8000-8100']);
        let lo = Number(m[1]);
        let hi = Number(m[2]);
        if (lo > 65535 || hi > 65535) fail(t, `illegal port number ${Math.max(lo, hi)} > 65535`, ['ports 0-65535']);
        if (lo > hi) [lo, hi] = [hi, lo];
        return { kind: 'port', proto: p, dir: direction(q.dir), lo, hi, ...this.#base(t) };
      }
      case 'proto': {
        const table = q.proto === 'ether' ? ETHER_NAMES : PROTOCOL_NUMBERS;
        const v = Object.hasOwn(table, name) ? table[name] : undefined;
        if (v === undefined && q.proto === 'ether') fail(t, `unknown ether proto '${name}'`, ['\\ip', '\\ip6', '\\arp', '\\rarp', 'a number']);
        if (v === undefined) fail(t, `unknown ip proto '${name}'`, ['a protocol number', '\\tcp', '\\udp', '\\icmp']);
        return this.#proto(t, v, q);
      }
      default:
        unsupported(t, q.addr);
    }
  }
}

function direction(d: DirQ): Direction {
  return d === 'default' || d === 'undef' ? 'or' : d;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'the end of the expression';
    case 'kw':
      return `'${t.text}'`;
    case 'num':
      return `number ${t.text}`;
    case 'hid':
    case 'hid6':
    case 'eid':
      return `address ${t.text}`;
    case 'id':
      return `'${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}

function fail(t: Token, message: string, expected: string[]): never {
  throw new ParseFailure({ message, position: t.pos, expected });
}

function unsupported(t: Token, what = t.text): never {
  fail(t, `'${what}' is a tcpdump primitive netlab does not implement`, START);
}
