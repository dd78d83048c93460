/**
 * The commander program: global settings every subcommand inherits, and the
 * mapping from failures to the contract's exit codes (0 ok, 1 runtime, 2 usage).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { NetlabError, UsageError } from '../errors.js';
import { printError } from './output.js';
import { registerCommands } from './commands/index.js';
import { examples, helpConfiguration, helpWidth } from './help.js';

export const EXIT = Object.freeze({ OK: 0, RUNTIME: 1, USAGE: 2 });

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/**
 * Builds the CLI; exported so tests can drive it in-process.
 * @param argv the user's arguments, so only the command they name is loaded
 *   (every command when they name none)
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('netlab')
    .description('Network programming and security labs: echo servers and clients over TCP, TLS, UDP and WebSocket, and the tools to see what crosses the wire.')
    .version(packageVersion(), '--version', 'print the netlab version')
    .helpOption('-h, --help', 'show help for a command')
    // Before the subcommands are added: each one inherits it.
    .configureHelp(helpConfiguration(helpWidth()))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(text.replace(/^error: /, 'netlab: ')),
    });
  program.addHelpText(
    'after',
    examples('netlab lab', 'netlab serve tcp -p 5000', 'netlab connect tcp 127.0.0.1 5000 -m hello', 'netlab pcap stats traces/', 'netlab serve --help'),
  );
  await registerCommands(program, argv);
  return program;
}

/** Exit code for anything a command action throws. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT.OK;
    }
    return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  return EXIT.RUNTIME;
}

/** Parses argv and runs the command; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    const code = exitCodeFor(err);
    // commander already printed its own message; ours still need printing.
    if (!(err instanceof CommanderError)) {
      printError(err);
      if (err instanceof UsageError) process.stderr.write('(run with --help for usage)\n');
      else if (!(err instanceof NetlabError) && err instanceof Error && process.env.NETLAB_DEBUG) {
        process.stderr.write(`${err.stack}\n`);
      }
    }
    return code;
  }
}
