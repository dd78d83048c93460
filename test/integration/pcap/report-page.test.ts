/**
 * The `pcap report` page in a real Chromium (Debian's, driven by
 * playwright-core, which downloads no browser), for captures made here:
 * TCP echo, HTTP (tcpdump on loopback), UDP, TLS 1.3 with its key log, and a
 * capture cut short. Each page: no console error (a CSP violation is one),
 * no request but the page itself, every chart with its title, axis labels,
 * legend and marks, the figures equal to `pcap stats --json`, and a
 * screenshot that is not blank.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli, startServeCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp.js';
import { startCapture, stopCapture } from '../../helpers/tls-capture.js';
import type { FileStats } from '../../../src/pcap/stats.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
const WAIT_MS = 15_000;
/** The server side of every capture: the client is 127.0.0.1, so --local 127.0.0.1/32 makes its packets out and the server's in. */
const SERVER_HOST = '127.0.0.2';
const LOCAL = '127.0.0.1/32';
const HOSTILE = '<script>alert(1)</script>';

async function browser(t: TestContext): Promise<Browser> {
  const b = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
  t.after(() => b.close());
  return b;
}

/** A TCP echo conversation recorded by the server's socket tap. */
async function echoCapture(dir: string, messages: string[]): Promise<string> {
  const file = join(dir, 'echo.pcap');
  const { proc, port } = await startServeCli(['tcp', '--host', SERVER_HOST, '--pcap', file]);
  try {
    const r = await runCli(['connect', 'tcp', SERVER_HOST, String(port), ...messages.flatMap((m) => ['-m', m])]);
    assert.equal(r.code, 0, r.stderr);
    await proc.waitFor(/"event":"close"/, WAIT_MS, 'stdout');
  } finally {
    await proc.stop();
  }
  return file;
}

/** UDP datagrams both ways, recorded by the server's socket tap. */
async function udpCapture(dir: string): Promise<string> {
  const file = join(dir, 'udp.pcap');
  const { proc, port } = await startServeCli(['udp', '--host', SERVER_HOST, '-m', 'upper', '--pcap', file]);
  try {
    const r = await runCli(['connect', 'udp', SERVER_HOST, String(port), '-m', 'one', '-m', 'two', '-m', 'three']);
    assert.equal(r.stdout, 'ONE\nTWO\nTHREE\n', r.stderr);
  } finally {
    await proc.stop();
  }
  return file;
}

/** A TLS 1.3 echo conversation recorded by the server's socket tap, with the key log it wrote. */
async function tlsCapture(dir: string): Promise<{ file: string; keyLog: string }> {
  const file = join(dir, 'tls.pcap');
  const keyLog = join(dir, 'keys.log');
  const { proc, port } = await startServeCli(['tls', '--host', SERVER_HOST, '--pcap', file, '--keylog', keyLog]);
  try {
    const r = await runCli(['connect', 'tls', SERVER_HOST, String(port), '--insecure', '-m', 'secret=hunter2']);
    assert.equal(r.stdout, 'secret=hunter2\n', r.stderr);
    await proc.waitFor(/"event":"close"/, WAIT_MS, 'stdout');
  } finally {
    await proc.stop();
  }
  return { file, keyLog };
}

/** A real HTTP/1.1 exchange captured by tcpdump on loopback, asking for a path with markup in it. */
async function httpCapture(t: TestContext, dir: string): Promise<string> {
  const server = createHttpServer((req, res) => {
    res.setHeader('Connection', 'close');
    res.end(`you asked for ${req.url}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, SERVER_HOST, resolve));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const file = join(dir, 'http.pcap');
  const tcpdump = await startCapture(file, port);
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: SERVER_HOST, port, path: `/search/${HOSTILE}`, agent: false, headers: { Connection: 'close' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    assert.match(body, /you asked for/);
  } finally {
    await stopCapture(tcpdump, file);
  }
  return file;
}

async function stats(file: string, extra: string[] = []): Promise<FileStats> {
  const r = await runCli(['pcap', 'stats', file, '--local', LOCAL, '--json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { files: FileStats[] }).files[0]!;
}

async function report(file: string, extra: string[] = []): Promise<string> {
  const out = file.replace(/\.pcap$/, '.html');
  const r = await runCli(['pcap', 'report', file, '--local', LOCAL, '-o', out, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
  url: string;
}

async function open(b: Browser, t: TestContext, html: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Opened> {
  const context = await b.newContext({ colorScheme, viewport: { width: 1000, height: 900 } });
  t.after(() => context.close());
  // Content-Security-Policy violations are events in the page, not console messages: record them from the start.
  await context.addInitScript({
    content: "globalThis.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => globalThis.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const opened: Opened = { page, errors: [], requests: [], url: pathToFileURL(html).href };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') opened.errors.push(m.text());
  });
  page.on('pageerror', (e) => opened.errors.push(e.message));
  page.on('request', (r) => opened.requests.push(r.url()));
  await page.goto(opened.url, { waitUntil: 'load' });
  return opened;
}

function valueAt(stats: FileStats, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], stats);
}

/** Distinct byte values of a PNG's inflated image data: a blank (one-colour) page has a handful. */
function pngVariety(png: Buffer): number {
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return new Set(inflateSync(Buffer.concat(idat))).size;
}

/** Everything every report page must pass. */
async function assertPage(o: Opened, s: FileStats): Promise<void> {
  const { page } = o;
  assert.deepEqual(o.errors, [], 'no console errors (a Content-Security-Policy violation would be one)');
  assert.deepEqual(o.requests, [o.url], 'no request but the page itself');
  assert.equal(await page.locator('script').count(), 0, 'no script element at all');
  assert.deepEqual(await page.evaluate('globalThis.cspViolations'), [], 'nothing the Content-Security-Policy refused');
  assert.equal(await page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth"), '940px', 'the inline style sheet applies (its hash is in the policy)');
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(csp ?? '', /default-src 'none'/);

  // Every figure on the page: a title, both axis labels, a legend, and marks.
  const charts = await page.locator('figure.chart:not(.empty)').evaluateAll((figs) =>
    figs.map((f) => ({
      chart: f.getAttribute('data-chart'),
      title: f.querySelector('figcaption')?.textContent ?? '',
      xLabel: f.querySelector('.axis-label.x')?.textContent ?? '',
      yLabel: f.querySelector('.axis-label.y')?.textContent ?? '',
      legend: f.querySelectorAll('.legend-item').length,
      marks: f.querySelectorAll('.mark').length,
      height: f.querySelector('svg')?.getBoundingClientRect().height ?? 0,
    })),
  );
  const names = charts.map((c) => c.chart);
  for (const needed of ['traffic-packets', 'traffic-bytes', 'iat-in', 'iat-out']) assert.ok(names.includes(needed), `chart ${needed} is drawn (${names.join(', ')})`);
  for (const c of charts) {
    assert.ok(c.title.length > 5, `${c.chart}: a title`);
    assert.ok(c.xLabel.length > 3 && c.yLabel.length > 3, `${c.chart}: both axes labelled (${c.xLabel} / ${c.yLabel})`);
    assert.ok(c.legend > 0, `${c.chart}: a legend`);
    assert.ok(c.marks > 0, `${c.chart}: something drawn`);
    assert.ok(c.height > 100, `${c.chart}: drawn at a visible size`);
  }
  for (const c of charts.filter((x) => /^(traffic|iat)/.test(x.chart ?? ''))) {
    assert.match(`${c.xLabel} ${c.yLabel}`, /\((s|ms|µs)\)|per \d|log scale/, `${c.chart}: units on the axes`);
  }
  if (s.protocols.tcp !== undefined) {
    const streams = await page.locator('section.stream').count();
    assert.ok(streams > 0, 'TCP streams get a section');
    assert.equal(await page.locator('figure.ladder').count(), streams);
    assert.equal(await page.locator('figure[data-chart^="tseq-"]').count(), streams);
  }

  // The figures: each data-value is the pcap stats --json value at its data-field, and the course ones are all there.
  const figures = await page.locator('[data-field]').evaluateAll((els) => els.map((e) => ({ field: e.getAttribute('data-field')!, value: e.getAttribute('data-value')!, text: e.textContent ?? '' })));
  const fields = figures.map((f) => f.field);
  for (const needed of ['packets', 'bytes', 'duration', 'in.packets', 'in.bytes', 'in.iat.mean', 'in.iat.median', 'in.iat.std', 'out.packets', 'out.bytes', 'out.iat.mean', 'out.iat.median', 'out.iat.std']) {
    assert.ok(fields.includes(needed), `the page shows ${needed}`);
  }
  for (const f of figures) {
    const expected = valueAt(s, f.field);
    assert.deepEqual(JSON.parse(f.value), expected, `${f.field} on the page equals pcap stats --json`);
    if (Number.isInteger(expected) && !['first', 'last'].includes(f.field)) {
      assert.ok(f.text.replace(/,/g, '').startsWith(String(expected)), `${f.field} shown as ${String(expected)} (${f.text})`);
    }
  }

  const shot = await page.screenshot({ fullPage: true });
  assert.ok(pngVariety(shot) > 40, 'the screenshot is not blank');
}

/** The flags of the ladder's segments of stream 0, in order, with their lengths. */
async function ladder(page: Page): Promise<{ flags: string; len: number; text: string }[]> {
  return page.locator('#stream-0 .seg').evaluateAll((segs) =>
    segs.map((g) => ({ flags: g.getAttribute('data-flags') ?? '', len: Number(g.getAttribute('data-len')), text: g.textContent ?? '' })),
  );
}

test('TCP echo: the page passes every check, and its ladder shows SYN, SYN/ACK, ACK, the data and FIN in order', async (t) => {
  const dir = tempDir(t);
  const file = await echoCapture(dir, ['hello', HOSTILE, 'bye']);
  const b = await browser(t);
  const s = await stats(file);
  assert.ok(s.in.packets > 1 && s.out.packets > 1, 'packets both ways');
  const o = await open(b, t, await report(file));
  await assertPage(o, s);
  const segs = await ladder(o.page);
  const at = (pred: (x: { flags: string; len: number }) => boolean) => segs.findIndex(pred);
  const syn = at((x) => x.flags === 'SYN');
  const synAck = at((x) => x.flags === 'SYN, ACK');
  const ack = at((x, ) => x.flags === 'ACK' && x.len === 0);
  const data = at((x) => x.len > 0);
  const fin = at((x) => x.flags.includes('FIN'));
  assert.deepEqual([syn, synAck, ack], [0, 1, 2], 'the three-way handshake first');
  assert.ok(data > ack && fin > data, `data after the handshake, FIN after the data (${segs.map((x) => x.flags).join(' | ')})`);
  assert.match(segs[0]!.text, /SYN\s+seq=0\s+len=0/);
  assert.match(segs[1]!.text, /SYN, ACK\s+seq=0 ack=1\s+len=0/);
  // The payload is on the page as text: markup from the capture is shown, never parsed.
  const shown = await o.page.locator('#stream-0').textContent();
  assert.ok(shown?.includes(HOSTILE), 'the hostile payload is shown as text');
  assert.equal(await o.page.locator('#stream-0 script').count(), 0);
  // Dark mode and print restyle the same page.
  const light = await o.page.evaluate('getComputedStyle(document.body).backgroundColor');
  const dark = await open(b, t, o.url.replace('file://', ''), 'dark');
  const darkBg = await dark.page.evaluate('getComputedStyle(document.body).backgroundColor');
  assert.notEqual(darkBg, light, 'prefers-color-scheme: dark gives the dark palette');
  await dark.page.emulateMedia({ media: 'print' });
  assert.equal(await dark.page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(255, 255, 255)', 'print is on white');
  assert.deepEqual(dark.errors, []);
});

test('HTTP over loopback (tcpdump): the page passes every check, the hierarchy names http, and a path with markup stays text', async (t) => {
  const dir = tempDir(t);
  const file = await httpCapture(t, dir);
  const b = await browser(t);
  const o = await open(b, t, await report(file));
  await assertPage(o, await stats(file));
  const hierarchy = await o.page.locator('table.hierarchy').textContent();
  assert.match(hierarchy ?? '', /http/);
  const text = (await o.page.locator('#stream-0').textContent()) ?? '';
  assert.ok(text.includes(`GET /search/${HOSTILE}`), 'the request line is on the page as text');
  assert.ok(!readFileSync(file.replace(/\.pcap$/, '.html'), 'utf8').includes(HOSTILE), 'escaped in the file');
});

test('UDP: the page passes every check and says there are no TCP streams', async (t) => {
  const dir = tempDir(t);
  const file = await udpCapture(dir);
  const b = await browser(t);
  const s = await stats(file);
  assert.equal(s.protocols.udp, 6);
  const o = await open(b, t, await report(file));
  await assertPage(o, s);
  assert.match((await o.page.locator('[data-section="streams"]').textContent()) ?? '', /No TCP streams/);
});

test('TLS 1.3 with its key log: the stream is marked with version and cipher, decrypted, and the page passes every check', async (t) => {
  const dir = tempDir(t);
  const { file, keyLog } = await tlsCapture(dir);
  const b = await browser(t);
  const o = await open(b, t, await report(file, ['--keylog', keyLog]));
  await assertPage(o, await stats(file));
  const badge = o.page.locator('#stream-0 .tls-badge');
  assert.equal(await badge.getAttribute('data-tls-version'), 'TLS 1.3');
  assert.equal(await badge.getAttribute('data-tls-status'), 'decrypted');
  assert.match((await badge.textContent()) ?? '', /TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)/);
  const segs = await ladder(o.page);
  assert.ok(segs.some((x) => x.text.includes('Client Hello')), 'the Client Hello is named');
  assert.ok(segs.some((x) => x.text.includes('secret=hunter2')), 'the application data is shown decrypted');
  // Without the key log: still TLS 1.3 and its cipher, and no plaintext.
  const plain = await open(b, t, await report(file));
  assert.deepEqual(plain.errors, []);
  assert.equal(await plain.page.locator('#stream-0 .tls-badge').getAttribute('data-tls-version'), 'TLS 1.3');
  assert.ok(!((await plain.page.locator('#stream-0').textContent()) ?? '').includes('hunter2'));
});

test('a capture cut short: the page is written with the reader\'s warning and passes every check', async (t) => {
  const dir = tempDir(t);
  const whole = await echoCapture(dir, ['first line', 'second line', 'third line']);
  const file = join(dir, 'cut.pcap');
  copyFileSync(whole, file);
  truncateSync(file, statSync(file).size - 20);
  const b = await browser(t);
  const s = await stats(file);
  assert.ok(s.warnings.length > 0);
  const o = await open(b, t, await report(file));
  await assertPage(o, s);
  const warning = o.page.locator('[data-section="warnings"]');
  assert.equal(await warning.getAttribute('role'), 'alert');
  assert.ok(((await warning.textContent()) ?? '').includes(s.warnings[0]!.message), 'the reader\'s own words');
});
