/**
 * TLS interop with OpenSSL: `openssl s_client` against `netlab serve tls`
 * (a certificate from `openssl req`, and the ephemeral one), and
 * `netlab connect tls` against `openssl s_server`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { RunningProcess, runCli, runProcess, startServeCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

async function opensslReqCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'req-cert.pem');
  const key = join(dir, 'req-key.pem');
  const result = await runProcess('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  assert.equal(result.code, 0, result.stderr);
  return { cert, key };
}

/** Runs s_client, types `lines`, waits for `expect` on its stdout, then ends it. */
async function sClient(port: number, extra: string[], lines: string, expect: RegExp): Promise<RunningProcess> {
  const client = new RunningProcess('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...extra]);
  await client.waitFor(/Verify return code|CONNECTED/, 15_000);
  client.child.stdin.write(lines);
  await client.waitFor(expect, 15_000, 'stdout');
  await client.stop();
  return client;
}

test('openssl s_client talks to serve tls with a certificate made by openssl req, verifying it', async (t) => {
  const dir = tempDir(t);
  const { cert, key } = await opensslReqCertificate(dir);
  const { proc, port, listening } = await startServeCli(['tls', '-m', 'upper', '--cert', cert, '--key', key]);
  t.after(() => proc.stop());
  const expectedFingerprint = new X509Certificate(await import('node:fs').then((fs) => fs.readFileSync(cert))).fingerprint256;
  assert.equal(listening.fingerprint256, expectedFingerprint);
  const client = await sClient(port, ['-CAfile', cert, '-verify_return_error'], 'hello over tls\n', /HELLO OVER TLS/);
  assert.match(client.stdout, /Verify return code: 0 \(ok\)/);
});

test('openssl s_client sees the ephemeral certificate whose fingerprint serve tls printed', async (t) => {
  const { proc, port, listening } = await startServeCli(['tls', '-m', 'rot13']);
  t.after(() => proc.stop());
  assert.equal(listening.ephemeral_certificate, true);
  const client = await sClient(port, ['-showcerts'], 'Hello\n', /Uryyb/);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(client.stdout)?.[0];
  assert.ok(pem, 'the server certificate is in the s_client output');
  assert.equal(new X509Certificate(pem).fingerprint256, listening.fingerprint256);
  assert.match(proc.stderr, new RegExp(`fingerprint ${String(listening.fingerprint256)}`));
});

test('every mode answers openssl s_client over TLS 1.2 and 1.3', async (t) => {
  const cases: [string[], string, RegExp][] = [
    [['-m', 'echo'], 'same bytes\n', /same bytes/],
    [['-m', 'reverse'], 'stressed\n', /desserts/],
    [['-m', 'reply', '--reply', 'HTTP/1.0 200 OK'], 'GET / HTTP/1.0\n', /HTTP\/1\.0 200 OK/],
  ];
  for (const version of ['-tls1_2', '-tls1_3']) {
    for (const [args, input, expect] of cases) {
      const { proc, port } = await startServeCli(['tls', ...args]);
      t.after(() => proc.stop());
      const client = await sClient(port, [version], input, expect);
      assert.match(client.stdout, version === '-tls1_2' ? /Protocol\s*: TLSv1\.2/ : /TLSv1\.3/);
    }
  }
});

/** Starts `openssl s_server -rev` (answers each line reversed) on a free loopback port. */
async function startSServer(t: { after: (fn: () => Promise<unknown>) => void }, cert: string, key: string, extra: string[] = []): Promise<number> {
  const server = new RunningProcess('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', cert, '-key', key, '-rev', ...extra]);
  t.after(() => server.stop());
  const match = await server.waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/, 15_000);
  return Number(match[1]);
}

test('netlab connect tls talks to openssl s_server, trusting it with --ca', async (t) => {
  const dir = tempDir(t);
  const { cert, key } = await opensslReqCertificate(dir);
  const port = await startSServer(t, cert, key);
  const result = await runCli(['connect', 'tls', 'localhost', String(port), '--ca', cert, '-m', 'hello', '-v']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'olleh\n');
  assert.match(result.stderr, /TLSv1\.3, cipher TLS_/);
});

test('a certificate that cannot be verified is a clear error suggesting --insecure or --ca', async (t) => {
  const dir = tempDir(t);
  const { cert, key } = await opensslReqCertificate(dir);
  const port = await startSServer(t, cert, key);
  const refused = await runCli(['connect', 'tls', '127.0.0.1', String(port), '-m', 'hello']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /could not be verified/);
  assert.match(refused.stderr, /--ca FILE/);
  assert.match(refused.stderr, /--insecure/);
  const insecure = await runCli(['connect', 'tls', '127.0.0.1', String(port), '-m', 'hello', '--insecure']);
  assert.equal(insecure.code, 0, insecure.stderr);
  assert.equal(insecure.stdout, 'olleh\n');
});

test('the name check uses --servername: a certificate for another name is refused', async (t) => {
  const dir = tempDir(t);
  const { cert, key } = await opensslReqCertificate(dir);
  const port = await startSServer(t, cert, key);
  const wrong = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--ca', cert, '--servername', 'other.example', '-m', 'x']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /does not name other\.example: it names /);
  assert.match(wrong.stderr, /connect with --servername /);
});

test('serve tls refuses a client that offers only TLS 1.1 (TLS 1.2 minimum)', async (t) => {
  const { proc, port } = await startServeCli(['tls']);
  t.after(() => proc.stop());
  const result = await runProcess('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], { timeoutMs: 15_000 });
  assert.notEqual(result.code, 0);
  assert.match(result.stdout + result.stderr, /alert protocol version/);
  assert.match(result.stdout, /Cipher is \(NONE\)/);
  await proc.waitFor(/"event":"peer_error".*no TLS version in common/, 10_000, 'stdout');
});
