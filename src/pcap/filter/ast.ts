/**
 * The parsed form of a display filter. The parser knows no fields: a name is
 * kept as written and a value keeps its source text, because what `80` or
 * `00:11` means depends on the kind of the field it is compared with; the
 * compiler (compile.ts) resolves both against a FieldCatalog.
 */

/** A field or protocol name where only a field can stand (left of an operator, or alone). */
export interface FieldRef {
  readonly type: 'field';
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/**
 * A value as written: `word` is unquoted text (a number, an address, bytes,
 * or the name of a field to compare with); `string` is a quoted literal,
 * already unescaped to bytes.
 */
export type Value =
  | { readonly type: 'word'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly type: 'string'; readonly bytes: Uint8Array; readonly raw: boolean; readonly text: string; readonly start: number; readonly end: number };

/**
 * Comparison operators, by meaning (each has a symbol and a word spelling):
 * eq `==`, any_eq (same as eq), ne `!=` = all_ne, all_eq `===`, any_ne `!==`
 * (and `~=`, its older spelling),
 * lt `<`, gt `>`, le `<=`, ge `>=`.
 */
export type CompareOp = 'eq' | 'all_ne' | 'all_eq' | 'any_ne' | 'lt' | 'gt' | 'le' | 'ge';

/** One element of `in {...}`: a value, or the inclusive range `low..high`. */
export interface SetElement {
  readonly low: Value;
  readonly high?: Value;
}

export type Expr =
  /** `a || b || c` (or `&&`): two or more operands, left to right; `&&` binds tighter than `||`. */
  | { readonly type: 'or' | 'and'; readonly operands: readonly Expr[] }
  | { readonly type: 'not'; readonly operand: Expr; readonly start: number }
  | { readonly type: 'present'; readonly field: FieldRef }
  | { readonly type: 'compare'; readonly op: CompareOp; readonly field: FieldRef; readonly value: Value; readonly opStart: number }
  | { readonly type: 'contains'; readonly field: FieldRef; readonly value: Value; readonly opStart: number }
  | { readonly type: 'matches'; readonly field: FieldRef; readonly value: Value & { type: 'string' }; readonly opStart: number }
  | { readonly type: 'in'; readonly field: FieldRef; readonly elements: readonly SetElement[]; readonly opStart: number };
