/** Every subcommand, registered in the order `netlab --help` lists them. */
import type { Command } from 'commander';
import { registerIm } from './im.js';

export function registerCommands(program: Command): void {
  registerIm(program);
}
