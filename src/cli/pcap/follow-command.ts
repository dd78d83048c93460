import type { Command } from 'commander';
export function registerFollow(pcap: Command): void {
  void pcap;
}
