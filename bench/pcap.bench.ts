/**
 * `npm run bench:pcap`: makes a ~1 GB capture of mixed packet sizes in the
 * temp directory, then times `netlab pcap stats` (all course metrics,
 * protocol mix, conversations) against `capinfos` and `tshark -q -z
 * io,stat,0` on the same file in the same run, `netlab pcap follow`, and
 * `netlab pcap packets -Y FILTER -e frame.number` against tshark with the
 * same filter.
 * Prints a Markdown table (MB/s, packets/s, ratios) and writes it into the
 * `bench:pcap` section of docs/performance.md. The file is deleted.
 *
 * Then `pcap report` on the same file (bench/report-bench.ts): time against
 * stats, peak RSS, page size and render time in Chromium, written into the
 * `bench:pcap-report` section.
 *
 * Environment: NETLAB_BENCH_MB (default 1024) sets the capture size;
 * NETLAB_BENCH_RUNS (default 2) the runs per tool (the best is reported);
 * NETLAB_BENCH_ONLY=report runs only the `pcap report` part.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, writeSection } from './peer-runner.js';
import { writeSyntheticCapture } from './synth-capture.js';
import { reportBench } from './report-bench.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const SIZE_MB = Number(process.env.NETLAB_BENCH_MB ?? 1024);
const RUNS = Number(process.env.NETLAB_BENCH_RUNS ?? 2);
const START = '<!-- bench:pcap:start -->';
const END = '<!-- bench:pcap:end -->';
const REPORT_START = '<!-- bench:pcap-report:start -->';
const REPORT_END = '<!-- bench:pcap-report:end -->';
const ONLY = process.env.NETLAB_BENCH_ONLY;
/** The packet view's filters timed against tshark: header fields only, and an application-layer field (HTTP over reassembled TCP). */
const FILTERS = ['tcp.port == 80 && tcp.len > 1000', 'http.request'];

interface Row {
  name: string;
  command: string;
  seconds: number;
}

function time(name: string, cmd: string, args: string[]): Row {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr?.toString()}`);
    best = Math.min(best, s);
  }
  return { name, command: [cmd === process.execPath ? 'node' : cmd, ...args].join(' '), seconds: best };
}

async function main(): Promise<void> {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const dir = mkdtempSync(join(tmpdir(), 'netlab-bench-'));
  try {
    const file = join(dir, 'bench.pcap');
    process.stderr.write(`writing a ${SIZE_MB} MB capture to ${file} ...\n`);
    const made = writeSyntheticCapture(file, SIZE_MB * 1024 * 1024, 42);
    const bytes = statSync(file).size;
    if (ONLY !== 'report') tools(file, bytes, made.packets);
    const report = [
      REPORT_START,
      '## Capture report (`npm run bench:pcap`, the `pcap report` part)',
      '',
      `${machine()}. The synthetic capture of bench/synth-capture.ts (NETLAB_BENCH_MB=${SIZE_MB}): ${(bytes / 1e6).toFixed(0)} MB, ${made.packets} packets; best of ${RUNS} runs, each a whole process.`,
      '',
      ...(await reportBench(MAIN, file, dir, RUNS)),
      '',
      REPORT_END,
    ];
    process.stdout.write(`${report.join('\n')}\n`);
    writeSection(REPORT_START, REPORT_END, report.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Times netlab's stats, follow and packet view against capinfos and tshark; writes the `bench:pcap` section. */
function tools(file: string, bytes: number, packets: number): void {
  const rows: Row[] = [
    time('netlab pcap stats', process.execPath, [MAIN, 'pcap', 'stats', file, '--json']),
    time('capinfos', 'capinfos', [file]),
    time('tshark -q -z io,stat,0', 'tshark', ['-q', '-z', 'io,stat,0', '-r', file]),
    time('netlab pcap follow --stream 0', process.execPath, [MAIN, 'pcap', 'follow', file, '--stream', '0', '--format', 'raw']),
    time('netlab pcap follow --list', process.execPath, [MAIN, 'pcap', 'follow', file, '--list', '--json']),
    ...FILTERS.flatMap((filter) => [
      time(`netlab pcap packets -Y '${filter}' -e frame.number`, process.execPath, [MAIN, 'pcap', 'packets', file, '-Y', filter, '-e', 'frame.number']),
      time(`tshark -Y '${filter}' -T fields -e frame.number`, 'tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number']),
    ]),
  ];
  const filterRatios = FILTERS.map((filter) => {
    const ours = rows.find((r) => r.name.startsWith(`netlab pcap packets -Y '${filter}'`))!.seconds;
    const theirs = rows.find((r) => r.name.startsWith(`tshark -Y '${filter}'`))!.seconds;
    return `- \`-Y '${filter}' -e frame.number\`: netlab ${ours.toFixed(2)} s, tshark ${theirs.toFixed(2)} s: netlab is ${(theirs / ours).toFixed(1)}x faster.`;
  });
  const stats = rows[0]!.seconds;
  const lines = [
    START,
    '## Capture analysis against capinfos and tshark (`npm run bench:pcap`)',
    '',
    'bench/pcap.bench.ts writes a capture of mixed packet sizes into the temp directory (bench/synth-capture.ts: ' +
      'Ethernet/IPv4, 64 TCP streams with consistent sequence numbers plus UDP, frames of 60 to 1514 bytes, local and remote hosts), ' +
      'times each tool on that same file in the same run, each as a whole process (start-up included), and deletes the file. ' +
      '`NETLAB_BENCH_MB` and `NETLAB_BENCH_RUNS` change the size and the number of runs.',
    '',
    `${machine()}. Capture: ${(bytes / 1e6).toFixed(0)} MB, ${packets} packets (Ethernet/IPv4, TCP and UDP, 60-1514 bytes), page cache warm; best of ${RUNS} runs.`,
    '',
    '| tool | seconds | MB/s | packets/s | netlab stats is faster by |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.seconds.toFixed(2)} | ${(bytes / 1e6 / r.seconds).toFixed(0)} | ${(packets / r.seconds / 1e6).toFixed(2)} M | ${r.name.startsWith('netlab') ? '' : `${(r.seconds / stats).toFixed(1)}x`} |`,
    ),
    '',
    'Display filters against tshark with the same filter and field (the packet view; target: netlab at least 10x faster):',
    '',
    ...filterRatios,
    '',
    'Commands:',
    ...rows.map((r) => `- ${r.name}: \`${r.command.replace(file, 'FILE').replace(MAIN, 'dist/cli/main.js')}\``),
    '',
    '`netlab pcap stats` computes everything it prints (all course metrics with the exact median, protocol mix, top conversations, ' +
      'first/last). How: one reused read window filled with `FileHandle.read`, record headers read with inline byte arithmetic, one reused ' +
      '`PacketRecord` and `Dissection` (offsets, no per-layer objects), numeric per-protocol counters, a two-level numeric map for IPv4 ' +
      'conversations, and inter-arrival samples appended to fixed Float64Array chunks: nothing is allocated per packet on the stats path. ' +
      'Targets: stats >= 1 GB/s (>= 3x capinfos, >= 7x tshark io,stat), follow >= 300 MB/s.',
    '',
    END,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeSection(START, END, lines.join('\n'));
  }

await main();
