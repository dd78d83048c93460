/**
 * netlab capture: tcpdump as the engine, netlab's reader as the decoder.
 * Runs as root (CI does); permission is taken away with setpriv to check
 * the message a student without root would get.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CLI, RunningProcess, runCli, runProcess, startServeCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { tsharkFrameCount } from '../helpers/tshark.js';

async function startCapture(args: string[]): Promise<RunningProcess> {
  const proc = new RunningProcess(process.execPath, [CLI, 'capture', ...args]);
  await proc.waitFor(/capturing on lo with (tcpdump|dumpcap)/, 15_000, 'stderr');
  return proc;
}

test('captures a netlab echo exchange on lo: one line per packet, payload shown, -w readable by tshark', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'live.pcap');
  const { proc: server, port } = await startServeCli(['tcp', '-m', 'upper']);
  t.after(() => server.stop());
  const capture = await startCapture(['-i', 'lo', '-f', `tcp port ${port}`, '--payload', '-w', file]);
  t.after(() => capture.stop('SIGKILL'));
  const client = await runCli(['connect', 'tcp', '127.0.0.1', String(port), '-m', 'hello capture']);
  assert.equal(client.stdout, 'HELLO CAPTURE\n');
  // The exchange ends with the last ACK of the close: 10 packets on loopback.
  await capture.waitFor(/\[FIN, ACK\][\s\S]*\[FIN, ACK\][\s\S]*\n\s+\d+ .*\[ACK\]/, 15_000, 'stdout');
  const exit = await capture.stop('SIGINT');
  assert.equal(exit.code, 0);
  const lines = capture.stdout.split('\n').filter((l) => /^\s+\d+ /.test(l));
  assert.ok(lines.length >= 8, capture.stdout);
  assert.ok(lines.every((l) => l.includes(String(port))), 'only the filtered port');
  assert.match(lines[0] as string, /127\.0\.0\.1 → 127\.0\.0\.1 TCP \d+ \d+ → \d+ \[SYN\]/);
  assert.match(capture.stdout, /^\s+hello capture$/m);
  assert.match(capture.stdout, /^\s+HELLO CAPTURE$/m);
  const captured = Number(/(\d+) packets captured, saved to/.exec(capture.stderr)?.[1]);
  assert.equal(captured, lines.length);
  assert.equal(await tsharkFrameCount(file), lines.length);
});

test('-Y and -e on a live capture: only the echo data segments, as fields, through the same packet view as pcap packets', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'live-view.pcap');
  const { proc: server, port } = await startServeCli(['tcp', '-m', 'upper']);
  t.after(() => server.stop());
  const capture = await startCapture(['-i', 'lo', '-f', `tcp port ${port}`, '-Y', 'tcp.len > 0', '-e', 'frame.number', '-e', 'tcp.srcport', '-e', 'tcp.payload', '-E', 'header=y', '-w', file]);
  t.after(() => capture.stop('SIGKILL'));
  const client = await runCli(['connect', 'tcp', '127.0.0.1', String(port), '-m', 'view me live']);
  assert.equal(client.stdout, 'VIEW ME LIVE\n');
  const upperHex = Buffer.from('VIEW ME LIVE\n').toString('hex');
  await capture.waitFor(new RegExp(`\\t${port}\\t${upperHex}`), 15_000, 'stdout');
  const exit = await capture.stop('SIGINT');
  assert.equal(exit.code, 0, capture.stderr);
  const lines = capture.stdout.trim().split('\n');
  assert.equal(lines[0], 'frame.number\ttcp.srcport\ttcp.payload');
  const rows = lines.slice(1).map((l) => l.split('\t'));
  assert.deepEqual(rows.map((r) => r[2]), [Buffer.from('view me live\n').toString('hex'), upperHex]);
  assert.equal(rows[1]![1], String(port));
  // The same file read back gives the same rows.
  const again = await runCli(['pcap', 'packets', file, '-Y', 'tcp.len > 0', '-e', 'frame.number', '-e', 'tcp.srcport', '-e', 'tcp.payload']);
  assert.deepEqual(again.stdout.trim().split('\n'), lines.slice(1));
});

test('-c stops by itself after that many packets', async (t) => {
  const { proc: server, port } = await startServeCli(['tcp']);
  t.after(() => server.stop());
  const capture = await startCapture(['-i', 'lo', '-f', `tcp port ${port}`, '-c', '3', '--json']);
  t.after(() => capture.stop('SIGKILL'));
  await runCli(['connect', 'tcp', '127.0.0.1', String(port), '-m', 'three packets are enough']);
  const exit = await capture.stop('SIGCONT', 15_000); // a harmless signal: it must end on its own
  assert.equal(exit.code, 0, capture.stderr);
  const packets = capture.stdout.trim().split('\n').map((l) => JSON.parse(l) as { number: number; protocol: string; info: string });
  assert.deepEqual(packets.map((p) => p.number), [1, 2, 3]);
  assert.match(packets[0]?.info ?? '', /\[SYN\]/);
});

test('without CAP_NET_RAW the message says root or CAP_NET_RAW is needed', async () => {
  const result = await runProcess('setpriv', ['--bounding-set', '-net_raw,-net_admin', process.execPath, CLI, 'capture', '-i', 'lo', '-c', '1']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /needs root or CAP_NET_RAW/);
  assert.match(result.stderr, /setcap cap_net_raw/);
});

test('without tcpdump or dumpcap the message says what to install', async () => {
  const result = await runCli(['capture', '-i', 'lo', '-c', '1'], { env: { PATH: '/nonexistent' } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /needs tcpdump \(or Wireshark's dumpcap\).*apt-get install tcpdump/);
});

test('a bad interface or filter is quoted back from the engine', async () => {
  const noSuch = await runCli(['capture', '-i', 'nosuchif0', '-c', '1']);
  assert.equal(noSuch.code, 1);
  assert.match(noSuch.stderr, /could not start capturing: .*nosuchif0.*No such device/);
  const badFilter = await runCli(['capture', '-i', 'lo', '-f', 'tcp prot 5', '-c', '1']);
  assert.equal(badFilter.code, 1);
  assert.match(badFilter.stderr, /could not start capturing: .*syntax error/);
});

test('--keylog decrypts TLS streams as they pass, reading keys the server logs during the capture', async (t) => {
  const dir = tempDir(t);
  const keys = join(dir, 'live-keys.log'); // written by the server while the capture runs
  const { proc: server, port } = await startServeCli(['tls', '-m', 'reverse', '--keylog', keys]);
  t.after(() => server.stop());
  const capture = await startCapture(['-i', 'lo', '-f', `tcp port ${port}`, '--keylog', keys]);
  t.after(() => capture.stop('SIGKILL'));
  const client = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--insecure', '-m', 'password=hunter2']);
  assert.equal(client.stdout, '2retnuh=drowssap\n');
  await capture.waitFor(/\[TLS decrypted, [\d.:]+ → [\d.:]+\] 2retnuh=drowssap/, 15_000, 'stdout');
  const exit = await capture.stop('SIGINT');
  assert.equal(exit.code, 0);
  assert.match(capture.stdout, /\[TLS decrypted, 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+\] password=hunter2/);
  assert.match(capture.stderr, /TLS stream 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+: TLS 1\.3 \S+: decrypted/);
  assert.doesNotMatch(capture.stdout.replace(/\[TLS decrypted[^\n]*/g, ''), /hunter2/, 'plaintext only in the decrypted lines');
});
