/**
 * TLS key logging in the NSS key-log format (what SSLKEYLOGFILE holds and
 * Wireshark reads) from both netlab servers and netlab clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RunningProcess, runCli, startServeCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

/** `LABEL <32-byte client random, hex> <secret, hex>` */
const NSS_LINE = /^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]{64,})$/;
const TLS13_LABELS = ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'];

function tempFile(t: { after: (fn: () => void) => void }, name: string): string {
  return join(tempDir(t, 'netlab-keylog-'), name);
}

function parseKeyLog(path: string): { label: string; random: string; secret: string }[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  return lines.map((line) => {
    const m = NSS_LINE.exec(line);
    assert.ok(m, `NSS key-log line: ${line}`);
    return { label: m[1] as string, random: m[2] as string, secret: m[3] as string };
  });
}

async function handshakeWithSClient(port: number, version: string): Promise<void> {
  const client = new RunningProcess('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, version]);
  client.child.stdin.write('ping\n');
  await client.waitFor(/ping/, 15_000, 'stdout');
  await client.stop();
}

test('serve tls --keylog writes the TLS 1.3 secrets of each connection (file mode 0600)', async (t) => {
  const path = tempFile(t, 'server-keys.log');
  const { proc, port } = await startServeCli(['tls', '--keylog', path]);
  t.after(() => proc.stop());
  await handshakeWithSClient(port, '-tls1_3');
  const entries = parseKeyLog(path);
  assert.deepEqual([...new Set(entries.map((e) => e.label))].sort(), [...TLS13_LABELS].sort());
  assert.equal(new Set(entries.map((e) => e.random)).size, 1, 'one connection, one client random');
  // TLS_AES_256_GCM_SHA384 is OpenSSL's first choice: SHA-384 secrets are 48 bytes.
  assert.ok(entries.every((e) => e.secret.length === 64 || e.secret.length === 96));
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('serve tls --keylog writes CLIENT_RANDOM master secrets for TLS 1.2', async (t) => {
  const path = tempFile(t, 'server-keys12.log');
  const { proc, port } = await startServeCli(['tls', '--keylog', path]);
  t.after(() => proc.stop());
  await handshakeWithSClient(port, '-tls1_2');
  const entries = parseKeyLog(path);
  assert.equal(entries.length, 1);
  assert.equal(entries[0]?.label, 'CLIENT_RANDOM');
  assert.equal(entries[0]?.secret.length, 96, 'a 48-byte master secret');
});

test('connect tls honours SSLKEYLOGFILE and logs the same secrets as the server', async (t) => {
  const serverLog = tempFile(t, 'server.log');
  const clientLog = tempFile(t, 'client.log');
  const { proc, port } = await startServeCli(['tls', '--keylog', serverLog]);
  t.after(() => proc.stop());
  const result = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--insecure', '-m', 'hi'], { env: { SSLKEYLOGFILE: clientLog } });
  assert.equal(result.code, 0, result.stderr);
  const client = parseKeyLog(clientLog);
  const server = parseKeyLog(serverLog);
  assert.deepEqual(
    client.map((e) => `${e.label} ${e.random} ${e.secret}`).sort(),
    server.map((e) => `${e.label} ${e.random} ${e.secret}`).sort(),
  );
  assert.ok(client.some((e) => e.label === 'CLIENT_TRAFFIC_SECRET_0'));
});

test('--keylog on connect wins over SSLKEYLOGFILE', async (t) => {
  const flagLog = tempFile(t, 'flag.log');
  const envLog = tempFile(t, 'env.log');
  const { proc, port } = await startServeCli(['tls']);
  t.after(() => proc.stop());
  const result = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--insecure', '--keylog', flagLog, '-m', 'hi'], { env: { SSLKEYLOGFILE: envLog } });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(parseKeyLog(flagLog).length >= 5);
  assert.throws(() => statSync(envLog), /ENOENT/);
});
