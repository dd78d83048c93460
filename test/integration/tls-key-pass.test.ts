/**
 * Passphrase-protected keys, as the Twisted lab makes them (`openssl req
 * -newkey rsa:2048 -keyout domain.key -x509`, which encrypts the key):
 * `serve tls` and `chat serve --tls` take the passphrase from `--key-pass`
 * in openssl's -passin forms or ask for it on a terminal, and a wrong or
 * missing one is refused with a message that says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, RunningProcess, runCli, runProcess, startServeCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

async function encryptedKey(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'domain.crt');
  const key = join(dir, 'domain.key');
  const made = await runProcess('openssl', [
    'req', '-newkey', 'rsa:2048', '-keyout', key, '-x509', '-days', '1', '-subj', '/CN=localhost', '-passout', 'pass:lab secret', '-out', cert,
  ]);
  assert.equal(made.code, 0, made.stderr);
  return { cert, key };
}

test('serve tls decrypts the key with --key-pass pass:, env: and file:, and the client exchanges', async (t) => {
  const dir = tempDir(t);
  const { cert, key } = await encryptedKey(dir);
  const passFile = join(dir, 'pass.txt');
  writeFileSync(passFile, 'lab secret\nsecond line is ignored\n');
  const forms: [string, NodeJS.ProcessEnv | undefined][] = [
    ['pass:lab secret', undefined],
    ['env:DOMAIN_KEY_PASS', { DOMAIN_KEY_PASS: 'lab secret' }],
    [`file:${passFile}`, undefined],
  ];
  for (const [source, env] of forms) {
    const { proc, port } = await startServeCli(['tls', '--cert', cert, '--key', key, '--key-pass', source], env);
    t.after(() => proc.stop());
    const r = await runCli(['connect', 'tls', 'localhost', String(port), '--ca', cert, '-m', 'hello']);
    assert.equal(r.code, 0, `${source}: ${r.stderr}`);
    assert.equal(r.stdout, 'hello\n');
    await proc.stop();
  }
});

test('a wrong, unset or missing passphrase is refused clearly, before listening', async (t) => {
  const dir = tempDir(t);
  const { cert, key } = await encryptedKey(dir);
  const wrong = await runCli(['serve', 'tls', '-p', '0', '--cert', cert, '--key', key, '--key-pass', 'pass:guess']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /the passphrase for .*domain\.key is wrong/);

  const unset = await runCli(['serve', 'tls', '-p', '0', '--cert', cert, '--key', key, '--key-pass', 'env:NETLAB_TEST_UNSET_PASS']);
  assert.equal(unset.code, 2);
  assert.match(unset.stderr, /the environment variable NETLAB_TEST_UNSET_PASS is not set/);

  const missing = await runCli(['serve', 'tls', '-p', '0', '--cert', cert, '--key', key]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /domain\.key is encrypted and there is no terminal to ask for its passphrase; give it with --key-pass env:VAR, file:PATH or pass:TEXT/);
  assert.doesNotMatch(missing.stderr, /bad decrypt/);

  const chat = await runCli(['chat', 'serve', '--tls', '0', '--cert', cert, '--key', key, '--key-pass', 'pass:guess']);
  assert.equal(chat.code, 1);
  assert.match(chat.stderr, /the passphrase for .*domain\.key is wrong/);
});

test('on a terminal the passphrase is asked for without echo', async (t) => {
  const dir = tempDir(t);
  const { cert, key } = await encryptedKey(dir);
  // script(1) gives the server a pseudo-terminal; what we type goes to it.
  const server = new RunningProcess('script', ['-q', '-c', `${process.execPath} ${CLI} serve tls -p 0 --json --cert ${cert} --key ${key}`, '/dev/null']);
  t.after(() => server.stop());
  await server.waitFor(/Enter the passphrase for .*domain\.key: /);
  server.write('lab secret\r');
  const match = await server.waitFor(/"event":"listening".*"address":"[^"]*:(\d+)"/);
  assert.doesNotMatch(server.stdout, /lab secret/);
  const r = await runCli(['connect', 'tls', 'localhost', match[1]!, '--ca', cert, '-m', 'typed']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'typed\n');
});
