/**
 * `netlab pcap stats | packets | follow`: capture file analysis. Argument
 * parsing and output only; the work is in src/pcap/.
 */
import type { Command } from 'commander';
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { NetlabError, UsageError } from '../../errors.js';
import type { NetworkSet } from '../../pcap/cidr.js';
import { captureStats, type FileStats } from '../../pcap/stats.js';
import { examples } from '../help.js';
import { collect } from '../parse.js';
import { Output, printError } from '../output.js';
import { expandInputs } from '../pcap/inputs.js';
import { byteProgress } from '../pcap/progress.js';
import { interruptSignal } from '../pcap/interrupt.js';
import { PACKETS_CSV_HEADER, packetCsvRow, STATS_CSV_HEADER, statsCsvRow, statsText } from '../pcap/stats-output.js';
import { registerFollow } from '../pcap/follow-command.js';
import { registerPackets } from '../pcap/packets-command.js';
import { registerReport } from '../pcap/report-command.js';
import { localNetworks, noLocalMatchHint } from '../pcap/local-flag.js';

interface StatsFlags {
  local?: string[];
  csv?: string;
  packetsCsv?: string;
  json?: boolean;
}

/** Registers `netlab pcap ...`. */
export function registerPcap(program: Command): void {
  const pcap = program
    .command('pcap')
    .summary('analyse capture files (pcap, pcapng): statistics, packet list, TCP streams')
    .description('Analyse capture files (pcap and pcapng, as tcpdump, dumpcap, Wireshark and netlab --pcap write them): statistics, a packet list, and TCP streams.')
    .addHelpText('after', examples('netlab pcap stats traces/', 'netlab pcap packets lab-tcp.pcap', 'netlab pcap follow lab-tcp.pcap --stream 0'));
  pcap
    .command('stats')
    .summary('per-file statistics: packets, bytes, inter-arrival times, protocols')
    .description(
      'Per-file course statistics: packets and bytes in and out, inter-arrival times (mean, median, standard deviation), ' +
        'the protocol mix and the top conversations. A packet is "out" when its source is in a --local network, ' +
        'else "in" when its destination is, else "other". A directory stands for the capture files in it.',
    )
    .argument('<path...>', 'capture files or directories of captures ("-" reads standard input)')
    .option('--local <cidr,...>', 'local networks: a packet from one is "out", to one is "in" (default 192.168.0.0/16)', collect)
    .option('--csv <file>', 'write the statistics as CSV to FILE ("-" for stdout)')
    .option('--packets-csv <dir>', 'write <name>_out.csv with one row per packet into DIR')
    .option('--json', 'print one JSON document instead of text')
    .addHelpText(
      'after',
      examples(
        'netlab pcap stats traces/',
        'netlab pcap stats traces/ --local 192.168.0.0/16 --csv stats.csv',
        'netlab pcap stats lab-tcp.pcap --local 127.0.0.0/8 --json',
        'netlab pcap stats traces/ --packets-csv rows/',
      ),
    )
    .action(async (paths: string[], flags: StatsFlags) => runStats(paths, flags));
  registerPackets(pcap);
  registerFollow(pcap);
  registerReport(pcap);
}

async function runStats(paths: string[], flags: StatsFlags): Promise<void> {
  const out = new Output({ json: flags.json });
  if (flags.csv === '-' && flags.json === true) throw new UsageError('--csv - and --json would both write to stdout; give --csv a file name');
  const local = localNetworks(flags.local);
  const files = await expandInputs(paths, (p) => out.note(`skipping ${p}: not a capture file`));
  if (files.length === 0) throw new NetlabError('NETLAB_ERR_FILE', `no capture files found in ${paths.join(', ')}`);
  if (flags.packetsCsv !== undefined) mkdirSync(flags.packetsCsv, { recursive: true });
  const results: FileStats[] = [];
  let failed = false;
  const interrupt = interruptSignal();
  if (files.includes('-') && !fstatSync(0).isFile()) {
    out.note('reading a capture from standard input; Ctrl-C stops and prints the figures so far');
  }
  try {
    for (const file of files) {
      if (interrupt.signal.aborted) break;
      try {
        results.push(await statsOne(file, local, flags, interrupt.signal));
      } catch (err) {
        if (!(err instanceof NetlabError)) throw err;
        printError(err);
        failed = true;
      }
    }
  } finally {
    interrupt.dispose();
  }
  if (flags.csv !== undefined) {
    const text = `${[STATS_CSV_HEADER, ...results.map(statsCsvRow)].join('\n')}\n`;
    if (flags.csv === '-') process.stdout.write(text);
    else await writeFileText(flags.csv, text);
  }
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ files: results }, null, 2)}\n`);
  } else if (flags.csv !== '-' && results.length > 0) {
    out.info(results.map(statsText).join('\n\n'));
  }
  for (const r of results) for (const w of r.warnings) out.warn(`${r.file}: ${w.message}`);
  for (const r of results) {
    const hint = noLocalMatchHint(r, local);
    if (hint !== undefined) out.warn(`${r.file}: ${hint}`);
  }
  if (failed) process.exitCode = 1;
}

async function statsOne(file: string, local: NetworkSet, flags: StatsFlags, signal: AbortSignal): Promise<FileStats> {
  // Rows are written synchronously per read window, so a slow disk slows the
  // pass down instead of queueing rows in memory.
  let fd: number | undefined;
  let pending: string[] = [];
  const flush = () => {
    if (fd !== undefined && pending.length > 0) writeSync(fd, `${pending.join('\n')}\n`);
    pending = [];
  };
  if (flags.packetsCsv !== undefined) {
    const name = file === '-' ? 'stdin' : basename(file, extname(file));
    fd = openSync(join(flags.packetsCsv, `${name}_out.csv`), 'w');
    writeSync(fd, `${PACKETS_CSV_HEADER}\n`);
  }
  const { size } = await statSize(file);
  const bar = byteProgress(basename(file), size);
  try {
    return await captureStats(
      file === '-' ? process.stdin : file,
      {
        local,
        signal,
        onProgress: (n) => {
          bar.update(n);
          flush();
        },
        ...(fd !== undefined ? { onPacketRow: (r) => void pending.push(packetCsvRow(r)) } : {}),
        capture: { name: 'stdin' },
      },
      file === '-' ? 'stdin' : file,
    );
  } finally {
    bar.stop();
    flush();
    if (fd !== undefined) closeSync(fd);
  }
}

async function statSize(file: string): Promise<{ size: number | undefined }> {
  if (file === '-') return { size: undefined };
  const { stat } = await import('node:fs/promises');
  const st = await stat(file);
  return { size: st.isFile() ? st.size : undefined };
}

async function writeFileText(path: string, text: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, text);
}
