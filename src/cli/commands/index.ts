/** Every subcommand, registered in the order `netlab --help` lists them. */
import type { Command } from 'commander';
import { registerPcap } from './pcap.js';

export function registerCommands(program: Command): void {
  registerPcap(program);
}
