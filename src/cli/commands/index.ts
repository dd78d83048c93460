/** Every subcommand, registered in the order `netlab --help` lists them. */
import type { Command } from 'commander';
import { registerScan } from './scan.js';

export function registerCommands(program: Command): void {
  registerScan(program);
}
