/**
 * Wireshark display filters (`-Y EXPR`), compiled once against a field
 * catalog into a predicate over packets. Independent of which fields exist:
 * the catalog (src/pcap/view/field.ts) says their names, kinds and readers.
 */
import type { FieldCatalog } from '../view/field.js';
import { compileAst } from './compile.js';
import { filterError, type FilterError } from './error.js';
import { parseDisplayFilter } from './parser.js';

export type { FilterError } from './error.js';
export { DisplayFilterError, formatFilterError } from './error.js';
export type { Expr, FieldRef, Value, SetElement, CompareOp } from './ast.js';
export { parseDisplayFilter } from './parser.js';

/** A compiled display filter. */
export interface CompiledFilter<P> {
  /** Whether the packet passes the filter. Allocates nothing for fields whose readers allocate nothing. */
  matches(packet: P): boolean;
  /**
   * Every field name the filter references, on either side of an operator
   * (so the caller knows whether application-layer dissection is needed).
   */
  readonly fields: ReadonlySet<string>;
}

export type CompileFilterResult<P> = { ok: true; filter: CompiledFilter<P> } | { ok: false; error: FilterError };

/**
 * Compiles a Wireshark display filter; never throws, whatever the string.
 * An empty or blank expression matches every packet (as in tshark).
 * @param expr the expression as the user typed it
 * @param catalog the fields it may name
 * @returns the filter, or the first error with its position and what was expected
 *   there (render it with formatFilterError, or throw a DisplayFilterError on the CLI)
 */
export function compileDisplayFilter<P>(expr: string, catalog: FieldCatalog<P>): CompileFilterResult<P> {
  // JavaScript callers are not held to the types: anything but a string is an error value too.
  if (typeof expr !== 'string') return { ok: false, error: filterError('the display filter must be a string', 0, 'a display filter') };
  const parsed = parseDisplayFilter(expr);
  if (!parsed.ok) return parsed;
  const compiled = compileAst(parsed.ast, catalog);
  if (!compiled.ok) return compiled;
  return { ok: true, filter: Object.freeze({ matches: compiled.matches, fields: compiled.fields }) };
}
