/**
 * `pcap stats` on a capture whose packets are all outside `--local`: the
 * in/out figures are zero, and the command says why and which networks the
 * capture does hold, instead of printing zeros without a hint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, startServeCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp.js';
import { FIXTURES } from '../../helpers/pcap.js';

test('a loopback capture under the default --local names 127.0.0.0/8, on stderr even with --json', async (t) => {
  const dir = tempDir(t);
  const capture = join(dir, 'loopback.pcap');
  const { proc, port } = await startServeCli(['tcp']);
  t.after(() => proc.stop());
  const sent = await runCli(['connect', 'tcp', '127.0.0.1', String(port), '-m', 'hello', '--pcap', capture]);
  assert.equal(sent.code, 0, sent.stderr);

  const human = await runCli(['pcap', 'stats', capture]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stderr, /no packet matched --local 192\.168\.0\.0\/16/);
  assert.match(human.stderr, /addresses are in 127\.0\.0\.0\/8: try --local 127\.0\.0\.0\/8/);

  const json = await runCli(['pcap', 'stats', capture, '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).files[0].out.packets, 0);
  assert.match(json.stderr, /try --local 127\.0\.0\.0\/8/);

  const fixed = await runCli(['pcap', 'stats', capture, '--local', '127.0.0.0/8', '--json']);
  assert.ok(JSON.parse(fixed.stdout).files[0].out.packets > 0);
  assert.doesNotMatch(fixed.stderr, /no packet matched/);
});

test('a capture with private and public addresses suggests only the private block', async () => {
  const r = await runCli(['pcap', 'stats', join(FIXTURES, 'tcpdump-dns_tcp.pcap'), '--local', '10.0.0.0/8']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no packet matched --local 10\.0\.0\.0\/8/);
  assert.match(r.stderr, /addresses are in 192\.168\.0\.0\/16, 209\.87\.249\.0\/24: try --local 192\.168\.0\.0\/16$/m);
  const matched = await runCli(['pcap', 'stats', join(FIXTURES, 'tcpdump-dns_tcp.pcap')]);
  assert.doesNotMatch(matched.stderr, /no packet matched/);
});
