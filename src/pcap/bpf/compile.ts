/**
 * AST -> a test over one link type, with the meaning of the BPF code
 * libpcap 1.10 generates (gencode.c), evaluated directly on the frame's
 * bytes at the same fixed offsets:
 *
 * - `tcp`/`udp`/`proto N` read the IPv4 protocol field, or the IPv6 fixed
 *   header's next header, or the next header of a fragment header right
 *   after it (gen_proto with Q_IPV6); no other extension header is walked.
 * - `port` reads the ports only in a first IPv4 fragment (gen_ipfrag:
 *   offset bits zero), behind the IHL-sized header; on IPv6 only right
 *   after the 40-byte header, when its next header is TCP, UDP or SCTP.
 * - `host` with no protocol is `ip host or arp host or rarp host`, the ARP
 *   sender/target protocol addresses at 14 and 24 (gen_host Q_DEFAULT).
 * - A load past the captured bytes rejects the packet (bpf_filter returns 0).
 *
 * The order of evaluation is the text's, left to right with short circuits;
 * tests the link type alone decides are folded, and a filter that can match
 * nothing (folded to "never", or contradictory: logic.ts) is refused as
 * tcpdump refuses it ("expression rejects all packets").
 */
import type { Arith, CaptureFilterError, Direction, FilterNode, RelOp } from './ast.js';
import { FilterContext, linkModel, type LinkModel, type Test } from './link-model.js';
import { anyOf, atom, formulaOf, satisfiable, tagged } from './logic.js';

const IPPROTO_FRAGMENT = 44;

/** A filter compiled for one link type. */
export type LinkProgram = { ok: true; test: Test } | { ok: false; error: CaptureFilterError };

/**
 * Compiles `ast` for frames of `linkType`.
 * @returns the test, or the error tcpdump would give for this link type
 */
export function compileForLinkType(ast: FilterNode | null, linkType: number): LinkProgram {
  // No expression: tcpdump compiles nothing, whatever the link type.
  if (ast === null) return { ok: true, test: true };
  const m = linkModel(linkType);
  if (m.unknown !== undefined) return { ok: false, error: { message: m.unknown, position: 0, expected: [] } };
  const out = new Compiler(m).node(ast);
  if (typeof out === 'object') return { ok: false, error: out };
  if (out === false || !satisfiable(formulaOf(out))) return { ok: false, error: { message: 'expression rejects all packets', position: 0, expected: [] } };
  return { ok: true, test: out };
}

class Compiler {
  #m: LinkModel;

  constructor(m: LinkModel) {
    this.#m = m;
  }

  node(n: FilterNode): Test | CaptureFilterError {
    switch (n.kind) {
      case 'and':
      case 'or': {
        const l = this.node(n.left);
        if (typeof l === 'object') return l;
        const r = this.node(n.right);
        if (typeof r === 'object') return r;
        return n.kind === 'and' ? and(l, r) : or(l, r);
      }
      case 'not': {
        const e = this.node(n.expr);
        return typeof e === 'object' ? e : not(e);
      }
      case 'length': {
        const k = n.n;
        return n.op === 'greater' ? (c) => (c.wireLen >= k ? 1 : 0) : (c) => (c.wireLen <= k ? 1 : 0);
      }
      case 'rel':
        return this.#relation(n.op, n.a, n.b);
      case 'vlan':
      case 'ether':
        if (!this.#m.ethernet) return { message: n.kind === 'vlan' ? `no VLAN support for ${this.#m.name}` : 'ethernet addresses supported only on ethernet', position: n.pos, expected: [] };
        return n.kind === 'vlan' ? vlan(n.id, n.vlanShift) : ether(n.dir, n.mac);
      default:
        break;
    }
    if (n.kind === 'way') {
      const pt = this.#m.packetType;
      if (pt === null) return { message: `inbound/outbound not supported on ${this.#m.name} when reading savefiles`, position: n.pos, expected: [] };
      // PACKET_OUTGOING (4): the frame was sent by the capturing host.
      const out: Test = pt.size === 2 ? typeIs(pt.off, 4) : byteIs(pt.off, 4);
      return n.outbound ? out : not(out);
    }
    if (n.kind === 'cast' && n.proto === 'ether') {
      if (!this.#m.ethernet) {
        const message = n.which === 'broadcast' ? 'not a broadcast link' : 'link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel';
        return { message, position: n.pos, expected: [] };
      }
      return n.which === 'broadcast' ? ether('dst', [255, 255, 255, 255, 255, 255]) : etherGroup();
    }
    if (this.#m.network !== null) return { message: this.#m.network, position: n.pos, expected: [] };
    const m = this.#m;
    const s = n.vlanShift;
    const nl = m.nl(s);
    switch (n.kind) {
      case 'cast':
        // A file has no netmask: tcpdump passes 0, so `ip broadcast` is 0.0.0.0 or 255.255.255.255.
        if (n.proto === 'ip' && n.which === 'broadcast') return and(m.proto('ip', s), or(addr4(nl + 16, nl + 16, 'dst', 0, 0xffffffff), addr4(nl + 16, nl + 16, 'dst', 0xffffffff, 0xffffffff)));
        if (n.proto === 'ip') return and(m.proto('ip', s), byteAtLeast(nl + 16, 224));
        return and(m.proto('ip6', s), byteIs(nl + 24, 255));
      case 'ethertype': {
        const known = n.v === 0x0800 ? 'ip' : n.v === 0x86dd ? 'ip6' : n.v === 0x0806 ? 'arp' : n.v === 0x8035 ? 'rarp' : null;
        if (known !== null) return m.proto(known, s);
        if (m.typeOffset !== null) return typeIs(m.typeOffset(s), n.v);
        return { message: `'ether proto 0x${n.v.toString(16)}' is not supported on ${m.name}`, position: n.pos, expected: [] };
      }
      case 'link':
        return m.proto(n.proto, s);
      case 'ipproto': {
        const v4 = and(m.proto('ip', s), byteIs(nl + 9, n.proto));
        const v6 = and(m.proto('ip6', s), or(byteIs(nl + 6, n.proto), and(byteIs(nl + 6, IPPROTO_FRAGMENT), byteIs(nl + 40, n.proto))));
        return n.family === 'ip' ? v4 : n.family === 'ip6' ? v6 : or(v4, v6);
      }
      case 'host4': {
        const ip = (): Test => and(m.proto('ip', s), addr4(nl + 12, nl + 16, n.dir, n.addr, n.mask));
        const arp = (p: 'arp' | 'rarp'): Test => and(m.proto(p, s), addr4(nl + 14, nl + 24, n.dir, n.addr, n.mask));
        if (n.family === 'ip') return ip();
        if (n.family !== 'any') return arp(n.family);
        return or(or(ip(), arp('arp')), arp('rarp'));
      }
      case 'host6':
        return and(m.proto('ip6', s), addr6(nl + 8, nl + 24, n.dir, n.addr, n.mask));
      case 'port': {
        const v4 = and(and(m.proto('ip', s), protoIn(nl + 9, n.proto)), ports4(nl, n.dir, n.lo, n.hi));
        const v6 = and(and(m.proto('ip6', s), protoIn(nl + 6, n.proto)), ports(nl + 40, n.dir, n.lo, n.hi));
        return or(v4, v6);
      }
    }
  }

  /** gen_relation: the operands' protocol tests, then the comparison (reversed for <, <=, !=). */
  #relation(op: RelOp, a: Arith, b: Arith): Test | CaptureFilterError {
    const x = this.#operand(a);
    if ('message' in x) return x;
    const y = this.#operand(b);
    if ('message' in y) return y;
    if (x.constant !== null && y.constant !== null) return compare(op, x.constant, y.constant) === 1;
    const xv = x.value;
    const yv = y.value;
    const cmp = (c: FilterContext): number => {
      const u = xv(c);
      if (u < 0) return -1;
      const v = yv(c);
      return v < 0 ? -1 : compare(op, u, v);
    };
    return and(and(x.checks, y.checks), cmp);
  }

  #operand(a: Arith): Operand | CaptureFilterError {
    switch (a.kind) {
      case 'num': {
        const v = a.v >>> 0;
        return { value: () => v, checks: true, constant: v };
      }
      case 'len':
        return { value: (c) => c.wireLen >>> 0, checks: true, constant: null };
      case 'neg': {
        const x = this.#operand(a.a);
        if ('message' in x) return x;
        const xv = x.value;
        return { value: (c) => { const u = xv(c); return u < 0 ? -1 : (0 - u) >>> 0; }, checks: x.checks, constant: x.constant === null ? null : (0 - x.constant) >>> 0 };
      }
      case 'bin': {
        const x = this.#operand(a.a);
        if ('message' in x) return x;
        const y = this.#operand(a.b);
        if ('message' in y) return y;
        // gen_arth refuses a constant zero divisor and over-long constant shifts.
        if (y.constant !== null) {
          if (a.op === '/' && y.constant === 0) return { message: 'division by zero', position: 0, expected: [] };
          if (a.op === '%' && y.constant === 0) return { message: 'modulus by zero', position: 0, expected: [] };
          if ((a.op === '<<' || a.op === '>>') && y.constant > 31) return { message: 'shift by more than 31 bits', position: 0, expected: [] };
        }
        const op = a.op;
        const xv = x.value;
        const yv = y.value;
        return {
          value: (c) => {
            const u = xv(c);
            if (u < 0) return -1;
            const v = yv(c);
            return v < 0 ? -1 : arith(op, u, v);
          },
          checks: and(x.checks, y.checks),
          constant: x.constant !== null && y.constant !== null ? arith(op, x.constant, y.constant) : null,
        };
      }
      case 'load':
        return this.#load(a);
    }
  }

  /** gen_load: `proto[index:size]` and the tests that the protocol is there. */
  #load(a: Extract<Arith, { kind: 'load' }>): Operand | CaptureFilterError {
    const idx = this.#operand(a.index);
    if ('message' in idx) return idx;
    const m = this.#m;
    // `ether[...]` (link[...]) reads the link header of any link type; the others need a network layer.
    if (a.proto !== 'ether' && m.network !== null) return { message: m.network, position: a.pos, expected: [] };
    const s = a.vlanShift;
    const nl = m.nl(s);
    const iv = idx.value;
    const size = a.size;
    const read = (c: FilterContext, off: number): number => (size === 1 ? c.u8(off) : size === 2 ? c.u16(off) : c.u32(off));
    switch (a.proto) {
      case 'ether':
        // The link header: no protocol test, no vlan shift (off_linkhdr).
        return { value: (c) => { const i = iv(c); return i < 0 ? -1 : read(c, i); }, checks: idx.checks, constant: null };
      case 'ip':
      case 'ip6':
      case 'arp':
      case 'rarp':
        return { value: (c) => { const i = iv(c); return i < 0 ? -1 : read(c, nl + i); }, checks: and(idx.checks, m.proto(a.proto, s)), constant: null };
      case 'icmp6':
        return {
          value: (c) => { const i = iv(c); return i < 0 ? -1 : read(c, nl + 40 + i); },
          checks: and(and(idx.checks, m.proto('ip6', s)), byteIs(nl + 6, 58)),
          constant: null,
        };
      default: {
        // Transport protocols: behind the IPv4 header (BPF's `ldxb 4*([nl]&0xf)`), in a first fragment only.
        const proto = this.node({ kind: 'ipproto', family: TRANSPORT_FAMILY[a.proto] ?? 'any', proto: TRANSPORT_NUMBER[a.proto] ?? 0, pos: a.pos, vlanShift: s });
        if (typeof proto === 'object') return proto;
        const first: Test = tagged((c: FilterContext): number => {
          const f = c.u16(nl + 6);
          return f < 0 ? -1 : (f & 0x1fff) === 0 ? 1 : 0;
        }, atom(`h${nl + 6}&8191`, 0));
        return {
          value: (c) => {
            const i = iv(c);
            if (i < 0) return -1;
            const ihl = c.u8(nl);
            return ihl < 0 ? -1 : read(c, nl + (ihl & 0x0f) * 4 + i);
          },
          checks: and(m.proto('ip', s), and(idx.checks, and(proto, first))),
          constant: null,
        };
      }
    }
  }
}

const TRANSPORT_NUMBER: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, igmp: 2, igrp: 9, pim: 103, vrrp: 112, carp: 112 };
const TRANSPORT_FAMILY: Record<string, 'ip' | 'any'> = { tcp: 'any', udp: 'any', sctp: 'any', pim: 'any', icmp: 'ip', igmp: 'ip', igrp: 'ip', vrrp: 'ip', carp: 'ip' };

/**
 * A compiled arithmetic operand: its value (-1 when a load fell off the
 * captured bytes or a division by zero ended the BPF program), the protocol
 * tests its loads need (gen_load's `inst->b`), and its value when constant.
 */
interface Operand {
  value: (c: FilterContext) => number;
  checks: Test;
  constant: number | null;
}

/** BPF's 32-bit unsigned arithmetic (bpf_filter.c); -1 for "the program returns 0". */
function arith(op: string, x: number, y: number): number {
  switch (op) {
    case '+':
      return (x + y) >>> 0;
    case '-':
      return (x - y) >>> 0;
    case '*':
      return Math.imul(x, y) >>> 0;
    case '/':
      return y === 0 ? -1 : Math.floor(x / y);
    case '%':
      return y === 0 ? -1 : x % y;
    case '&':
      return (x & y) >>> 0;
    case '|':
      return (x | y) >>> 0;
    case '^':
      return (x ^ y) >>> 0;
    case '<<':
      return y < 32 ? (x << y) >>> 0 : 0;
    default:
      return y < 32 ? x >>> y : 0;
  }
}

function compare(op: RelOp, x: number, y: number): number {
  switch (op) {
    case '>':
      return x > y ? 1 : 0;
    case '>=':
      return x >= y ? 1 : 0;
    case '=':
      return x === y ? 1 : 0;
    case '<=':
      return x > y ? 0 : 1;
    case '<':
      return x >= y ? 0 : 1;
    default:
      return x === y ? 0 : 1;
  }
}

function and(l: Test, r: Test): Test {
  if (l === false || r === false) return false;
  if (l === true) return r;
  if (r === true) return l;
  const fn = (c: FilterContext): number => {
    const a = l(c);
    return a !== 1 ? a : r(c);
  };
  return tagged(fn, { t: 'and', a: formulaOf(l), b: formulaOf(r) });
}

function or(l: Test, r: Test): Test {
  if (l === true || r === true) return true;
  if (l === false) return r;
  if (r === false) return l;
  const fn = (c: FilterContext): number => {
    const a = l(c);
    return a !== 0 ? a : r(c);
  };
  return tagged(fn, { t: 'or', a: formulaOf(l), b: formulaOf(r) });
}

function not(e: Test): Test {
  if (typeof e === 'boolean') return !e;
  const fn = (c: FilterContext): number => {
    const a = e(c);
    return a < 0 ? a : 1 - a;
  };
  return tagged(fn, { t: 'not', a: formulaOf(e) });
}

function byteAtLeast(off: number, v: number): Test {
  return (c) => {
    const x = c.u8(off);
    return x < 0 ? -1 : x >= v ? 1 : 0;
  };
}

/** The link type field is `v` (types up to 1500 are 802.3 lengths, which netlab does not match: refused at parse). */
function typeIs(off: number, v: number): Test {
  return tagged((c: FilterContext): number => {
    const x = c.u16(off);
    return x < 0 ? -1 : x === v ? 1 : 0;
  }, atom(`h${off}`, v));
}

/** `ether multicast`: the group bit of the destination (gen_multicast, `ether[0] & 1 != 0`). */
function etherGroup(): Test {
  return (c) => {
    const x = c.u8(0);
    return x < 0 ? -1 : x & 1;
  };
}

function byteIs(off: number, v: number): Test {
  const fn = (c: FilterContext): number => {
    const x = c.u8(off);
    return x < 0 ? -1 : x === v ? 1 : 0;
  };
  return tagged(fn, atom(`b${off}`, v));
}

/** The IP protocol is `proto`, or TCP/UDP/SCTP when 0 (gen_port PROTO_UNDEF). */
function protoIn(off: number, proto: number): Test {
  if (proto !== 0) return byteIs(off, proto);
  const fn = (c: FilterContext): number => {
    const x = c.u8(off);
    return x < 0 ? -1 : x === 6 || x === 17 || x === 132 ? 1 : 0;
  };
  return tagged(fn, anyOf(`b${off}`, [6, 17, 132]));
}

function dirTest(src: Test, dst: Test, dir: Direction): Test {
  if (dir === 'src') return src;
  if (dir === 'dst') return dst;
  return dir === 'and' ? and(src, dst) : or(src, dst);
}

function addr4(srcOff: number, dstOff: number, dir: Direction, addr: number, mask: number): Test {
  const one = (off: number): Test =>
    tagged((c: FilterContext): number => {
      const x = c.u32(off);
      return x < 0 ? -1 : (x & mask) >>> 0 === addr ? 1 : 0;
    }, atom(`w${off}&${mask}`, addr));
  return dirTest(one(srcOff), one(dstOff), dir);
}

function addr6(srcOff: number, dstOff: number, dir: Direction, addr: number[], mask: number[]): Test {
  const [a0, a1, a2, a3] = addr as [number, number, number, number];
  const [m0, m1, m2, m3] = mask as [number, number, number, number];
  const word = (c: FilterContext, off: number, a: number, m: number): number => {
    const x = c.u32(off);
    return x < 0 ? -1 : (x & m) >>> 0 === a ? 1 : 0;
  };
  const w = (off: number, a: number, m: number) => atom(`w${off}&${m}`, a);
  const one = (off: number): Test =>
    tagged((c: FilterContext): number => {
      let r = word(c, off, a0, m0);
      if (r !== 1) return r;
      r = word(c, off + 4, a1, m1);
      if (r !== 1) return r;
      r = word(c, off + 8, a2, m2);
      if (r !== 1) return r;
      return word(c, off + 12, a3, m3);
    }, { t: 'and', a: { t: 'and', a: w(off, a0, m0), b: w(off + 4, a1, m1) }, b: { t: 'and', a: w(off + 8, a2, m2), b: w(off + 12, a3, m3) } });
  return dirTest(one(srcOff), one(dstOff), dir);
}

function inRange(v: number, lo: number, hi: number): number {
  return v < 0 ? -1 : v >= lo && v <= hi ? 1 : 0;
}

/** Ports at a fixed offset (IPv6: right after the fixed header). */
function ports(off: number, dir: Direction, lo: number, hi: number): Test {
  const f = (o: number) => (lo === hi ? atom(`h${o}`, lo) : ({ t: 'opaque' } as const));
  return dirTest(
    tagged((c: FilterContext) => inRange(c.u16(off), lo, hi), f(off)),
    tagged((c: FilterContext) => inRange(c.u16(off + 2), lo, hi), f(off + 2)),
    dir,
  );
}

/**
 * IPv4 ports: only when the fragment offset is 0 (gen_ipfrag), behind a
 * header of IHL * 4 bytes (BPF's `ldxb 4*([nl]&0xf)`).
 */
function ports4(nl: number, dir: Direction, lo: number, hi: number): Test {
  // The same header length is loaded for every port test: one key per (nl, add).
  const port = (add: number): Test =>
    tagged((c: FilterContext): number => {
      const ihl = c.u8(nl);
      if (ihl < 0) return -1;
      return inRange(c.u16(nl + (ihl & 0x0f) * 4 + add), lo, hi);
    }, lo === hi ? atom(`x${nl}+${add}`, lo) : { t: 'opaque' });
  const first: Test = tagged((c: FilterContext): number => {
    const f = c.u16(nl + 6);
    return f < 0 ? -1 : (f & 0x1fff) === 0 ? 1 : 0;
  }, atom(`h${nl + 6}&8191`, 0));
  return and(first, dirTest(port(0), port(2), dir));
}

/** `vlan [ID]`: a TPID of 802.1Q, 802.1ad or the old QinQ 0x9100 where the type would be (gen_vlan_tpid_test). */
function vlan(id: number, shift: number): Test {
  const off = 12 + 4 * shift;
  const tpid: Test = tagged((c: FilterContext): number => {
    const t = c.u16(off);
    return t < 0 ? -1 : t === 0x8100 || t === 0x88a8 || t === 0x9100 ? 1 : 0;
  }, anyOf(`h${off}`, [0x8100, 0x88a8, 0x9100]));
  if (id < 0) return tpid;
  return and(
    tpid,
    tagged((c: FilterContext): number => {
      const t = c.u16(off + 2);
      return t < 0 ? -1 : (t & 0x0fff) === id ? 1 : 0;
    }, atom(`h${off + 2}&4095`, id)),
  );
}

/** `ether host/src/dst MAC`: the destination at 0, the source at 6 (gen_ehostop). */
function ether(dir: Direction, mac: number[]): Test {
  const value = mac.reduce((v, b) => v * 256 + b, 0);
  const one = (off: number): Test =>
    tagged((c: FilterContext): number => {
      if (off + 6 > c.capLen) return -1;
      for (let i = 0; i < 6; i++) if (c.buf[c.start + off + i] !== mac[i]) return 0;
      return 1;
    }, atom(`e${off}`, value));
  return dirTest(one(6), one(0), dir);
}
