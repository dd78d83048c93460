/**
 * `netlab scan HOST`: TCP connect scan (nmap -sT) or UDP probe scan (--udp),
 * nmap's port syntax and port table, --json as in the contract, a progress
 * bar on a TTY, exit 0 whenever the scan ran (also after Ctrl-C: the ports
 * finished so far are reported).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type cliProgress from 'cli-progress';
import { DEFAULTS } from '../../constants.js';
import { UsageError } from '../../errors.js';
import { parsePortSpec } from '../../scan/port-spec.js';
import { scan, type ScanOptions, type ScanProgress } from '../../scan/scanner.js';
import { topPorts } from '../../scan/services.js';
import { examples } from '../help.js';
import { Output, paint } from '../output.js';
import { positiveInteger } from '../parse.js';
import { formatScanTable, formatSummary, scanJson } from './scan-table.js';
import { withFlagNames } from '../option-flags.js';

interface ScanFlags {
  ports?: number[];
  topPorts?: number;
  udp?: boolean;
  concurrency?: number;
  timeout?: number;
  rate?: number;
  retries?: number;
  banner?: boolean;
  bannerTimeout?: number;
  all?: boolean;
  json?: boolean;
  progress: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
}

/** -p value: nmap's syntax, a usage error (exit 2) otherwise. */
function portSpecOption(value: string): number[] {
  try {
    return parsePortSpec(value);
  } catch (err) {
    if (err instanceof UsageError) throw new InvalidArgumentError(withFlagNames(err.message));
    throw err;
  }
}

function wholeNumberInRange(what: string, min: number, max: number): (value: string) => number {
  const parse = positiveInteger(what, min);
  return (value: string) => {
    const n = parse(value);
    if (n > max) throw new InvalidArgumentError(`"${value}" is not a valid ${what}; use a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** Registers `netlab scan`. */
export function registerScan(program: Command): void {
  const s = DEFAULTS.scan;
  program
    .command('scan')
    .summary('scan the ports of one host: TCP connect like nmap -sT, or UDP probes')
    .description(
      'Scan the ports of one host: a TCP connect scan like nmap -sT (no root needed), or a UDP probe scan with --udp. ' +
        "States are nmap's: open (connected / answered), closed (refused: TCP RST or ICMP port unreachable), " +
        'filtered (no answer after a retry, or an ICMP error). Only scan hosts you are allowed to scan.',
    )
    .argument('<host>', 'name or address to scan (127.0.0.1, localhost, ::1)')
    .option('-p, --ports <spec>', 'ports in nmap syntax: 22, 1-1024, 22,80,8000-8100, - (or -p-) for 1-65535; default: the 1000 most common', portSpecOption)
    .option('--top-ports <n>', 'scan the N most common ports instead (1-1000)', wholeNumberInRange('number of ports', 1, 1000))
    .option('--udp', 'UDP probe scan: a reply is open, ICMP port unreachable is closed, silence is open|filtered')
    .option('--concurrency <n>', `attempts in flight at once (default ${s.tcpConcurrency} for TCP, ${s.udpConcurrency} for UDP)`, wholeNumberInRange('concurrency', 1, 65535))
    .option('--timeout <ms>', `fixed wait per attempt in ms (default: adapts to the measured round-trip time, ${s.minRttTimeoutMs}-${s.maxRttTimeoutMs} ms like nmap -T4)`, positiveInteger('timeout in ms'))
    .option('--rate <n>', `at most N attempts started per second (default: no cap for TCP, ${s.udpRatePerSecond} for UDP)`, positiveInteger('rate'))
    .option('--retries <n>', `extra attempts for a port that did not answer (default ${s.retries})`, wholeNumberInRange('retry count', 0, 10))
    .option('--banner', 'read and show what each open service says first (SSH, SMTP, FTP greetings)')
    .option('--banner-timeout <ms>', `how long to wait for a banner, in ms (default ${s.bannerTimeoutMs})`, positiveInteger('timeout in ms'))
    .option('--all', 'list every port scanned with its state, not only the open ones')
    .option('--json', 'print one JSON document: {host, ports, open, closed, filtered, elapsed_ms}')
    .option('--no-progress', 'no progress bar (it is only shown on a terminal anyway)')
    .option('-4, --ipv4', 'use the IPv4 address of HOST')
    .option('-6, --ipv6', 'use the IPv6 address of HOST')
    .addHelpText(
      'after',
      examples('netlab scan 127.0.0.1 -p-', 'netlab scan localhost -p 22,80,8000-8100 --banner', 'netlab scan 127.0.0.1 --udp -p 53,123,5000-5010 --all', 'netlab scan 127.0.0.1 --top-ports 100 --json'),
    )
    .action(async (host: string, flags: ScanFlags) => {
      await runScan(host, flags);
    });
}

async function runScan(host: string, flags: ScanFlags): Promise<void> {
  if (flags.ipv4 && flags.ipv6) throw new UsageError('-4 and -6 cannot be used together');
  if (flags.ports !== undefined && flags.topPorts !== undefined) throw new UsageError('use either -p or --top-ports, not both');
  const proto = flags.udp ? 'udp' : 'tcp';
  if (flags.banner && proto === 'udp') throw new UsageError('--banner works with TCP scans only');
  const out = new Output({ json: flags.json });
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const ports = flags.ports ?? (flags.topPorts !== undefined ? topPorts(proto, flags.topPorts) : undefined);
  const options: ScanOptions = {
    host,
    proto,
    signal: abort.signal,
    family: flags.ipv4 ? 4 : flags.ipv6 ? 6 : 0,
  };
  if (ports !== undefined) options.ports = ports;
  if (flags.concurrency !== undefined) options.concurrency = flags.concurrency;
  if (flags.timeout !== undefined) options.timeoutMs = flags.timeout;
  if (flags.rate !== undefined) options.rate = flags.rate;
  if (flags.retries !== undefined) options.retries = flags.retries;
  if (flags.banner) options.banner = true;
  if (flags.bannerTimeout !== undefined) options.bannerTimeoutMs = flags.bannerTimeout;

  // cli-progress is loaded only when a bar will be drawn: start-up time counts for short scans.
  const bar = flags.progress && process.stderr.isTTY === true ? new ProgressBar((await import('cli-progress')).default) : undefined;
  if (bar !== undefined) options.onProgress = (p) => bar.update(p);
  let report;
  try {
    report = await scan(options);
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (out.json) {
    out.event(scanJson(report, flags.all === true));
  } else {
    for (const line of formatScanTable(report, { all: flags.all === true, banner: flags.banner === true })) {
      out.info(colourRow(line));
    }
    out.info(formatSummary(report));
  }
  if (report.selfConnects > 0) {
    out.note(`note: ${report.selfConnects} loopback connect(s) reached the scanner's own socket (TCP simultaneous open) and were counted closed, not open`);
  }
}

function colourRow(line: string): string {
  const m = /^(\d+\/(?:tcp|udp)\s+)(open\|filtered|open|closed|filtered)(\s.*)?$/.exec(line);
  if (m === null) return line;
  const colour = m[2] === 'open' ? 'green' : m[2] === 'closed' ? 'red' : 'yellow';
  return `${m[1]}${paint(process.stdout, colour, m[2] as string)}${m[3] ?? ''}`;
}

/** The TTY progress bar (stderr), started on the first update of a long enough scan. */
class ProgressBar {
  readonly #lib: typeof cliProgress;
  #bar: cliProgress.SingleBar | undefined;

  constructor(lib: typeof cliProgress) {
    this.#lib = lib;
  }

  update(p: ScanProgress): void {
    if (this.#bar === undefined) {
      if (p.total < 100) return;
      this.#bar = new this.#lib.SingleBar(
        {
          stream: process.stderr,
          format: 'scanning [{bar}] {percentage}% | {value}/{total} ports | {open} open',
          clearOnComplete: true,
          hideCursor: true,
          barsize: 30,
        },
        this.#lib.Presets.shades_classic,
      );
      this.#bar.start(p.total, p.done, { open: p.open });
      return;
    }
    this.#bar.update(p.done, { open: p.open });
  }

  stop(): void {
    this.#bar?.stop();
  }
}
