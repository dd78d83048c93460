/**
 * How commands talk to the user: human text by default, NDJSON/JSON with
 * --json (stdout then carries only JSON; banners and hints go to stderr).
 * Colour only on a TTY and never with NO_COLOR (https://no-color.org).
 */
import { NetlabError } from '../errors.js';
import { withFlagNames } from './option-flags.js';

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof ANSI;

function colourEnabled(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/** Wraps text in an ANSI colour when `stream` is a TTY that wants colour. */
export function paint(stream: NodeJS.WriteStream, colour: Colour, text: string): string {
  return colourEnabled(stream) ? `\x1b[${ANSI[colour]}m${text}\x1b[0m` : text;
}

/** Output sink of one command invocation. */
export class Output {
  readonly json: boolean;

  constructor(options: { json?: boolean }) {
    this.json = options.json === true;
  }

  /** A human line (stdout), or, in --json mode, a hint on stderr. */
  info(text: string): void {
    if (this.json) process.stderr.write(`${text}\n`);
    else process.stdout.write(`${text}\n`);
  }

  /** A hint or banner that never belongs on stdout in --json mode. */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  /** One NDJSON event line (only in --json mode). */
  event(record: object): void {
    process.stdout.write(`${JSON.stringify(record)}\n`);
  }

  warn(text: string): void {
    process.stderr.write(`${paint(process.stderr, 'yellow', 'warning:')} ${text}\n`);
  }
}

/** Prints an error the way every command does: `netlab: <sentence>`. */
export function printError(err: unknown): void {
  // A library error names options; the user typed flags (option-flags.ts).
  const message = err instanceof NetlabError ? withFlagNames(err.message) : err instanceof Error ? err.message : String(err);
  process.stderr.write(`${paint(process.stderr, 'red', 'netlab:')} ${message}\n`);
}
