/**
 * Display-filter tokens, each with the span of the expression it came from.
 *
 * Wireshark's scanner (epan/dfilter/scanner.l) reads an unquoted value and a
 * field name the same way: a run of letters, digits and `_ - . : /`. So
 * `tcp.port`, `192.168.0.0/16`, `fe80::1`, `00:11:22:33:44:55` and `47:45:54`
 * are all one word, and what a word means is decided later, by the field it is
 * compared with. The one exception is `..` (the range of a set element), which
 * ends a word: `{1..5}` and `{10.0.0.1..10.0.0.9}` are three tokens.
 */
import { filterError, type FilterError } from './error.js';

export type TokenKind =
  | 'word'
  | 'string'
  | 'op'
  | 'and'
  | 'or'
  | 'not'
  | '('
  | ')'
  | '{'
  | '}'
  | ','
  | '..'
  | 'eof';

/** One token: its kind, the source text and where it lies in the expression. */
export interface Token {
  readonly kind: TokenKind;
  /** The source text (for 'op': the operator as written, e.g. '==' or 'eq'). */
  readonly text: string;
  /** 0-based index of its first character. */
  readonly start: number;
  /** Index just past its last character. */
  readonly end: number;
  /** 'string' only: the literal's bytes after escapes (UTF-8 for characters, one byte for \xhh and \ooo). */
  readonly bytes?: Uint8Array;
  /** 'string' only: written r"..." (backslashes kept as written). */
  readonly raw?: boolean;
}

export type LexResult = { ok: true; tokens: Token[] } | { ok: false; error: FilterError };

/** Word keywords (lower case only: tshark 4.0 rejects `AND`, `EQ`). */
const WORD_KEYWORDS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ['and', 'and'],
  ['or', 'or'],
  ['not', 'not'],
  ['eq', 'op'],
  ['ne', 'op'],
  ['lt', 'op'],
  ['gt', 'op'],
  ['le', 'op'],
  ['ge', 'op'],
  ['any_eq', 'op'],
  ['all_ne', 'op'],
  ['any_ne', 'op'],
  ['all_eq', 'op'],
  ['contains', 'op'],
  ['matches', 'op'],
  ['in', 'op'],
]);

/** Symbol operators, longest first so `===` wins over `==`. */
const SYMBOLS: readonly (readonly [string, TokenKind])[] = [
  ['===', 'op'],
  ['!==', 'op'],
  ['==', 'op'],
  ['!=', 'op'],
  ['<=', 'op'],
  ['>=', 'op'],
  ['~=', 'op'],
  ['&&', 'and'],
  ['||', 'or'],
  ['..', '..'],
  ['<', 'op'],
  ['>', 'op'],
  ['~', 'op'],
  ['!', 'not'],
  ['(', '('],
  [')', ')'],
  ['{', '{'],
  ['}', '}'],
  [',', ','],
];

function isWordChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || // 0-9
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    c === 0x5f || // _
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x3a || // :
    c === 0x2f // /
  );
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

const EXPECTED_TOKEN = 'a field name, a value, an operator or a parenthesis';

/**
 * Splits a display filter into tokens; never throws.
 * @param expr the expression as typed
 * @returns the tokens (ending with one 'eof' at `expr.length`), or the first lexical error
 */
export function lex(expr: string): LexResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = expr.length;
  while (i < n) {
    const c = expr.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    // r"..." is a raw string; r alone (or rx) is a word.
    if ((c === 0x72 || c === 0x52) && expr.charCodeAt(i + 1) === 0x22) {
      const s = lexString(expr, i + 1, true, i);
      if (!s.ok) return s;
      tokens.push(s.token);
      i = s.token.end;
      continue;
    }
    if (c === 0x22) {
      const s = lexString(expr, i, false, i);
      if (!s.ok) return s;
      tokens.push(s.token);
      i = s.token.end;
      continue;
    }
    if (isWordChar(c) && !(c === 0x2e && expr.charCodeAt(i + 1) === 0x2e)) {
      let j = i + 1;
      // `..` ends a word (set ranges); a single '.' belongs to it.
      while (j < n && isWordChar(expr.charCodeAt(j)) && !(expr.charCodeAt(j) === 0x2e && expr.charCodeAt(j + 1) === 0x2e)) j++;
      const text = expr.slice(i, j);
      tokens.push({ kind: WORD_KEYWORDS.get(text) ?? 'word', text, start: i, end: j });
      i = j;
      continue;
    }
    const symbol = SYMBOLS.find(([s]) => expr.startsWith(s, i));
    if (symbol !== undefined) {
      tokens.push({ kind: symbol[1], text: symbol[0], start: i, end: i + symbol[0].length });
      i += symbol[0].length;
      continue;
    }
    return { ok: false, error: unexpectedCharacter(expr, i) };
  }
  tokens.push({ kind: 'eof', text: '', start: n, end: n });
  return { ok: true, tokens };
}

function unexpectedCharacter(expr: string, i: number): FilterError {
  const ch = String.fromCodePoint(expr.codePointAt(i) ?? 0);
  if (ch === '[') return filterError('slices like tcp.payload[0:2] are not supported', i, 'an operator, "&&", "||" or the end of the filter');
  if (ch === '=') return filterError('"=" is not an operator; did you mean "=="?', i, EXPECTED_TOKEN);
  if (ch === '&') return filterError('"&" is not an operator; did you mean "&&"?', i, EXPECTED_TOKEN);
  if (ch === '|') return filterError('"|" is not an operator; did you mean "||"?', i, EXPECTED_TOKEN);
  if (ch === "'") return filterError("strings are written in double quotes: \"like this\"", i, 'a double-quoted string');
  return filterError(`unexpected character ${JSON.stringify(ch)}`, i, EXPECTED_TOKEN);
}

type StringResult = { ok: true; token: Token } | { ok: false; error: FilterError };

const utf8 = new TextEncoder();

/**
 * A double-quoted string starting at `quote`, with C escapes as tshark 4.0
 * takes them: \" \\ \' \a \b \f \n \r \t \v, \xhh, \ooo (octal), \uXXXX and
 * \UXXXXXXXX; any other escape is an error. A raw string keeps every
 * backslash and the character after it as written (so \" does not end it).
 */
function lexString(expr: string, quote: number, raw: boolean, start: number): StringResult {
  const out: number[] = [];
  let i = quote + 1;
  const n = expr.length;
  while (i < n) {
    const ch = expr[i]!;
    if (ch === '"') {
      return { ok: true, token: { kind: 'string', text: expr.slice(start, i + 1), start, end: i + 1, bytes: Uint8Array.from(out), raw } };
    }
    if (ch !== '\\') {
      const cp = expr.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      for (const b of utf8.encode(s)) out.push(b);
      i += s.length;
      continue;
    }
    if (i + 1 >= n) break;
    const next = expr[i + 1]!;
    if (raw) {
      for (const b of utf8.encode(`\\${next}`)) out.push(b);
      i += 2;
      continue;
    }
    const escaped = lexEscape(expr, i, out);
    if (escaped !== undefined) return { ok: false, error: escaped };
    i = escapeEnd(expr, i);
  }
  return { ok: false, error: filterError('the closing quote of this string is missing', start, 'a closing "') };
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  '"': 0x22,
  '\\': 0x5c,
  "'": 0x27,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
};

/** How many characters the escape at `i` (a backslash) spans. */
function escapeEnd(expr: string, i: number): number {
  const e = expr[i + 1]!;
  if (e === 'x') return i + 2 + (/^[0-9a-fA-F]{1,2}/.exec(expr.slice(i + 2, i + 4))?.[0].length ?? 0);
  if (e >= '0' && e <= '7') return i + 1 + (/^[0-7]{1,3}/.exec(expr.slice(i + 1, i + 4))?.[0].length ?? 0);
  if (e === 'u') return i + 6;
  if (e === 'U') return i + 10;
  return i + 2;
}

/** Appends the bytes of the escape at `i`; returns an error when it is not one. */
function lexEscape(expr: string, i: number, out: number[]): FilterError | undefined {
  const e = expr[i + 1]!;
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) {
    out.push(simple);
    return undefined;
  }
  if (e === 'x') {
    const h = /^[0-9a-fA-F]{1,2}/.exec(expr.slice(i + 2, i + 4));
    if (h === null) return filterError('\\x must be followed by one or two hex digits', i, 'an escape like \\x41');
    out.push(parseInt(h[0], 16));
    return undefined;
  }
  if (e >= '0' && e <= '7') {
    const o = /^[0-7]{1,3}/.exec(expr.slice(i + 1, i + 4))!;
    const v = parseInt(o[0], 8);
    if (v > 255) return filterError(`\\${o[0]} is more than one byte`, i, 'an octal escape up to \\377');
    out.push(v);
    return undefined;
  }
  if (e === 'u' || e === 'U') {
    const len = e === 'u' ? 4 : 8;
    const digits = expr.slice(i + 2, i + 2 + len);
    const cp = /^[0-9a-fA-F]+$/.test(digits) && digits.length === len ? parseInt(digits, 16) : -1;
    if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return filterError(`\\${e} must be followed by ${len} hex digits of a Unicode character`, i, `an escape like \\${e}${'0'.repeat(len - 2)}e9`);
    }
    for (const b of utf8.encode(String.fromCodePoint(cp))) out.push(b);
    return undefined;
  }
  return filterError(
    `\\${e} is not an escape sequence; write \\\\ for a backslash, or use a raw string r"..."`,
    i,
    'an escape: \\" \\\\ \\n \\t \\r \\xhh or \\ooo',
  );
}
