/**
 * `pcap report --json`: the stats file object of `pcap stats --json` for the
 * same file, field by field, plus series, histograms, hierarchy, talkers and
 * streams whose totals agree with it; a non-capture input is exit 1 with a
 * clear sentence; a truncated capture still gets its page, with the warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { FIXTURES, sampleFiles } from '../../helpers/pcap.js';
import { tempDir } from '../../helpers/temp.js';
import type { CaptureReport, ProtocolNode } from '../../../src/pcap/report/types.js';
import type { FileStats } from '../../../src/pcap/stats.js';

async function statsJson(file: string, local: string): Promise<FileStats> {
  const r = await runCli(['pcap', 'stats', file, '--local', local, '--json']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return (JSON.parse(r.stdout) as { files: FileStats[] }).files[0]!;
}

async function reportJson(file: string, local: string, extra: string[] = []): Promise<CaptureReport> {
  const r = await runCli(['pcap', 'report', file, '--local', local, '--json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as CaptureReport;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Every check the report's own parts must pass against its stats part. */
function assertConsistent(report: CaptureReport, label: string): void {
  const s = report.series;
  for (const dir of ['in', 'out', 'other'] as const) {
    assert.equal(s[dir].packets.length, s.buckets, `${label}: ${dir} series length`);
    assert.ok(s.buckets <= 120, `${label}: at most 120 intervals`);
  }
  const timedPackets = sum(s.in.packets) + sum(s.out.packets) + sum(s.other.packets);
  assert.equal(timedPackets + s.untimed, report.packets, `${label}: series packets add up`);
  if (s.untimed === 0) {
    assert.equal(sum(s.in.bytes), report.in.bytes, `${label}: in bytes`);
    assert.equal(sum(s.out.bytes), report.out.bytes, `${label}: out bytes`);
    assert.equal(sum(s.in.packets), report.in.packets, `${label}: in packets`);
    assert.equal(sum(s.out.packets), report.out.packets, `${label}: out packets`);
    for (const dir of ['in', 'out'] as const) {
      const h = report.histograms[dir];
      assert.equal(h.count, Math.max(0, report[dir].packets - 1), `${label}: ${dir} inter-arrival count`);
      assert.equal(sum(h.bins.map((b) => b.count)), h.count, `${label}: ${dir} bins add up`);
      assert.deepEqual([h.mean, h.median, h.std], [report[dir].iat.mean, report[dir].iat.median, report[dir].iat.std]);
    }
  }
  const root: ProtocolNode = report.hierarchy;
  assert.equal(root.packets, report.packets, `${label}: hierarchy packets`);
  assert.equal(root.bytes, report.bytes, `${label}: hierarchy bytes`);
  const check = (n: ProtocolNode): void => {
    if (n.children.length === 0) return;
    assert.ok(sum(n.children.map((c) => c.packets)) <= n.packets, `${label}: ${n.name} children within it`);
    n.children.forEach(check);
  };
  check(root);
}

test('--json holds the pcap stats --json file object, field by field, for every fixture capture', async () => {
  for (const name of sampleFiles()) {
    const file = join(FIXTURES, name);
    const local = '10.0.0.0/8,192.168.0.0/16,127.0.0.0/8';
    const stats = await statsJson(file, local);
    const report = await reportJson(file, local);
    for (const key of Object.keys(stats) as (keyof FileStats)[]) {
      assert.deepEqual(report[key], stats[key], `${name}: ${key}`);
    }
    assertConsistent(report, name);
    if (report.tcpStreams === 0 && !name.includes('tcp')) continue;
    const follow = await runCli(['pcap', 'follow', file, '--list', '--json']);
    if (follow.code === 0) assert.equal(report.tcpStreams, (JSON.parse(follow.stdout) as unknown[]).length, `${name}: TCP streams as follow --list counts them`);
  }
});

test('--streams bounds the streams drawn and each ladder names its segments with relative numbers', async () => {
  const file = join(FIXTURES, 'tcpdump-tcp-handshake-nano.pcap');
  const report = await reportJson(file, '127.0.0.0/8', ['--streams', '1']);
  assert.ok(report.streams.length <= 1);
  const none = await reportJson(file, '127.0.0.0/8', ['--streams', '0']);
  assert.equal(none.streams.length, 0);
  assert.equal(none.tcpStreams, report.tcpStreams, 'streams are counted either way');
  const stream = report.streams[0];
  assert.ok(stream !== undefined, 'the capture has a TCP stream');
  const first = stream.segments[0]!;
  assert.equal(first.flags, 'SYN');
  assert.equal(first.seq, 0, 'relative sequence numbers, as Wireshark shows them');
  assert.equal(first.from, 'client');
  assert.equal(stream.packets, stream.segments.length + stream.segmentsNotDrawn);
});

test('a file that is not a capture: exit 1 with a clear sentence, and no page', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'these are my lab notes, not a capture\n');
  const r = await runCli(['pcap', 'report', file], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /notes\.txt is not a pcap or pcapng capture/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  assert.equal(existsSync(join(dir, 'notes.html')), false);
});

test('a truncated capture: the page is written, with the reader\'s warning on it and on stderr', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'cut.pcap');
  copyFileSync(join(FIXTURES, 'tcpdump-dns_tcp.pcap'), file);
  truncateSync(file, statSync(file).size - 7);
  const r = await runCli(['pcap', 'report', file, '--local', '192.168.0.0/16'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*cut\.pcap: capture is cut short/);
  const page = readFileSync(join(dir, 'cut.html'), 'utf8');
  assert.match(page, /class="warnings" role="alert"/);
  assert.match(page, /NETLAB_ERR_PCAP_TRUNCATED/);
  const json = await reportJson(file, '192.168.0.0/16');
  assert.ok(json.warnings.some((w) => w.code === 'NETLAB_ERR_PCAP_TRUNCATED'));
  assert.deepEqual(json.warnings, (await statsJson(file, '192.168.0.0/16')).warnings);
});

test('-o names the page; by default it is the capture\'s name with .html, in the current directory', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'elsewhere.html');
  const r = await runCli(['pcap', 'report', join(FIXTURES, 'tcpdump-dns_udp.pcap'), '-o', out], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*elsewhere\.html/);
  assert.ok(readFileSync(out, 'utf8').startsWith('<!doctype html>'));
  const d = await runCli(['pcap', 'report', join(FIXTURES, 'tcpdump-dns_udp.pcap')], { cwd: dir });
  assert.equal(d.code, 0, d.stderr);
  assert.ok(existsSync(join(dir, 'tcpdump-dns_udp.html')));
});
