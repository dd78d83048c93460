/**
 * `netlab pcap stats | packets | follow` as a user runs them: exact CSV
 * header, JSON shape, directories, per-packet CSV, raw follow output, exit
 * codes and messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES, tool } from '../../helpers/pcap.js';
import { writeSyntheticCapture } from '../../../bench/synth-capture.js';
import { tsharkFollowRaw } from '../../helpers/tshark-follow.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

function netlab(args: string[], input?: Buffer): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    timeout: 60_000,
    input,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const DNS_TCP = join(FIXTURES, 'tcpdump-dns_tcp.pcap');

test('stats --csv writes the contract header and one row per file of a directory', (t) => {
  const dir = tmp(t);
  const caps = join(dir, 'caps');
  mkdirSync(caps);
  copyFileSync(DNS_TCP, join(caps, 'b.pcap'));
  copyFileSync(join(FIXTURES, 'tcpdump-dns_udp.pcap'), join(caps, 'a.pcap'));
  writeFileSync(join(caps, 'notes.txt'), 'not a capture\n');
  const out = join(dir, 'stats.csv');
  const r = netlab(['pcap', 'stats', caps, '--csv', out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(
    lines[0],
    'file,packets_in,packets_out,bytes_in,bytes_out,time_in_mean,time_in_median,time_in_std,time_out_mean,time_out_median,time_out_std',
  );
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /a\.pcap,1,1,/);
  // dns_tcp: 5 packets to 192.168.1.11, 6 from it.
  assert.match(lines[2]!, /b\.pcap,5,6,520,402,0\.063569,0\.0638945,0\.0622638\d*,0\.0761934,0\.125897,0\.0614434\d*$/);
  assert.match(r.stderr, /skipping .*notes\.txt: not a capture file/);
  assert.match(r.stdout.toString(), /top conversations/);
});

test('stats --json prints one document with the contract fields; one packet in a direction gives null figures', () => {
  const r = netlab(['pcap', 'stats', join(FIXTURES, 'tcpdump-dns_udp.pcap'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout.toString()) as { files: Record<string, unknown>[] };
  const f = doc.files[0]!;
  for (const key of ['file', 'format', 'linktypes', 'packets', 'bytes', 'wire_bytes', 'first', 'last', 'duration', 'in', 'out', 'other', 'protocols', 'warnings']) {
    assert.ok(key in f, `has ${key}`);
  }
  assert.equal(f.format, 'pcap');
  assert.deepEqual(f.linktypes, [1]);
  assert.equal(f.packets, 2);
  assert.deepEqual(f.protocols, { udp: 2 });
  assert.deepEqual((f.in as { iat: unknown }).iat, { mean: null, median: null, std: null });
  const csv = netlab(['pcap', 'stats', join(FIXTURES, 'tcpdump-dns_udp.pcap'), '--csv', '-']);
  assert.match(csv.stdout.toString().split('\n')[1]!, /,1,1,\d+,\d+,,,,,,$/);
});

test('stats --local and --packets-csv: one row per packet with direction', (t) => {
  const dir = tmp(t);
  const r = netlab(['pcap', 'stats', DNS_TCP, '--local', '209.87.249.0/24', '--packets-csv', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout.toString()) as { files: { in: { packets: number }; out: { packets: number } }[] };
  assert.equal(doc.files[0]!.out.packets, 5);
  assert.equal(doc.files[0]!.in.packets, 6);
  const rows = readFileSync(join(dir, 'tcpdump-dns_tcp_out.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(rows[0], 'index,time,src,dst,protocol,sport,dport,length,direction');
  assert.equal(rows.length, 12);
  assert.equal(rows[1], '1,1591780863.720289000,192.168.1.11,209.87.249.18,tcp,33779,53,74,in');
});

test('a truncated capture prints what it read and warns with the byte offset', (t) => {
  const dir = tmp(t);
  const bytes = readFileSync(DNS_TCP);
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
  const r = netlab(['pcap', 'stats', cut, '--json']);
  assert.equal(r.code, 0);
  const f = (JSON.parse(r.stdout.toString()) as { files: { packets: number; warnings: { offset: number; message: string }[] }[] }).files[0]!;
  assert.equal(f.packets, 10);
  assert.match(f.warnings[0]!.message, /cut short .* byte offset \d+/);
  assert.match(r.stderr, /warning: .*byte offset/);
});

test('a file that is not a capture is exit 1 with a clear sentence; a bad --local is a usage error', (t) => {
  const dir = tmp(t);
  const text = join(dir, 'notes.pcap');
  writeFileSync(text, 'hello world, certainly not a capture');
  const r = netlab(['pcap', 'stats', text]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /notes\.pcap is not a pcap or pcapng capture/);
  const u = netlab(['pcap', 'stats', DNS_TCP, '--local', '300.1.1.1/8']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /not a network/);
  const missing = netlab(['pcap', 'stats', join(dir, 'nope.pcap')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /ENOENT/);
});

test('stats reads a capture from standard input', () => {
  const r = netlab(['pcap', 'stats', '-', '--json'], readFileSync(DNS_TCP));
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout.toString()) as { files: { packets: number }[] }).files[0]!.packets, 11);
});

test('packets prints one line per packet with number, addresses, protocol and length like tshark', () => {
  const r = netlab(['pcap', 'packets', DNS_TCP]);
  assert.equal(r.code, 0, r.stderr);
  const ours = r.stdout.toString().trimEnd().split('\n');
  const theirs = tool('tshark', ['-r', DNS_TCP]).trimEnd().split('\n');
  assert.equal(ours.length, theirs.length);
  ours.forEach((line, i) => {
    const a = line.trim().split(/\s+/);
    const b = theirs[i]!.trim().split(/\s+/);
    assert.deepEqual(a.slice(0, 5), b.slice(0, 5), `no, time, src, arrow, dst of packet ${i + 1}`);
    assert.equal(a[6], b[6], `length of packet ${i + 1}`);
  });
  assert.match(ours[0]!, /33779 → 53 \[SYN\] Seq=0 Win=64240 Len=0/);
});

test('follow --list --json, and --format raw per direction writes exactly tshark follow raw bytes', () => {
  const list = netlab(['pcap', 'follow', DNS_TCP, '--list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout.toString()), [
    { stream: 0, client: '192.168.1.11:33779', server: '209.87.249.18:53', packets: 11, bytes_client: 58, bytes_server: 226, tls: false, keys: false },
  ]);
  const ref = tsharkFollowRaw(DNS_TCP, 0);
  const client = netlab(['pcap', 'follow', DNS_TCP, '--stream', '0', '--direction', 'client', '--format', 'raw']);
  assert.equal(client.stdout.toString('hex'), ref.node0);
  const server = netlab(['pcap', 'follow', DNS_TCP, '--stream', '0', '--direction', 'server', '--format', 'raw']);
  assert.equal(server.stdout.toString('hex'), ref.node1);
  const text = netlab(['pcap', 'follow', DNS_TCP, '--stream', '0']);
  assert.match(text.stdout.toString(), /www\.tcpdump\.org/);
  const hex = netlab(['pcap', 'follow', DNS_TCP, '--stream', '0', '--format', 'hex']);
  assert.match(hex.stdout.toString(), /^00000000 {2}00 38 43 19/);
});

test('follow with a stream that does not exist, or without --list/--stream, says so', () => {
  const none = netlab(['pcap', 'follow', DNS_TCP, '--stream', '7']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no TCP stream 7; its streams are 0 to 0/);
  const neither = netlab(['pcap', 'follow', DNS_TCP]);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /--list or --stream/);
  const badFormat = netlab(['pcap', 'follow', DNS_TCP, '--stream', '0', '--format', 'pdf']);
  assert.equal(badFormat.code, 2);
});

test('a big input shows a progress bar on a TTY and none when piped', (t) => {
  const dir = tmp(t);
  const big = join(dir, 'big.pcap');
  writeSyntheticCapture(big, 40 * 1024 * 1024, 5);
  // script(1) gives the command a pseudo-terminal.
  const cmd = `${process.execPath} --import tsx ${MAIN} pcap stats ${big}`;
  const tty = spawnSync('script', ['-qfec', cmd, '/dev/null'], { timeout: 60_000, cwd: process.cwd(), env: { ...process.env, NO_COLOR: '1' } });
  const shown = tty.stdout.toString();
  assert.equal(tty.status, 0, shown);
  assert.match(shown, /big\.pcap \[.*\] \d+% \| \d+\/4\d MB/);
  assert.match(shown, /packets +\d+/);
  const piped = netlab(['pcap', 'stats', big]);
  assert.equal(piped.code, 0);
  assert.doesNotMatch(piped.stderr, /%/);
});

test('SIGINT while reading a pipe that stays open prints the summary so far and exits 0', async () => {
  const { spawn } = await import('node:child_process');
  // The built CLI, so that the only SIGINT handler is netlab's own (tsx installs one too).
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, timeout: 120_000 });
  assert.equal(build.status, 0, build.stdout?.toString());
  const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'pcap', 'stats', '-', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Like a quiet tcpdump: a header and a few packets, then nothing, pipe still open.
  child.stdin.write(readFileSync(DNS_TCP));
  const deadline = Date.now() + 30_000;
  // netlab says on stderr when it reads a pipe; its SIGINT handler is installed by then.
  while (!stderr.includes('Ctrl-C stops') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(stderr, /reading a capture from standard input/);
  // Give it a moment to consume what was written.
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, deadline - Date.now()));
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, stderr);
  const doc = JSON.parse(stdout) as { files: { packets: number; warnings: { code: string; message: string }[] }[] };
  // Normally all 11 packets written were read; a very slow machine may have read fewer.
  assert.ok(doc.files[0]!.packets <= 11);
  assert.equal(doc.files[0]!.warnings[0]!.code, 'NETLAB_ERR_PCAP_INTERRUPTED');
  assert.match(doc.files[0]!.warnings[0]!.message, /stopped at byte offset \d+/);
});

test('packets | head: the output ends quietly when the reader goes away, and a full pipe is waited for, not buffered', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-pipe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'big.pcap');
  const made = writeSyntheticCapture(file, 8 * 1024 * 1024, 9);
  const cli = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(MAIN)} pcap packets ${JSON.stringify(file)}`;
  const head = spawnSync('bash', ['-c', `set -o pipefail; ${cli} | head -3`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(head.status, 0, head.stderr);
  assert.equal(head.stdout.split('\n').filter((l) => l !== '').length, 3);
  assert.doesNotMatch(head.stderr, /EPIPE|Error/);
  // A reader slower than netlab (dd in small blocks) still gets every line.
  const slow = spawnSync('bash', ['-c', `${cli} | dd bs=512 status=none | wc -l`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(Number(slow.stdout.trim()), made.packets);
});

test('packets: a bad -Y, -f or -e is a usage error that shows what is wrong, before reading', () => {
  const badY = netlab(['pcap', 'packets', DNS_TCP, '-Y', 'tcp.port == && udp']);
  assert.equal(badY.code, 2);
  assert.match(badY.stderr, /display filter: .*expected/);
  assert.match(badY.stderr, /\n {2}tcp\.port == && udp\n {14}\^/);
  const badF = netlab(['pcap', 'packets', DNS_TCP, '-f', 'tcp prot 53']);
  assert.equal(badF.code, 2);
  assert.match(badF.stderr, /capture filter: /);
  const badE = netlab(['pcap', 'packets', DNS_TCP, '-e', 'tcp.bogus']);
  assert.equal(badE.code, 2);
  assert.match(badE.stderr, /-e tcp\.bogus: unknown field; tcp has tcp\.srcport/);
  for (const r of [badY, badF, badE]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
