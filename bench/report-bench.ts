/**
 * The `pcap report` part of `npm run bench:pcap`: on the same synthetic
 * capture, `pcap report --json` and the page against `pcap stats --json`
 * (time ratio; target at most 3x), peak RSS of each (GNU time's maximum
 * resident set size) on the capture and on one a quarter of its size (target
 * under 300 MB and not growing with the file), the page's size (target under
 * 2 MB) and how long Chromium takes to load and lay it out (target under 2 s).
 */
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeSyntheticCapture } from './synth-capture.js';

const CHROMIUM = '/usr/lib/chromium/chromium';

interface Run {
  seconds: number;
  rssMB: number;
}

/** Best wall time and the peak RSS of that run, each run a whole process under /usr/bin/time. */
function measure(main: string, args: string[], runs: number): Run {
  let best: Run = { seconds: Infinity, rssMB: 0 };
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, main, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()}`);
    const kib = Number(r.stderr.toString().trim().split('\n').pop());
    if (seconds < best.seconds) best = { seconds, rssMB: kib / 1024 };
  }
  return best;
}

/** Loads the page in Chromium from disk: milliseconds to its load event (navigation timing), best of `runs`. */
async function renderMs(page: string, runs: number): Promise<number> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
      const tab = await context.newPage();
      await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
      const ms = Number(await tab.evaluate('performance.getEntriesByType("navigation")[0].loadEventEnd'));
      best = Math.min(best, ms);
      await context.close();
    }
    return best;
  } finally {
    await browser.close();
  }
}

/**
 * Measures and returns the Markdown lines of the section.
 * @param file the synthetic capture already written
 * @param dir a temp directory for the smaller capture and the page
 */
export async function reportBench(main: string, file: string, dir: string, runs: number): Promise<string[]> {
  const bytes = statSync(file).size;
  const quarter = join(dir, 'quarter.pcap');
  writeSyntheticCapture(quarter, Math.floor(bytes / 4), 42);
  const page = join(dir, 'bench.html');
  try {
    const stats = measure(main, ['pcap', 'stats', file, '--json'], runs);
    const json = measure(main, ['pcap', 'report', file, '--json'], runs);
    const html = measure(main, ['pcap', 'report', file, '-o', page], runs);
    const small = measure(main, ['pcap', 'report', quarter, '-o', join(dir, 'quarter.html')], runs);
    const pageBytes = statSync(page).size;
    const render = await renderMs(page, runs);
    const mb = (n: number) => (n / 1e6).toFixed(0);
    return [
      '### `pcap report` on the same capture',
      '',
      '| command | seconds | against stats | peak RSS |',
      '|---|---:|---:|---:|',
      `| netlab pcap stats --json | ${stats.seconds.toFixed(2)} | 1.0x | ${stats.rssMB.toFixed(0)} MB |`,
      `| netlab pcap report --json | ${json.seconds.toFixed(2)} | ${(json.seconds / stats.seconds).toFixed(1)}x | ${json.rssMB.toFixed(0)} MB |`,
      `| netlab pcap report -o page.html | ${html.seconds.toFixed(2)} | ${(html.seconds / stats.seconds).toFixed(1)}x | ${html.rssMB.toFixed(0)} MB |`,
      `| netlab pcap report -o page.html, capture of ${mb(statSync(quarter).size)} MB | ${small.seconds.toFixed(2)} | | ${small.rssMB.toFixed(0)} MB |`,
      '',
      `The page: ${(pageBytes / 1024).toFixed(0)} KiB; Chromium reaches its load event in ${render.toFixed(0)} ms (navigation timing, file:// URL, best of ${runs}). ` +
        'Targets: report at most 3x stats, peak RSS under 300 MB and not growing with the file (compare the two sizes), page under 2 MB, rendered in under 2 s.',
    ];
  } finally {
    rmSync(quarter, { force: true });
  }
}
