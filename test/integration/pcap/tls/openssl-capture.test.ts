/**
 * Real captures: openssl s_client <-> s_server on loopback with
 * -keylogfile, recorded by tcpdump, split into directions by tshark. The
 * decryptor must produce exactly the lines each side typed, and the same
 * bytes tshark decrypts with the same key log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tempDir } from '../../../helpers/temp.js';
import { followRaw, makeCertificates, opensslConversation, tsharkDecrypted, type Step } from '../../../helpers/tls-capture.js';
import { TlsStreamDecryptor, decryptTlsStreams, parseKeyLog, type TlsDataEvent } from '../../../../src/pcap/tls/index.js';

interface Case {
  name: string;
  version: 'TLS 1.3' | 'TLS 1.2';
  suite: string;
  serverArgs?: string[];
  clientArgs: string[];
  keyUpdate?: boolean;
  helloRetryRequest?: boolean;
}

const CASES: Case[] = [
  { name: 'TLS 1.3 AES-128-GCM', version: 'TLS 1.3', suite: 'TLS_AES_128_GCM_SHA256', clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'] },
  { name: 'TLS 1.3 AES-256-GCM', version: 'TLS 1.3', suite: 'TLS_AES_256_GCM_SHA384', clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384'] },
  { name: 'TLS 1.3 ChaCha20-Poly1305', version: 'TLS 1.3', suite: 'TLS_CHACHA20_POLY1305_SHA256', clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'] },
  {
    name: 'TLS 1.3 with a HelloRetryRequest (server wants P-256, client guessed X25519)',
    version: 'TLS 1.3',
    suite: 'TLS_AES_128_GCM_SHA256',
    serverArgs: ['-groups', 'P-256'],
    clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256', '-groups', 'X25519:P-256'],
    helloRetryRequest: true,
  },
  {
    name: 'TLS 1.3 with KeyUpdate in both directions',
    version: 'TLS 1.3',
    suite: 'TLS_AES_256_GCM_SHA384',
    clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384'],
    keyUpdate: true,
  },
  { name: 'TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256', version: 'TLS 1.2', suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'] },
  { name: 'TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256', version: 'TLS 1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'] },
  { name: 'TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384', version: 'TLS 1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384'] },
  { name: 'TLS 1.2 ECDHE-ECDSA-AES256-GCM-SHA384', version: 'TLS 1.2', suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384'] },
  { name: 'TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305', version: 'TLS 1.2', suite: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305'] },
  { name: 'TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305', version: 'TLS 1.2', suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305'] },
];

/** Lines start with a digit: s_client/s_server treat some leading letters (Q, R, K...) as commands. */
function script(c: Case): { steps: Step[]; client: string; server: string } {
  const tag = c.suite.toLowerCase();
  const steps: Step[] = [
    { from: 'client', line: `1 username=alice via ${tag}` },
    { from: 'server', line: `2 welcome alice, this is the server (${tag})` },
  ];
  // After a KeyUpdate the server writes first, so the client has read the
  // update request before it writes (OpenSSL sends its answering KeyUpdate with its next write).
  if (c.keyUpdate === true) steps.push({ keyUpdate: true });
  steps.push({ from: 'server', line: '3 api_key=0123456789abcdef ok' }, { from: 'client', line: '4 password=correct horse battery staple' });
  const text = (from: 'client' | 'server'): string =>
    steps
      .filter((s): s is Extract<Step, { from: string }> => 'from' in s && s.from === from)
      .map((s) => `${s.line}\n`)
      .join('');
  return { steps, client: text('client'), server: text('server') };
}

function joined(events: TlsDataEvent[], direction: 'client' | 'server'): string {
  return Buffer.concat(events.filter((e) => e.direction === direction).map((e) => e.data)).toString('latin1');
}

test('decrypts real openssl captures exactly as typed and as tshark does', { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, 'netlab-tls-capture-');
  const certs = await makeCertificates(dir);
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const { steps, client, server } = script(c);
      const capture = await opensslConversation({ dir, certs, serverArgs: c.serverArgs ?? [], clientArgs: c.clientArgs, steps });
      const streams = await followRaw(capture.pcap);
      const keyLog = parseKeyLog(readFileSync(capture.keyLog));
      const { summary, data } = decryptTlsStreams(streams.client, streams.server, keyLog);

      assert.equal(joined(data, 'client'), client, 'client -> server plaintext');
      assert.equal(joined(data, 'server'), server, 'server -> client plaintext');
      assert.equal(summary.status, 'decrypted', summary.reason ?? '');
      assert.equal(summary.tls, true);
      assert.equal(summary.version, c.version);
      assert.equal(summary.cipherSuite, c.suite);
      assert.equal(summary.keysFound, true);
      assert.equal(summary.client.failed + summary.server.failed, 0);
      assert.equal(summary.client.skipped + summary.server.skipped, 0);
      assert.deepEqual(summary.problems, []);
      assert.equal(summary.helloRetryRequest, c.helloRetryRequest === true);
      if (c.keyUpdate === true) {
        assert.equal(summary.server.keyUpdates, 1, 'the server updated its keys');
        assert.equal(summary.client.keyUpdates, 1, 'the client answered update_requested');
      }
      if (c.version === 'TLS 1.2') assert.equal(summary.extendedMasterSecret, true, 'OpenSSL 3 negotiates extended_master_secret');
      assert.ok(summary.alerts.some((a) => a.name === 'close_notify' && a.encrypted), 'the encrypted close_notify is seen');

      // tshark's own decryption of the same packets with the same key log
      assert.equal((await tsharkDecrypted(capture.pcap, capture.keyLog, capture.clientPort)).toString('latin1'), client, 'tshark agrees on client data');
      assert.equal((await tsharkDecrypted(capture.pcap, capture.keyLog, capture.port)).toString('latin1'), server, 'tshark agrees on server data');

      // The same bytes fed the way reassembly hands them over: small chunks, the directions interleaved, server first.
      const events: TlsDataEvent[] = [];
      const decryptor = new TlsStreamDecryptor({ keyLog, onData: (e) => events.push(e) });
      const piece = 7;
      for (let i = 0; i < Math.max(streams.client.length, streams.server.length); i += piece) {
        decryptor.pushServer(streams.server.subarray(i, i + piece));
        decryptor.pushClient(streams.client.subarray(i, i + piece));
      }
      assert.equal(decryptor.finish().status, 'decrypted');
      assert.equal(joined(events, 'client'), client);
      assert.equal(joined(events, 'server'), server);
    });
  }
});
