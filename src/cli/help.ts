/**
 * The layout of every `--help`: one width for the whole page, descriptions
 * wrapped at word boundaries whatever line breaks their source strings have,
 * and an Examples section under the options.
 *
 * House style for the texts themselves: a command's description (the prose
 * under Usage) is sentences, capitalised and ending with a full stop; a
 * summary (the one line in a command list) and every option and argument
 * description is a fragment starting in lower case (unless it starts with an
 * acronym such as TCP) with no full stop, as git and ncat write theirs.
 */
import { Help, type AddHelpTextContext, type HelpConfiguration } from 'commander';

/** Width when standard output is not a terminal and $COLUMNS is unset. */
export const HELP_DEFAULT_WIDTH = 80;

/** Widest help page: prose much wider than this is hard to read. */
export const HELP_MAX_WIDTH = 100;

/**
 * Narrowest column commander still wraps an item's description into (its
 * own default, 40, leaves long lines unwrapped beside long option names).
 */
const MIN_WIDTH_TO_WRAP = 20;

/** Indent of an example line, and of the continuation lines of a long one. */
const EXAMPLE_INDENT = '  ';
const CONTINUATION_INDENT = '      ';

/**
 * The help width: $COLUMNS when set (as argparse and GNU tools honour it),
 * else the terminal's width, else 80; never more than 100.
 */
export function helpWidth(env: NodeJS.ProcessEnv = process.env, stdout: { isTTY?: boolean; columns?: number } = process.stdout): number {
  const fromEnv = Number.parseInt(env.COLUMNS ?? '', 10);
  const columns = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : stdout.isTTY === true && (stdout.columns ?? 0) > 0 ? stdout.columns! : HELP_DEFAULT_WIDTH;
  return Math.min(columns, HELP_MAX_WIDTH);
}

/**
 * Joins the single line breaks of a source text into spaces, so a string
 * broken for the source file's sake never breaks a sentence on screen; a
 * blank line still separates paragraphs.
 */
export function reflow(text: string): string {
  return text
    .split(/\n[^\S\n]*\n\s*/)
    .map((paragraph) => paragraph.trim().replace(/\s*\n\s*/g, ' '))
    .join('\n\n');
}

/**
 * Commander settings every command inherits (give them to the program before
 * its subcommands are added).
 * @param width from {@link helpWidth}
 */
export function helpConfiguration(width: number): HelpConfiguration {
  const base = Help.prototype;
  return {
    helpWidth: width,
    minWidthToWrap: MIN_WIDTH_TO_WRAP,
    commandDescription(this: Help, cmd) {
      return reflow(base.commandDescription.call(this, cmd));
    },
    subcommandDescription(this: Help, cmd) {
      return reflow(base.subcommandDescription.call(this, cmd));
    },
    // "[options]" on every line of a command list is noise; each command's
    // own Usage line still shows it.
    subcommandTerm(this: Help, cmd) {
      return base.subcommandTerm.call(this, cmd).replace(' [options]', '');
    },
    optionDescription(this: Help, option) {
      return reflow(base.optionDescription.call(this, option));
    },
    argumentDescription(this: Help, argument) {
      return reflow(base.argumentDescription.call(this, argument));
    },
  };
}

/**
 * An Examples section for `.addHelpText('after', ...)`. Each example is one
 * shell command; one longer than the help width is continued on the next
 * line after a backslash, so it still pastes into a shell as it is.
 */
export function examples(...commands: string[]): (context: AddHelpTextContext) => string {
  return (context) => {
    const width = context.command.createHelp().helpWidth ?? HELP_DEFAULT_WIDTH;
    // Commander ends the text with a line break of its own.
    return `\nExamples:\n${commands.map((c) => shellLines(c, width)).join('\n')}`;
  };
}

/** One shell command as lines of at most `width` columns where its words allow. */
function shellLines(command: string, width: number): string {
  if (EXAMPLE_INDENT.length + command.length <= width) return EXAMPLE_INDENT + command;
  // Words, keeping quoted strings whole: a break inside quotes changes the command.
  const words = command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  const lines: string[] = [];
  let line = EXAMPLE_INDENT + (words.shift() ?? '');
  for (const word of words) {
    // Room for " word" and, should more follow, the " \" continuation mark.
    if (line.length + 1 + word.length + 2 <= width) {
      line += ` ${word}`;
    } else {
      lines.push(`${line} \\`);
      line = CONTINUATION_INDENT + word;
    }
  }
  lines.push(line);
  return lines.join('\n');
}
