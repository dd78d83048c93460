/**
 * The mistakes students make with `netlab connect`, each answered with what
 * is really wrong: the wrong transport for the server (TLS to plain TCP,
 * plain TCP to TLS, WebSocket to plain TCP), a certificate trusted with --ca
 * but issued for another name, and a server that closes after one answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { runCli, runProcess, startServeCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

async function serve(t: { after: (fn: () => Promise<unknown>) => void }, args: string[]): Promise<number> {
  const { proc, port } = await startServeCli(args);
  t.after(() => proc.stop());
  return port;
}

test('connect tls to a plain TCP server says it did not answer with TLS', async (t) => {
  for (const mode of [['-m', 'echo'], ['-m', 'reply', '--reply', 'hello']]) {
    const port = await serve(t, ['tcp', ...mode]);
    const r = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--insecure', '-m', 'hi']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /did not answer with TLS \(ERR_SSL_[A-Z_]+\); is it a plain TCP server\?/, mode.join(' '));
  }
});

test('connect tcp -m to a TLS server: a TLS alert is named, and silence suggests TLS', async (t) => {
  // A server that answers plain text with a TLS alert record, as some TLS stacks do.
  // resume(): read what the client sends, or the socket never sees its FIN.
  const alerting = net.createServer((socket) => socket.resume().end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x2f])));
  alerting.listen(0, '127.0.0.1');
  await once(alerting, 'listening');
  t.after(() => new Promise((resolve) => alerting.close(resolve)));
  const alertPort = (alerting.address() as net.AddressInfo).port;
  const alerted = await runCli(['connect', 'tcp', '127.0.0.1', String(alertPort), '-m', 'hello']);
  assert.equal(alerted.code, 1);
  assert.match(alerted.stderr, /answered with a TLS alert: the server expects TLS/);

  const tlsPort = await serve(t, ['tls']);
  // Fewer bytes than a record header: OpenSSL waits for more, silently.
  const silent = await runCli(['connect', 'tcp', '127.0.0.1', String(tlsPort), '-m', 'hi', '--timeout', '1']);
  assert.equal(silent.code, 1);
  assert.match(silent.stderr, /no answer .* within 1 s; .*A TLS server is silent too when sent plain text: if it is one, connect with tls/);
  // A longer line is a bad record: the TLS server hangs up without a word.
  const hungUp = await runCli(['connect', 'tcp', '127.0.0.1', String(tlsPort), '-m', 'hello world', '--timeout', '5']);
  assert.equal(hungUp.code, 1);
  assert.match(hungUp.stderr, /closed the connection before answering; a TLS server does this when sent plain text/);
});

test('connect ws to a plain TCP server says it did not answer the WebSocket handshake', async (t) => {
  const port = await serve(t, ['tcp', '-m', 'reply', '--reply', 'hello']);
  const r = await runCli(['connect', 'ws', '127.0.0.1', String(port), '-m', 'hi']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /did not answer the WebSocket handshake/);
  assert.doesNotMatch(r.stderr, /Parse Error/);
});

test('--ca trusts a certificate for pc1.local: the mismatch is named and --servername suggested', async (t) => {
  const dir = tempDir(t);
  const cert = join(dir, 'domain.crt');
  const key = join(dir, 'domain.key');
  const made = await runProcess('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=pc1.local']);
  assert.equal(made.code, 0, made.stderr);
  const port = await serve(t, ['tls', '--cert', cert, '--key', key]);
  const wrong = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--ca', cert, '-m', 'hi']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /does not name 127\.0\.0\.1: it names pc1\.local/);
  assert.match(wrong.stderr, /connect with --servername pc1\.local/);
  assert.doesNotMatch(wrong.stderr, /trust it with --ca/);
  const right = await runCli(['connect', 'tls', '127.0.0.1', String(port), '--ca', cert, '--servername', 'pc1.local', '-m', 'hi']);
  assert.equal(right.code, 0, right.stderr);
  assert.equal(right.stdout, 'hi\n');
});

test('connect -m a -m b to a server that closes after one answer says so at once', async (t) => {
  const port = await serve(t, ['tcp', '-m', 'reply', '--reply', 'X', '--once']);
  const started = Date.now();
  const r = await runCli(['connect', 'tcp', '127.0.0.1', String(port), '-m', 'a', '-m', 'b', '--timeout', '30']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'X\n');
  assert.match(r.stderr, /closed the connection after 1 answer$/m);
  // Far below the 30 s timeout: the FIN ended the wait.
  assert.ok(Date.now() - started < 15_000);
});
