/**
 * Values written in a filter, read as the kind of the field they are compared
 * with, and turned into a Probe: how one field value compares with the
 * literal. Parsing happens once, at compile time; a probe allocates nothing.
 *
 * Literal forms (tshark 4.0.17, epan/ftypes/):
 * - uint: 80, 0x50, 0120 (octal), 0b1010000
 * - bool: 1, 0 (any other integer is true), True/False/TRUE/FALSE
 *   (and true/false, which tshark 4.0 rejects)
 * - float: 0.5, 3, -1.25
 * - ipv4: 192.168.0.1 or 192.168.0.0/16 (compared under the mask)
 * - ipv6: RFC 4291 text (fe80::1, ::ffff:1.2.3.4) with an optional /prefix
 * - ether: 00:11:22:33:44:55, 00-11-..., 00.11...., 0011.2233.4455, 001122334455
 * - string: "quoted" (bytes read as UTF-8), or unquoted text
 * - bytes, protocol: 47:45:54 (or - or . between bytes), 474554, a single 47,
 *   or a "quoted string" (its bytes)
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { FieldKind, FieldValue } from '../view/field.js';
import { ipv6Bytes } from '../cidr.js';
import type { Value } from './ast.js';
import { filterError, type FilterError } from './error.js';

/** How field values compare with one literal. */
export interface Probe {
  /** Whether `v` equals the literal (inside the network, for an address with a prefix). */
  eq(v: FieldValue): boolean;
  /** Sign of `v` minus the literal (NaN when `v` is not of the literal's kind). */
  cmp(v: FieldValue): number;
}

export type LiteralResult<T> = { ok: true; value: T } | { ok: false; error: FilterError };

/** What a literal of each kind looks like, for errors ("ip.addr takes ..."). */
export const KIND_EXAMPLES: Readonly<Record<FieldKind, string>> = {
  uint: 'an unsigned integer like 80 or 0x50',
  bool: 'a boolean: 1, 0, True or False',
  float: 'a number like 0.5',
  ipv4: 'an IPv4 address like 192.168.0.1 or 10.0.0.0/8',
  ipv6: 'an IPv6 address like fe80::1 or 2001:db8::/32',
  ether: 'an Ethernet address like 00:11:22:33:44:55',
  string: 'a "quoted string"',
  bytes: 'bytes like 47:45:54 or a "quoted string"',
  protocol: 'bytes like 47:45:54 or a "quoted string"',
};

function bad<T>(name: string, kind: FieldKind, value: Value, detail = ''): LiteralResult<T> {
  const what = KIND_EXAMPLES[kind];
  return { ok: false, error: filterError(`${name} takes ${what}${detail}`, value.start, what) };
}

const utf8 = new TextDecoder('utf-8');

/** A quoted literal as text for string fields (its bytes as UTF-8). */
export function literalText(value: Value): string {
  return value.type === 'string' ? utf8.decode(value.bytes) : value.text;
}

/** A quoted literal's text as bytes one per character, to match bytes fields read as latin1. */
export function literalLatin1(value: Value & { type: 'string' }): string {
  // Buffer's latin1 is ISO-8859-1; TextDecoder('latin1') would be windows-1252.
  return Buffer.from(value.bytes).toString('latin1');
}

/**
 * Reads `value` as a literal of `kind`.
 * @param name the field's name, for the error message
 */
export function parseProbe(name: string, kind: FieldKind, value: Value): LiteralResult<Probe> {
  switch (kind) {
    case 'uint':
    case 'bool':
    case 'float': {
      const n = parseNumber(name, kind, value);
      return n.ok ? { ok: true, value: numberProbe(n.value) } : n;
    }
    case 'ipv4':
      return parseIpv4(name, value);
    case 'ipv6':
      return parseIpv6(name, value);
    case 'ether': {
      const b = value.type === 'word' ? etherBytes(value.text) : undefined;
      if (b === undefined) return bad(name, kind, value, value.type === 'string' ? ', not a quoted string' : '');
      return { ok: true, value: bytesProbe(b) };
    }
    case 'string':
      return { ok: true, value: stringProbe(literalText(value)) };
    case 'bytes':
    case 'protocol': {
      const b = parseBytes(value);
      return b === undefined ? bad(name, kind, value) : { ok: true, value: bytesProbe(b) };
    }
  }
}

/** A number literal for uint, bool and float fields. */
export function parseNumber(name: string, kind: 'uint' | 'bool' | 'float', value: Value): LiteralResult<number> {
  if (value.type === 'string') return bad(name, kind, value, ', not a quoted string');
  const t = value.text;
  if (kind === 'bool') {
    if (t === 'True' || t === 'TRUE' || t === 'true') return { ok: true, value: 1 };
    if (t === 'False' || t === 'FALSE' || t === 'false') return { ok: true, value: 0 };
    const n = parseUint(t);
    // tshark 4.0: a boolean compared with any non-zero integer is compared with true.
    return n === undefined ? bad(name, kind, value) : { ok: true, value: n === 0 ? 0 : 1 };
  }
  if (kind === 'float') {
    if (!/^-?\d+(\.\d+)?$/.test(t)) return bad(name, kind, value);
    return { ok: true, value: Number(t) };
  }
  const n = parseUint(t);
  if (n === undefined) {
    const detail = /^-\d/.test(t) ? ' (it cannot be negative)' : /^\d+\.\d+$/.test(t) ? ' (not a fraction)' : '';
    return bad(name, kind, value, detail);
  }
  return { ok: true, value: n };
}

/** Decimal, 0x hex, 0 octal or 0b binary; undefined when not one, or past 2^53. */
function parseUint(t: string): number | undefined {
  let n: number;
  if (/^(0|[1-9]\d*)$/.test(t)) n = Number(t);
  else if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^0[bB][01]+$/.test(t)) n = parseInt(t.slice(2), 2);
  else if (/^0[0-7]+$/.test(t)) n = parseInt(t.slice(1), 8);
  else return undefined;
  return Number.isSafeInteger(n) ? n : undefined;
}

function numberProbe(n: number): Probe {
  return {
    eq: (v) => v === n,
    cmp: (v) => (typeof v === 'number' ? v - n : NaN),
  };
}

function stringProbe(s: string): Probe {
  return {
    eq: (v) => v === s,
    cmp: (v) => (typeof v === 'string' ? (v < s ? -1 : v > s ? 1 : 0) : NaN),
  };
}

/** Lexicographic order of two byte strings (a shorter prefix first), as memcmp then length. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function bytesProbe(b: Uint8Array): Probe {
  return {
    eq: (v) => v instanceof Uint8Array && compareBytes(v, b) === 0,
    cmp: (v) => (v instanceof Uint8Array ? compareBytes(v, b) : NaN),
  };
}

/** Splits "addr/prefix"; the prefix is undefined when absent, NaN when malformed. */
function splitPrefix(t: string): [string, number | undefined] {
  const slash = t.indexOf('/');
  if (slash < 0) return [t, undefined];
  const p = t.slice(slash + 1);
  return [t.slice(0, slash), /^\d{1,3}$/.test(p) ? Number(p) : NaN];
}

function parseIpv4(name: string, value: Value): LiteralResult<Probe> {
  if (value.type === 'string') return bad(name, 'ipv4', value, ', not a quoted string');
  const [addr, prefix = 32] = splitPrefix(value.text);
  if (!isIPv4(addr)) return bad(name, 'ipv4', value);
  if (!(prefix <= 32)) return bad(name, 'ipv4', value, ` (the prefix after "/" is 0 to 32)`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (addr.split('.').reduce((acc, x) => acc * 256 + Number(x), 0) & mask) >>> 0;
  const masked = (v: Uint8Array): number => ((((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) & mask) >>> 0);
  return {
    ok: true,
    value: {
      eq: (v) => v instanceof Uint8Array && v.length === 4 && masked(v) === net,
      cmp: (v) => (v instanceof Uint8Array && v.length === 4 ? masked(v) - net : NaN),
    },
  };
}

function parseIpv6(name: string, value: Value): LiteralResult<Probe> {
  if (value.type === 'string') return bad(name, 'ipv6', value, ', not a quoted string');
  const [addr, prefix = 128] = splitPrefix(value.text);
  if (!isIPv6(addr) || addr.includes('%')) return bad(name, 'ipv6', value);
  if (!(prefix <= 128)) return bad(name, 'ipv6', value, ` (the prefix after "/" is 0 to 128)`);
  const net = ipv6Bytes(addr);
  // Compare byte by byte under the mask: whole bytes, then the partial one.
  const full = prefix >> 3;
  const partMask = prefix & 7 ? (0xff << (8 - (prefix & 7))) & 0xff : 0;
  const cmp = (v: Uint8Array): number => {
    for (let i = 0; i < full; i++) {
      const d = v[i]! - net[i]!;
      if (d !== 0) return d;
    }
    return full < 16 && partMask !== 0 ? (v[full]! & partMask) - (net[full]! & partMask) : 0;
  };
  return {
    ok: true,
    value: {
      eq: (v) => v instanceof Uint8Array && v.length === 16 && cmp(v) === 0,
      cmp: (v) => (v instanceof Uint8Array && v.length === 16 ? cmp(v) : NaN),
    },
  };
}

/** The six bytes of an Ethernet address in any of tshark's forms, or undefined. */
function etherBytes(t: string): Uint8Array | undefined {
  let hex: string;
  if (/^[0-9a-fA-F]{2}([:.-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(t)) hex = t.replace(/[:.-]/g, '');
  else if (/^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(t)) hex = t.replace(/\./g, '');
  else if (/^[0-9a-fA-F]{12}$/.test(t)) hex = t;
  else return undefined;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * A bytes literal: the quoted string's bytes, hex bytes separated by one of
 * `: - .` (one or two digits each), an even run of hex digits, or one byte.
 */
export function parseBytes(value: Value): Uint8Array | undefined {
  if (value.type === 'string') return value.bytes;
  const t = value.text;
  if (/^[0-9a-fA-F]{1,2}$/.test(t)) return Uint8Array.of(parseInt(t, 16));
  const sep = /^[0-9a-fA-F]{1,2}([:.-])/.exec(t)?.[1];
  if (sep !== undefined) {
    const parts = t.split(sep);
    if (!parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
    return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
  }
  if (/^([0-9a-fA-F]{2})+$/.test(t)) return Uint8Array.from(Buffer.from(t, 'hex'));
  return undefined;
}
