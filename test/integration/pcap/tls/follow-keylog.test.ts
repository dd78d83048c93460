/**
 * `netlab pcap follow --keylog` end to end on real loopback captures:
 * netlab's own peers and OpenSSL's, each direction decrypted by the CLI,
 * checked against what was sent and what tshark decrypts; missing and
 * wrong keys stated per stream with exit code 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, RunningProcess, runCli } from '../../../helpers/cli.js';
import { tempDir } from '../../../helpers/temp.js';
import { clientPortOf, makeCertificates, opensslConversation, startCapture, stopCapture, tsharkDecrypted } from '../../../helpers/tls-capture.js';

async function follow(pcap: string, keys: string, direction: 'client' | 'server'): Promise<string> {
  const result = await runCli(['pcap', 'follow', pcap, '--stream', '0', '--keylog', keys, '--direction', direction, '--format', 'raw']);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

test('netlab serve tls / connect tls captured by tcpdump: follow --keylog shows each direction in clear, as tshark does', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'netlab-follow-keylog-');
  const keys = join(dir, 'keys.log');
  const pcap = join(dir, 'capture.pcap');
  const server = new RunningProcess(process.execPath, [CLI, 'serve', 'tls', '-p', '0', '--json', '--keylog', keys, '-m', 'upper']);
  t.after(() => server.stop('SIGKILL', 5_000));
  await server.waitFor(/"event":"listening"/, 20_000, 'stdout');
  const port = Number(/"address":"127\.0\.0\.1:(\d+)"/.exec(server.stdout)?.[1]);
  const capture = await startCapture(pcap, port);
  const lines = ['username=alice', 'password=hunter2'];
  try {
    const result = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--insecure', ...lines.flatMap((l) => ['-m', l])]);
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await server.stop('SIGINT');
    await stopCapture(capture, pcap);
  }
  const sent = lines.map((l) => `${l}\n`).join('');
  assert.equal(await follow(pcap, keys, 'client'), sent);
  assert.equal(await follow(pcap, keys, 'server'), sent.toUpperCase());
  assert.equal((await tsharkDecrypted(pcap, keys, await clientPortOf(pcap))).toString(), sent);
  assert.equal((await tsharkDecrypted(pcap, keys, port)).toString(), sent.toUpperCase());

  const listed = await runCli(['pcap', 'follow', pcap, '--list', '--json', '--keylog', keys]);
  assert.equal(listed.code, 0, listed.stderr);
  const [row] = JSON.parse(listed.stdout) as { tls: boolean; keys: boolean }[];
  assert.equal(row?.tls, true);
  assert.equal(row?.keys, true);

  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '# no secrets here\n');
  const unlisted = JSON.parse((await runCli(['pcap', 'follow', pcap, '--list', '--json', '--keylog', empty])).stdout) as { keys: boolean }[];
  assert.equal(unlisted[0]?.keys, false);
  const missing = await runCli(['pcap', 'follow', pcap, '--stream', '0', '--keylog', empty]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '', 'no plaintext without keys');
  assert.match(missing.stderr, /stream 0: TLS 1\.3 \S+: no-keys: no keys for this connection \(client random [0-9a-f]{64}\).*NETLAB_ERR_TLS_KEYS_MISSING/);
});

test('an OpenSSL TLS 1.2 ChaCha20 capture: follow --keylog decrypts; another connection\'s keys are refused', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t, 'netlab-follow-openssl-');
  const certs = await makeCertificates(dir);
  const steps = [
    { from: 'client' as const, line: 'GET /secret' },
    { from: 'server' as const, line: 'the secret is 42' },
  ];
  const chacha = await opensslConversation({ dir, certs, serverArgs: [], clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305'], steps });
  const other = await opensslConversation({ dir, certs, serverArgs: [], clientArgs: ['-tls1_3'], steps });
  assert.equal(await follow(chacha.pcap, chacha.keyLog, 'client'), 'GET /secret\n');
  assert.equal(await follow(chacha.pcap, chacha.keyLog, 'server'), 'the secret is 42\n');
  const wrong = await runCli(['pcap', 'follow', chacha.pcap, '--stream', '0', '--keylog', other.keyLog]);
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stdout, '');
  assert.match(wrong.stderr, /TLS 1\.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: no-keys/);
});
