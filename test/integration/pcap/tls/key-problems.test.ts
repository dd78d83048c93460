/**
 * Real captures decrypted with missing, wrong or someone else's keys, and
 * with a record altered on the way: each is stated per stream with a code,
 * and no plaintext is shown for what could not be authenticated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../../../src/errors.js';
import { tempDir } from '../../../helpers/temp.js';
import { followRaw, makeCertificates, opensslConversation } from '../../../helpers/tls-capture.js';
import { TlsRecordDecoder, decryptTlsStreams, parseKeyLog, type TlsRecord } from '../../../../src/pcap/tls/index.js';

const STEPS = [
  { from: 'client' as const, line: '1 username=alice' },
  { from: 'server' as const, line: '2 hello alice' },
  { from: 'client' as const, line: '3 password=hunter2' },
  { from: 'server' as const, line: '4 welcome back' },
];

function recordsOf(stream: Buffer): TlsRecord[] {
  const out: TlsRecord[] = [];
  new TlsRecordDecoder({ onRecord: (r) => out.push(r), onError: assert.fail }).push(stream);
  return out;
}

function text(data: { direction: string; data: Buffer }[], direction: string): string {
  return Buffer.concat(data.filter((e) => e.direction === direction).map((e) => e.data)).toString('latin1');
}

test('missing, wrong and foreign keys, and a tampered record, on real TLS 1.3 and 1.2 captures', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, 'netlab-tls-keys-');
  const certs = await makeCertificates(dir);
  const tls13 = await opensslConversation({ dir, certs, serverArgs: [], clientArgs: ['-tls1_3'], steps: STEPS });
  const tls12 = await opensslConversation({ dir, certs, serverArgs: [], clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'], steps: STEPS });

  for (const [name, capture, other] of [
    ['TLS 1.3', tls13, tls12],
    ['TLS 1.2', tls12, tls13],
  ] as const) {
    const streams = await followRaw(capture.pcap);
    const ownKeys = readFileSync(capture.keyLog, 'latin1');
    const otherKeys = readFileSync(other.keyLog, 'latin1');

    await t.test(`${name}: the key log of another connection -> no-keys, nothing shown`, () => {
      const { summary, data } = decryptTlsStreams(streams.client, streams.server, parseKeyLog(otherKeys));
      assert.equal(summary.status, 'no-keys');
      assert.equal(summary.code, ERROR_CODES.TLS_KEYS_MISSING);
      assert.equal(summary.keysFound, false);
      assert.equal(summary.version, name);
      assert.match(summary.reason ?? '', /no keys for this connection \(client random [0-9a-f]{64}\): the key log has no line for it/);
      assert.deepEqual(data, []);
      assert.ok(summary.client.skipped > 0 && summary.server.skipped > 0);
    });

    await t.test(`${name}: no key log at all -> no-keys`, () => {
      const { summary, data } = decryptTlsStreams(streams.client, streams.server);
      assert.equal(summary.status, 'no-keys');
      assert.match(summary.reason ?? '', /no key log was given/);
      assert.deepEqual(data, []);
    });

    await t.test(`${name}: wrong secrets under the right client random -> failed, nothing shown`, () => {
      // Every logged secret with its first byte changed: the lines match the connection, the keys do not.
      const wrong = ownKeys.replace(/^(\S+ [0-9a-f]{64} )([0-9a-f]{2})/gm, (_m, head: string, byte: string) => `${head}${(Number.parseInt(byte, 16) ^ 0x5a).toString(16).padStart(2, '0')}`);
      assert.notEqual(wrong, ownKeys);
      const { summary, data } = decryptTlsStreams(streams.client, streams.server, parseKeyLog(wrong));
      assert.deepEqual(data, []);
      assert.equal(summary.status, 'failed');
      assert.equal(summary.code, ERROR_CODES.TLS_DECRYPT_FAILED);
      assert.equal(summary.keysFound, true);
      assert.match(summary.reason ?? '', /failed authentication: the key-log secrets do not match this connection, or the record was altered/);
      assert.equal(summary.client.decrypted + summary.server.decrypted, 0);
      assert.ok(summary.client.failed > 0 && summary.server.failed > 0);
    });

    await t.test(`${name}: one altered record -> that record is named and dropped, the rest decrypts`, () => {
      const good = decryptTlsStreams(streams.client, streams.server, parseKeyLog(ownKeys));
      const last = good.data.filter((e) => e.direction === 'server').at(-1) ?? assert.fail('no server data');
      const target = recordsOf(streams.server)[last.record] ?? assert.fail('record not found');
      const server = Buffer.from(streams.server);
      server[target.offset + 5 + Math.floor(target.fragment.length / 2)]! ^= 0x01;
      const { summary, data } = decryptTlsStreams(streams.client, server, parseKeyLog(ownKeys));
      assert.equal(summary.status, 'partial');
      assert.equal(summary.code, ERROR_CODES.TLS_DECRYPT_FAILED);
      assert.match(summary.reason ?? '', new RegExp(`server record ${last.record} failed authentication`));
      assert.equal(summary.server.failed, 1);
      assert.equal(text(data, 'client'), '1 username=alice\n3 password=hunter2\n');
      assert.equal(text(data, 'server'), text(good.data, 'server').slice(0, -last.data.length), 'everything but the altered record');
      assert.ok(!text(data, 'server').includes('4 welcome back'));
    });
  }
});
