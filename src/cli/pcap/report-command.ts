/** `netlab pcap report FILE`: one self-contained HTML page that pictures a capture (or its data as JSON). */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { captureReport, writeReportPage, type CaptureReport } from '../../pcap/report/index.js';
import { DEFAULTS } from '../../constants.js';
import { FileError } from '../../errors.js';
import { examples } from '../help.js';
import { collect, positiveInteger } from '../parse.js';
import { Output } from '../output.js';
import { loadKeyLog } from './follow-command.js';
import { interruptSignal } from './interrupt.js';
import { localNetworks, noLocalMatchHint } from './local-flag.js';
import { byteProgress } from './progress.js';
import { bytes } from '../../pcap/report/page/format.js';

interface ReportFlags {
  output?: string;
  local?: string[];
  keylog?: string;
  streams: number;
  json?: boolean;
}

/** Registers `pcap report`. */
export function registerReport(pcap: Command): void {
  pcap
    .command('report')
    .summary('one HTML page that pictures a capture: statistics, traffic, inter-arrival times, TCP ladders')
    .description(
      'Write one self-contained HTML page (no script, no network request; it opens offline in any browser) that shows ' +
        'the course statistics of `pcap stats`, traffic over time in and out, the inter-arrival distributions with mean and median, ' +
        'the protocol hierarchy, the top conversations and talkers, and for the first TCP streams a ladder diagram ' +
        '(every segment with its flags, relative seq/ack and length) and a time-sequence graph. TLS streams show their version ' +
        'and cipher, and are decrypted with --keylog. The page is named after the capture (NAME.html in the current directory) unless -o names it.',
    )
    .argument('<file>', 'capture file ("-" reads standard input)')
    .option('-o, --output <file>', 'the page to write (default: the capture\'s name with .html, in the current directory)')
    .option('--local <cidr,...>', 'local networks: a packet from one is "out", to one is "in" (default 192.168.0.0/16)', collect)
    .option('--keylog <file>', 'NSS key log (SSLKEYLOGFILE): TLS 1.2/1.3 streams drawn are decrypted')
    .option('--streams <n>', 'TCP streams given a ladder and a time-sequence graph', positiveInteger('number of streams', 0), DEFAULTS.reportStreams)
    .option('--json', "print the report's data as one JSON document instead of writing the page")
    .addHelpText(
      'after',
      examples(
        'netlab pcap report lab-tcp.pcap --local 127.0.0.0/8',
        'netlab pcap report lab-tls.pcap --keylog lab-keys.log -o tls-report.html',
        'netlab pcap report traces/tcpdump-dns_tcp.pcap --streams 3',
        'netlab pcap report lab-tcp.pcap --json > report.json',
      ),
    )
    .action(async (file: string, flags: ReportFlags) => runReport(file, flags));
}

/** The default page name: the capture's file name with .html in place of its extension, in the current directory. */
export function defaultReportName(file: string): string {
  return file === '-' ? 'stdin.html' : `${basename(file, extname(file))}.html`;
}

async function runReport(file: string, flags: ReportFlags): Promise<void> {
  const out = new Output({ json: flags.json });
  const local = localNetworks(flags.local);
  const keyLog = flags.keylog === undefined ? undefined : await loadKeyLog(flags.keylog, out);
  const size = file === '-' ? undefined : await fileSize(file);
  const bar = byteProgress(basename(file), size);
  const interrupt = interruptSignal();
  let report: CaptureReport;
  try {
    report = await captureReport(
      file === '-' ? process.stdin : file,
      { local, keyLog, streams: flags.streams, signal: interrupt.signal, onProgress: (n) => bar.update(n), capture: { name: 'stdin' } },
      file === '-' ? 'stdin' : file,
    );
  } finally {
    bar.stop();
    interrupt.dispose();
  }
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const output = flags.output ?? defaultReportName(file);
    const size = await writeReportPage(report, output);
    out.info(`wrote ${output} (${bytes(size)}): open it in any browser, e.g. file://${resolve(output)}`);
  }
  for (const w of [...report.warnings, ...report.reportWarnings]) out.warn(`${report.file}: ${w.message}`);
  const hint = noLocalMatchHint(report, local);
  if (hint !== undefined) out.warn(`${report.file}: ${hint}`);
}

/**
 * @throws FileError when the capture does not exist
 */
async function fileSize(file: string): Promise<number | undefined> {
  try {
    const st = await stat(file);
    return st.isFile() ? st.size : undefined;
  } catch (err) {
    throw new FileError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}
