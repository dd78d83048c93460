/**
 * Recursive-descent parser of the display-filter grammar (Wireshark 4.0,
 * epan/dfilter/grammar.lemon), catalog-free:
 *
 *     filter  := <empty> | or EOF
 *     or      := and (("||" | "or") and)*
 *     and     := unary (("&&" | "and") unary)*
 *     unary   := ("!" | "not") unary | "(" or ")" | test
 *     test    := FIELD [ relop value | "contains" value | ("matches" | "~") STRING
 *                      | ["not"] "in" set ]
 *     set     := "{" element ([","] element)* "}"
 *     element := value [".." value]
 *     value   := WORD | STRING
 *
 * `!` binds tighter than `&&`, which binds tighter than `||` (checked with
 * tshark 4.0.17: `a || b && c` is `a || (b && c)`). Commas between set
 * elements are optional here, as the product contract says; tshark 4.0
 * requires them, so every set tshark takes is read the same way.
 * Never throws: a syntax error is returned as a FilterError.
 */
import type { CompareOp, Expr, FieldRef, SetElement, Value } from './ast.js';
import { filterError, type FilterError } from './error.js';
import { lex, type Token } from './lexer.js';

export type ParseResult = { ok: true; ast: Expr | undefined } | { ok: false; error: FilterError };

/** Parentheses and negations nest at most this deep (keeps recursion far from the stack limit). */
export const MAX_FILTER_DEPTH = 200;

const COMPARE_OPS: ReadonlyMap<string, CompareOp> = new Map<string, CompareOp>([
  ['==', 'eq'],
  ['eq', 'eq'],
  ['any_eq', 'eq'],
  ['!=', 'all_ne'],
  ['ne', 'all_ne'],
  ['all_ne', 'all_ne'],
  ['===', 'all_eq'],
  ['all_eq', 'all_eq'],
  ['~=', 'any_ne'],
  ['!==', 'any_ne'],
  ['any_ne', 'any_ne'],
  ['<', 'lt'],
  ['lt', 'lt'],
  ['>', 'gt'],
  ['gt', 'gt'],
  ['<=', 'le'],
  ['le', 'le'],
  ['>=', 'ge'],
  ['ge', 'ge'],
]);

const EXPECT_TEST = 'a field name, "!" or "("';
const EXPECT_AFTER_TEST = 'an operator ("==", "contains", "in"...), "&&", "||" or the end of the filter';
const EXPECT_VALUE = 'a value (a number, an address, or a "quoted string") or a field name';

/**
 * Parses a display filter into its AST; never throws.
 * @param expr the expression as typed
 * @returns the AST (undefined for an empty or blank expression, which
 *   matches every packet as in tshark), or the first syntax error
 */
export function parseDisplayFilter(expr: string): ParseResult {
  const lexed = lex(expr);
  if (!lexed.ok) return lexed;
  return new Parser(lexed.tokens).parse();
}

/** Parse failure carried up the recursion; caught once in Parser.parse. */
class Stop {
  constructor(readonly error: FilterError) {}
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of the filter';
  return JSON.stringify(t.text);
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;
  #depth = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): ParseResult {
    if (this.#peek().kind === 'eof') return { ok: true, ast: undefined };
    try {
      const ast = this.#or();
      const t = this.#peek();
      if (t.kind === 'op') this.#fail(t, '"&&", "||" or the end of the filter', `comparisons cannot be chained: join them with && or ||, e.g. tcp.port >= 80 && tcp.port <= 90`);
      if (t.kind !== 'eof') this.#fail(t, t.kind === ')' ? 'the end of the filter (this ")" has no "(")' : EXPECT_AFTER_TEST);
      return { ok: true, ast };
    } catch (e) {
      if (e instanceof Stop) return { ok: false, error: e.error };
      // A RangeError from an exhausted stack cannot happen below MAX_FILTER_DEPTH;
      // anything else is a bug and is reported at the start rather than thrown.
      return { ok: false, error: filterError(`the filter could not be parsed (${String(e)})`, 0, EXPECT_TEST) };
    }
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }

  #next(): Token {
    const t = this.#tokens[this.#at]!;
    if (t.kind !== 'eof') this.#at++;
    return t;
  }

  #fail(t: Token, expected: string, message?: string): never {
    throw new Stop(filterError(message ?? `unexpected ${describe(t)}; expected ${expected}`, t.start, expected));
  }

  #or(): Expr {
    const first = this.#and();
    if (this.#peek().kind !== 'or') return first;
    const operands = [first];
    while (this.#peek().kind === 'or') {
      this.#next();
      operands.push(this.#and());
    }
    return { type: 'or', operands };
  }

  #and(): Expr {
    const first = this.#unary();
    if (this.#peek().kind !== 'and') return first;
    const operands = [first];
    while (this.#peek().kind === 'and') {
      this.#next();
      operands.push(this.#unary());
    }
    return { type: 'and', operands };
  }

  #unary(): Expr {
    const t = this.#peek();
    if (t.kind === 'not' || t.kind === '(') {
      if (++this.#depth > MAX_FILTER_DEPTH) this.#fail(t, EXPECT_TEST, `the filter nests parentheses and negations more than ${MAX_FILTER_DEPTH} deep`);
      this.#next();
      let e: Expr;
      if (t.kind === 'not') {
        e = { type: 'not', operand: this.#unary(), start: t.start };
      } else {
        e = this.#or();
        const close = this.#peek();
        if (close.kind !== ')') this.#fail(close, '")" to close the "("');
        this.#next();
      }
      this.#depth--;
      return e;
    }
    return this.#test();
  }

  #test(): Expr {
    const t = this.#next();
    if (t.kind === 'string') {
      this.#fail(t, 'a field name', 'a value cannot come first; write the field first, e.g. http.host == "example.com"');
    }
    if (t.kind !== 'word') this.#fail(t, EXPECT_TEST);
    const field: FieldRef = { type: 'field', name: t.text, start: t.start, end: t.end };
    const op = this.#peek();
    if (op.kind === 'not' && op.text === 'not' && this.#tokens[this.#at + 1]?.text === 'in') {
      this.#next();
      const inOp = this.#next();
      return { type: 'not', operand: { type: 'in', field, elements: this.#set(), opStart: inOp.start }, start: op.start };
    }
    if (op.kind !== 'op') return { type: 'present', field };
    this.#next();
    const compare = COMPARE_OPS.get(op.text);
    if (compare !== undefined) return { type: 'compare', op: compare, field, value: this.#value(), opStart: op.start };
    if (op.text === 'contains') return { type: 'contains', field, value: this.#value(), opStart: op.start };
    if (op.text === 'in') return { type: 'in', field, elements: this.#set(), opStart: op.start };
    // matches, ~
    const v = this.#peek();
    if (v.kind !== 'string') {
      this.#fail(v, 'a regular expression in double quotes', `${op.text} takes a regular expression in double quotes, e.g. ${field.name} ${op.text} "^GET"`);
    }
    const value = this.#value();
    return { type: 'matches', field, value: value as Value & { type: 'string' }, opStart: op.start };
  }

  #value(): Value {
    const t = this.#next();
    if (t.kind === 'word') return { type: 'word', text: t.text, start: t.start, end: t.end };
    if (t.kind === 'string') return { type: 'string', bytes: t.bytes!, raw: t.raw === true, text: t.text, start: t.start, end: t.end };
    return this.#fail(t, EXPECT_VALUE);
  }

  #set(): SetElement[] {
    const open = this.#next();
    if (open.kind !== '{') this.#fail(open, '"{" to open a set, e.g. tcp.port in {80, 443}');
    const elements: SetElement[] = [];
    for (;;) {
      const t = this.#peek();
      if (t.kind === '}') {
        if (elements.length === 0) this.#fail(t, 'a value', 'a set needs at least one element, e.g. tcp.port in {80, 443}');
        this.#next();
        return elements;
      }
      if (t.kind === 'eof') this.#fail(t, '"}" to close the set');
      if (elements.length > 0 && t.kind === ',') {
        this.#next();
        const after = this.#peek();
        if (after.kind === '}' || after.kind === ',' || after.kind === 'eof') this.#fail(after, 'a value after ","');
      }
      const low = this.#value();
      if (this.#peek().kind === '..') {
        this.#next();
        elements.push({ low, high: this.#value() });
      } else {
        elements.push({ low });
      }
    }
  }
}
