/**
 * Parses a netlab command line with the real program but no actions: every
 * flag, argument and value parser is checked, nothing is run. For examples
 * in help texts and the README.
 */
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';

/** Shell words of one command line, quotes removed; stops at a redirection or pipe. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)) {
    const word = m[0];
    if (/^[<>|]/.test(word)) break;
    words.push(word.replace(/^(["'])(.*)\1$/, '$2'));
  }
  return words;
}

function silence(c: Command): void {
  c.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  c.action(() => undefined);
  c.commands.forEach(silence);
}

/**
 * @param argv the words after `netlab`
 * @returns undefined when commander accepts them (or shows help), else its error message
 */
export async function parseError(argv: string[]): Promise<string | undefined> {
  const program = await buildProgram(argv);
  silence(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code === 'commander.helpDisplayed' ? undefined : (err as Error).message;
  }
}
