/** Every subcommand, registered in the order `netlab --help` lists them. */
import type { Command } from 'commander';

export function registerCommands(program: Command): void {
  void program;
}
