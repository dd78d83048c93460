/**
 * `pcap packets` on real TLS captures (openssl s_client -> s_server on
 * loopback, captured by tcpdump), TLS 1.2 and 1.3 with each AEAD suite: an
 * HTTP request sent inside TLS is visible to `-x` and to filters only with
 * `--keylog`, and the frames `-Y 'http.request && tls'` selects equal
 * tshark's given the same key log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, runProcess } from '../../../helpers/cli.js';
import { makeCertificates, opensslConversation } from '../../../helpers/tls-capture.js';
import { tempDir } from '../../../helpers/temp.js';
import { EVERY_PORT_AS_TLS } from '../../../helpers/tshark.js';

const SUITES: { name: string; clientArgs: string[] }[] = [
  { name: 'TLS 1.3 AES-128-GCM', clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'] },
  { name: 'TLS 1.3 AES-256-GCM', clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384'] },
  { name: 'TLS 1.3 ChaCha20-Poly1305', clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'] },
  { name: 'TLS 1.2 ECDHE-RSA-AES128-GCM', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'] },
  { name: 'TLS 1.2 ECDHE-RSA-AES256-GCM', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384'] },
  { name: 'TLS 1.2 ECDHE-RSA-ChaCha20-Poly1305', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305'] },
];

const SECRET = '/lab-secret-7f3a';

/** The bytes of every hex dump block after a "Decrypted TLS" header in `-x` output. */
function decryptedDumps(text: string): Buffer {
  const out: number[] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('Decrypted TLS')) inside = true;
    else if (line === '' || !/^[0-9a-f]{4,}  /.test(line)) inside = line === '' ? false : inside;
    else if (inside) for (const h of line.slice(6, 6 + 47).trim().split(' ')) if (h !== '') out.push(parseInt(h, 16));
  }
  return Buffer.from(out);
}

test('HTTP inside TLS: seen by -x and -Y only with --keylog, on the frames tshark shows', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const certs = await makeCertificates(dir);
  for (const suite of SUITES) {
    // -crlf: the request's lines end in CRLF, as HTTP wants; the empty line ends the head.
    const steps = [
      { from: 'client' as const, line: `GET ${SECRET} HTTP/1.1` },
      { from: 'client' as const, line: 'Host: lab.example' },
      { from: 'client' as const, line: '' },
      { from: 'server' as const, line: 'lab-answer-from-server' },
    ];
    const conversation = await opensslConversation({ dir, certs, serverArgs: [], clientArgs: [...suite.clientArgs, '-crlf'], steps });
    const { pcap, keyLog } = conversation;

    const plain = await runCli(['pcap', 'packets', pcap, '-x']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(!plain.stdout.includes('Decrypted TLS'), `${suite.name}: nothing decrypted without the key log`);
    assert.ok(!plain.stdout.includes(Buffer.from(SECRET).toString('hex').slice(0, 8)), `${suite.name}: no plaintext without the key log`);
    const noKeys = await runCli(['pcap', 'packets', pcap, '-Y', 'http.request', '-e', 'frame.number']);
    assert.equal(noKeys.stdout.trim(), '', `${suite.name}: http.request matches nothing without the key log`);
    const tls = await runCli(['pcap', 'packets', pcap, '-Y', 'tls.handshake.type == 1', '-e', 'frame.number']);
    assert.equal(tls.stdout.trim().split('\n').length, 1, `${suite.name}: one Client Hello`);

    const decrypted = await runCli(['pcap', 'packets', pcap, '--keylog', keyLog, '-x']);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    const dumped = decryptedDumps(decrypted.stdout).toString('latin1');
    // Each line the client typed is one record; the server's session tickets may come between them.
    assert.ok(dumped.includes(`GET ${SECRET} HTTP/1.1\r\n`), `${suite.name}: the request line in the decrypted dump:\n${dumped}`);
    assert.ok(dumped.includes('Host: lab.example\r\n'), `${suite.name}: the Host line in the decrypted dump`);
    assert.ok(dumped.includes('lab-answer-from-server'), `${suite.name}: the answer in the decrypted dump`);

    const ours = await runCli(['pcap', 'packets', pcap, '--keylog', keyLog, '-Y', 'http.request && tls', '-e', 'frame.number', '-e', 'http.request.uri', '-e', 'http.host']);
    const theirs = await runProcess('tshark', ['-r', pcap, '-o', `tls.keylog_file:${keyLog}`, ...EVERY_PORT_AS_TLS, '-Y', 'http.request && tls', '-T', 'fields', '-e', 'frame.number', '-e', 'http.request.uri', '-e', 'http.host']);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal(ours.stdout, theirs.stdout, `${suite.name}: frames and fields equal tshark's with the key log`);
    assert.match(ours.stdout, new RegExp(`\\t${SECRET}\\tlab\\.example\\n`));
  }
});
