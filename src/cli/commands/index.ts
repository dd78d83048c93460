/**
 * Every subcommand, in the order `netlab --help` lists them, each loaded on
 * demand.
 *
 * Why on demand: importing every command's module (protobuf, pcap, scanner,
 * load generator...) leaves V8 with a young generation grown to 8 MB and an
 * old one just over 8 MB before a long-running server takes its first
 * connection. Past those sizes V8 starts a full incremental mark-compact after
 * every scavenge that Node's per-read ArrayBuffers force (16 KiB echo chunks:
 * one every ~50 ms), which cost `netlab serve tcp` 40 % of its throughput
 * against a bare Node echo (docs/performance.md, echo section). Loading only
 * the command being run keeps the heap of `netlab serve` as small as a
 * library user's.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['serve', async () => (await import('./serve.js')).registerServe],
  ['connect', async () => (await import('./connect.js')).registerConnect],
  ['cert', async () => (await import('./cert.js')).registerCert],
  ['chat', async () => (await import('./chat.js')).registerChat],
  ['im', async () => (await import('./im.js')).registerIm],
  ['scan', async () => (await import('./scan.js')).registerScan],
  ['pcap', async () => (await import('./pcap.js')).registerPcap],
  ['capture', async () => (await import('./capture.js')).registerCapture],
  ['lab', async () => (await import('./lab.js')).registerLab],
  ['bench', async () => (await import('./bench.js')).registerBench],
];

/**
 * Registers the subcommands on `program`.
 * @param argv the user's arguments: when the first one names a subcommand,
 *   only that one is loaded; otherwise (help, version, a typo that commander
 *   answers with "did you mean") all of them are
 */
export async function registerCommands(program: Command, argv: readonly string[] = []): Promise<void> {
  const first = argv[0];
  const chosen = COMMANDS.filter(([name]) => name === first);
  for (const [, load] of chosen.length > 0 ? chosen : COMMANDS) (await load())(program);
}
