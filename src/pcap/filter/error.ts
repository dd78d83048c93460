/**
 * What a display filter that does not compile reports: a sentence, the
 * character it is about, and what would have been accepted there. Errors are
 * values: nothing in src/pcap/filter/ throws on a user's expression.
 */
import { UsageError } from '../../errors.js';

/** Why a display filter did not compile. */
export interface FilterError {
  /** One sentence for a person, e.g. 'unknown field "tcp.prot" (did you mean "tcp.port"?)'. */
  readonly message: string;
  /** 0-based index of the character in the expression the message is about (the expression's length for its end). */
  readonly position: number;
  /** What would have been accepted at `position`, e.g. 'a field name, "!" or "("'. */
  readonly expected: string;
}

/** Builds a FilterError (a plain frozen value). */
export function filterError(message: string, position: number, expected: string): FilterError {
  return Object.freeze({ message, position, expected });
}

/**
 * Renders `error` for a terminal: the sentence, then the expression on one
 * line (tabs and line breaks shown as spaces so the caret lines up) and a
 * caret under the character at `error.position`.
 *
 *     display filter: unknown field "tcp.prot" (did you mean "tcp.port"?)
 *       tcp.prot == 80
 *       ^
 *
 * @param expr the expression the error is about
 * @param error what compileDisplayFilter returned
 * @param label what the expression is ('capture filter' for `-f`)
 */
export function formatFilterError(expr: string, error: FilterError, label = 'display filter'): string {
  const line = expr.replace(/[\t\r\n\v\f]/g, ' ');
  const at = Math.max(0, Math.min(error.position, line.length));
  return `${label}: ${error.message}\n  ${line}\n  ${' '.repeat(at)}^`;
}

/**
 * A display filter given on the command line that does not compile: a usage
 * error (NETLAB_ERR_INVALID_ARGUMENT, CLI exit code 2), whose message is the
 * rendered error with the expression and the caret.
 */
export class DisplayFilterError extends UsageError {
  readonly expression: string;
  readonly filterError: FilterError;

  /**
   * @param expr the expression as the user typed it
   * @param error what compileDisplayFilter returned for it
   */
  constructor(expr: string, error: FilterError) {
    super(formatFilterError(expr, error));
    this.name = 'DisplayFilterError';
    this.expression = expr;
    this.filterError = error;
  }
}
