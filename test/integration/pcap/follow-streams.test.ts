/**
 * `pcap follow --list` on many TCP streams, through the real CLI: peak memory
 * stays bounded on a SYN flood (a few dozen bytes a stream, no reassembly
 * buffers for streams without payload), and past the cap on open streams it
 * warns with its code, exits 0 and still lists every stream as tshark numbers
 * them, with the same byte counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runProcess } from '../../helpers/cli.js';
import { buildPcap, tcpFrame } from '../../helpers/pcap.js';
import { writeSynOnlyCapture } from '../../helpers/syn-capture.js';
import { tsharkStreams } from '../../helpers/tshark-follow.js';

const MB = 1024 * 1024;
/** Preloaded into the CLI: writes its peak RSS (bytes) to $RSS_OUT when it exits. */
const PROBE =
  'data:text/javascript,' +
  encodeURIComponent(
    'import { writeFileSync } from "node:fs"; process.on("exit", () => writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS * 1024)));',
  );

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-streams-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Row {
  stream: number;
  client: string;
  server: string;
  packets: number;
  bytes_client: number;
  bytes_server: number;
  tls: boolean;
  keys: boolean;
}

test('follow --list on 50 000 SYN-only streams lists them all in under 150 MB peak RSS', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'syn.pcap');
  writeSynOnlyCapture(file, 50_000);
  const rssFile = join(dir, 'rss');
  const r = await runProcess(process.execPath, ['--import', PROBE, CLI, 'pcap', 'follow', file, '--list', '--json'], {
    env: { RSS_OUT: rssFile },
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Row[];
  assert.equal(rows.length, 50_000);
  assert.deepEqual(rows[0], { stream: 0, client: '10.0.0.0:10000', server: '192.168.1.1:80', packets: 1, bytes_client: 0, bytes_server: 0, tls: false, keys: false });
  assert.deepEqual(rows[49_999], { stream: 49_999, client: '10.0.0.0:59999', server: '192.168.1.1:80', packets: 1, bytes_client: 0, bytes_server: 0, tls: false, keys: false });
  assert.ok(rows.every((row, i) => row.stream === i && row.packets === 1));
  assert.equal(r.stderr, '', 'no warning: SYN-only streams take no reassembly buffers');
  const rss = Number(readFileSync(rssFile, 'utf8'));
  assert.ok(rss > 0);
  assert.ok(rss < 150 * MB, `peak RSS ${(rss / MB).toFixed(1)} MB`);
});

/** 40 connections that each send two segments, interleaved, and never close. */
function openStreamsCapture(path: string): void {
  const frames: Buffer[] = [];
  const client = (i: number) => `10.9.${i >> 8}.${i & 255}`;
  for (let i = 0; i < 40; i++) {
    frames.push(tcpFrame(client(i), '10.1.1.1', 30000 + i, 5000, 1000, 0, 0x02));
    frames.push(tcpFrame('10.1.1.1', client(i), 5000, 30000 + i, 7000, 1001, 0x12));
  }
  for (let i = 0; i < 40; i++) frames.push(tcpFrame(client(i), '10.1.1.1', 30000 + i, 5000, 1001, 7001, 0x18, Buffer.from(`first ${i}\n`)));
  for (let i = 0; i < 40; i++) {
    const sent = `first ${i}\n`.length;
    frames.push(tcpFrame('10.1.1.1', client(i), 5000, 30000 + i, 7001, 1001 + sent, 0x18, Buffer.from(`reply ${i}\n`)));
    frames.push(tcpFrame(client(i), '10.1.1.1', 30000 + i, 5000, 1001 + sent, 7001 + `reply ${i}\n`.length, 0x18, Buffer.from('second\n')));
  }
  writeFileSync(path, buildPcap(frames.map((data, i) => ({ sec: 1_700_000_000, frac: i, data }))));
}

test('past the open-stream cap follow --list warns NETLAB_ERR_PCAP_REASSEMBLY_LIMIT, exits 0 and lists every stream as without the cap', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'open.pcap');
  openStreamsCapture(file);
  const free = await runProcess(process.execPath, [CLI, 'pcap', 'follow', file, '--list', '--json']);
  assert.equal(free.code, 0, free.stderr);
  assert.equal(free.stderr, '');
  const capped = await runProcess(process.execPath, [CLI, 'pcap', 'follow', file, '--list', '--json'], { env: { NETLAB_PCAP_MAX_TCP_STREAMS: '8' } });
  assert.equal(capped.code, 0, capped.stderr);
  assert.match(capped.stderr, /warning: .*more than 8 TCP streams were open at once.*\(NETLAB_ERR_PCAP_REASSEMBLY_LIMIT\)/);
  assert.equal(capped.stdout, free.stdout, 'same list with and without the cap');
  const rows = JSON.parse(capped.stdout) as Row[];
  assert.equal(rows.length, 40);
  rows.forEach((row, i) => {
    assert.equal(row.bytes_client, `first ${i}\n`.length + 'second\n'.length, `stream ${i} client bytes`);
    assert.equal(row.bytes_server, `reply ${i}\n`.length, `stream ${i} server bytes`);
  });
  const ref = tsharkStreams(file);
  assert.deepEqual(
    rows.map((row) => [row.stream, row.client, row.packets]),
    [...ref.entries()].map(([i, s]) => [i, s.client, s.packets]),
    'numbering, clients and packet counts equal tshark tcp.stream',
  );
  const text = await runProcess(process.execPath, [CLI, 'pcap', 'follow', file, '--list'], { env: { NETLAB_PCAP_MAX_TCP_STREAMS: '8' } });
  assert.equal(text.code, 0);
  assert.match(text.stderr, /NETLAB_ERR_PCAP_REASSEMBLY_LIMIT/);
  assert.equal(text.stdout.trimEnd().split('\n').length, 41);
  const one = await runProcess(process.execPath, [CLI, 'pcap', 'follow', file, '--stream', '39', '--format', 'raw'], { env: { NETLAB_PCAP_MAX_TCP_STREAMS: '8' } });
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'first 39\nreply 39\nsecond\n');
});
