/**
 * `netlab cert`: what `openssl req -x509 -newkey ... -nodes` makes, checked
 * with openssl itself, and usable by serve tls / connect tls --ca.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, runProcess, startServeCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

test('netlab cert writes an ECDSA P-256 certificate with the default SANs and a 0600 key', async (t) => {
  const dir = tempDir(t);
  const made = await runCli(['cert', '--out', dir, '--json']);
  assert.equal(made.code, 0, made.stderr);
  const report = JSON.parse(made.stdout) as { fingerprint256: string; subject_alt_names: string[] };
  assert.equal(statSync(join(dir, 'key.pem')).mode & 0o777, 0o600);
  const text = await runProcess('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-text', '-fingerprint', '-sha256']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Subject: CN = localhost/);
  assert.match(text.stdout, /Public-Key: \(256 bit\)/);
  assert.match(text.stdout, /NIST CURVE: P-256/);
  assert.match(text.stdout, /ecdsa-with-SHA256/);
  assert.match(text.stdout, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
  assert.ok(text.stdout.includes(`sha256 Fingerprint=${report.fingerprint256}`));
  const key = await runProcess('openssl', ['pkey', '-in', join(dir, 'key.pem'), '-noout', '-text']);
  assert.match(key.stdout, /Private-Key: \(256 bit/);
  // The certificate verifies against itself, as a CA file would be used.
  const verify = await runProcess('openssl', ['verify', '-CAfile', join(dir, 'cert.pem'), join(dir, 'cert.pem')]);
  assert.match(verify.stdout, /OK/);
});

test('--rsa, --cn, --san and --days shape the certificate', async (t) => {
  const dir = tempDir(t);
  const made = await runCli(['cert', '--out', dir, '--rsa', '--cn', 'lab.test', '--san', '10.0.0.5', '--san', 'www.lab.test,DNS:api.lab.test', '--days', '30']);
  assert.equal(made.code, 0, made.stderr);
  const text = await runProcess('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-text']);
  assert.match(text.stdout, /Public-Key: \(2048 bit\)/);
  assert.match(text.stdout, /sha256WithRSAEncryption/);
  assert.match(text.stdout, /Subject: CN = lab\.test/);
  for (const name of ['DNS:lab.test', 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:10.0.0.5', 'DNS:www.lab.test', 'DNS:api.lab.test']) {
    assert.ok(text.stdout.includes(name), name);
  }
  const days = await runProcess('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-checkend', String(29 * 86400)]);
  assert.equal(days.code, 0, 'valid for 29 more days');
  const expired = await runProcess('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-checkend', String(31 * 86400)]);
  assert.equal(expired.code, 1, 'not valid for 31 days');
});

test('a client that trusts the certificate verifies localhost and 127.0.0.1 alike', async (t) => {
  const dir = tempDir(t);
  assert.equal((await runCli(['cert', '--out', dir])).code, 0);
  const { proc, port } = await startServeCli(['tls', '--cert', join(dir, 'cert.pem'), '--key', join(dir, 'key.pem'), '-m', 'reverse']);
  t.after(() => proc.stop());
  for (const host of ['localhost', '127.0.0.1']) {
    const result = await runCli(['connect', 'tls', host, String(port), '--ca', join(dir, 'cert.pem'), '-m', 'trusted']);
    assert.equal(result.code, 0, `${host}: ${result.stderr}`);
    assert.equal(result.stdout, 'detsurt\n');
  }
});

test('missing or mismatched key files are clear errors, not crashes', async (t) => {
  const dir = tempDir(t);
  const other = tempDir(t);
  assert.equal((await runCli(['cert', '--out', dir])).code, 0);
  assert.equal((await runCli(['cert', '--out', other])).code, 0);
  const missing = await runCli(['serve', 'tls', '-p', '0', '--cert', join(dir, 'cert.pem'), '--key', join(dir, 'nope.pem')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read --key file .*nope\.pem: no such file/);
  const mismatched = await runCli(['serve', 'tls', '-p', '0', '--cert', join(dir, 'cert.pem'), '--key', join(other, 'key.pem')]);
  assert.equal(mismatched.code, 1);
  assert.match(mismatched.stderr, /certificate or key could not be used/);
  const onlyCert = await runCli(['serve', 'tls', '-p', '0', '--cert', join(dir, 'cert.pem')]);
  assert.equal(onlyCert.code, 2);
  assert.match(onlyCert.stderr, /--cert and --key go together/);
});
