/**
 * What the decryptor says when it cannot decrypt: per stream, with a stable
 * code, in plain words, and never with plaintext it could not authenticate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from '../../../fixtures/tls/rfc8448.js';
import { ERROR_CODES } from '../../../../src/errors.js';
import { TlsStreamDecryptor, decryptTlsStreams, parseKeyLog } from '../../../../src/pcap/tls/index.js';

const clientStream = Buffer.concat([v.CLIENT_HELLO_RECORD, v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD]);
const serverStream = Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD]);

function rec(type: number, body: Buffer, version = 0x0303): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeUInt16BE(version, 1);
  header.writeUInt16BE(body.length, 3);
  return Buffer.concat([header, body]);
}

function handshake(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header[0] = type;
  header.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([header, body]);
}

/** A minimal ServerHello: legacy_version, random, empty session id, suite, null compression, extensions. */
function serverHello(version: number, suite: number, extensions = Buffer.alloc(0)): Buffer {
  const fixed = Buffer.alloc(2 + 32 + 1 + 2 + 1);
  fixed.writeUInt16BE(version, 0);
  fixed.fill(0x42, 2, 34);
  fixed.writeUInt16BE(suite, 35);
  const ext = extensions.length > 0 ? Buffer.concat([Buffer.from([extensions.length >> 8, extensions.length & 0xff]), extensions]) : Buffer.alloc(0);
  return rec(22, handshake(2, Buffer.concat([fixed, ext])));
}

test('no key log, or a key log without this connection: no-keys, with the client random, and no data', () => {
  for (const keyLog of [undefined, parseKeyLog('# empty\n')]) {
    const { summary, data } = decryptTlsStreams(clientStream, serverStream, keyLog);
    assert.equal(summary.status, 'no-keys');
    assert.equal(summary.code, ERROR_CODES.TLS_KEYS_MISSING);
    assert.equal(summary.keysFound, false);
    assert.equal(summary.tls, true);
    assert.equal(summary.version, 'TLS 1.3');
    assert.match(summary.reason ?? '', new RegExp(v.CLIENT_RANDOM.toString('hex')));
    assert.deepEqual(data, []);
    assert.equal(summary.client.skipped, 2);
    assert.equal(summary.server.skipped, 1);
  }
});

test('wrong secrets for the right client random: every record fails authentication, no data', () => {
  const wrong = v.KEY_LOG.replace(/ ([0-9a-f]{64})$/gm, (_m, secret: string) => ` ${secret.replace(/^./, (c) => (c === '0' ? '1' : '0'))}`);
  const { summary, data } = decryptTlsStreams(clientStream, serverStream, parseKeyLog(wrong));
  assert.equal(summary.status, 'failed');
  assert.equal(summary.code, ERROR_CODES.TLS_DECRYPT_FAILED);
  assert.equal(summary.keysFound, true, 'the log has lines for it; they are just wrong');
  assert.match(summary.reason ?? '', /failed authentication/);
  assert.deepEqual(data, []);
  assert.equal(summary.server.failed, 1);
  assert.ok(summary.client.failed >= 1);
});

test('a tampered application record: that record fails, is named, and shows nothing; the rest decrypts', () => {
  const tampered = Buffer.from(clientStream);
  tampered[tampered.length - 20]! ^= 0x80;
  const { summary, data } = decryptTlsStreams(tampered, serverStream, parseKeyLog(v.KEY_LOG));
  assert.equal(summary.status, 'partial');
  assert.equal(summary.code, ERROR_CODES.TLS_DECRYPT_FAILED);
  assert.match(summary.reason ?? '', /client record 2/);
  assert.equal(summary.client.decrypted, 1, 'the Finished record still decrypted');
  assert.equal(summary.client.failed, 1);
  assert.deepEqual(data, []);
});

test('missing application secrets: the handshake decrypts, application data is reported as not decrypted', () => {
  const handshakeOnly = v.KEY_LOG.split('\n').filter((l) => l.includes('HANDSHAKE')).join('\n');
  const { summary, data } = decryptTlsStreams(clientStream, serverStream, parseKeyLog(handshakeOnly));
  assert.equal(summary.status, 'partial');
  assert.equal(summary.code, ERROR_CODES.TLS_KEYS_MISSING);
  assert.match(summary.reason ?? '', /(CLIENT|SERVER)_TRAFFIC_SECRET_0/);
  assert.ok(summary.problems.some((p) => p.direction === 'client' && /CLIENT_TRAFFIC_SECRET_0/.test(p.message)));
  assert.equal(summary.client.skipped, 1);
  assert.deepEqual(data, []);
});

test('a CBC suite is named and reported unsupported; its records are skipped, not guessed', () => {
  const client = v.CLIENT_HELLO_RECORD;
  const server = Buffer.concat([serverHello(0x0303, 0x002f), rec(20, Buffer.of(1)), rec(22, Buffer.alloc(40, 7))]);
  const d = new TlsStreamDecryptor({ keyLog: parseKeyLog(v.KEY_LOG) });
  d.pushClient(Buffer.concat([client, rec(20, Buffer.of(1)), rec(22, Buffer.alloc(40, 9)), rec(23, Buffer.alloc(40, 9))]));
  d.pushServer(server);
  const summary = d.finish();
  assert.equal(summary.status, 'unsupported');
  assert.equal(summary.code, ERROR_CODES.TLS_UNSUPPORTED_CIPHER_SUITE);
  assert.equal(summary.cipherSuite, 'TLS_RSA_WITH_AES_128_CBC_SHA');
  assert.match(summary.reason ?? '', /CBC suites are not decrypted/);
  assert.equal(summary.client.skipped, 2);
  assert.equal(summary.server.skipped, 1);
});

test('TLS 1.1 and older are reported as unsupported versions', () => {
  const { summary } = decryptTlsStreams(v.CLIENT_HELLO_RECORD, serverHello(0x0302, 0xc013), parseKeyLog(v.KEY_LOG));
  assert.equal(summary.status, 'unsupported');
  assert.equal(summary.code, ERROR_CODES.TLS_UNSUPPORTED_VERSION);
  assert.equal(summary.version, 'TLS 1.1');
  assert.match(summary.reason ?? '', /TLS 1\.1 is not decrypted/);
});

test('a stream that is not TLS (plain HTTP) is reported as such', () => {
  const { summary, data } = decryptTlsStreams(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
  assert.equal(summary.tls, false);
  assert.equal(summary.status, 'not-tls');
  assert.equal(summary.code, ERROR_CODES.TLS_NOT_TLS);
  assert.match(summary.reason ?? '', /client stream is not TLS/);
  assert.deepEqual(data, []);
});

test('an empty connection is "empty", and a capture without the ServerHello is "incomplete"', () => {
  assert.equal(decryptTlsStreams(Buffer.alloc(0), Buffer.alloc(0)).summary.status, 'empty');
  const { summary } = decryptTlsStreams(clientStream, Buffer.alloc(0), parseKeyLog(v.KEY_LOG));
  assert.equal(summary.status, 'incomplete');
  assert.equal(summary.code, ERROR_CODES.TLS_INCOMPLETE);
  assert.match(summary.reason ?? '', /ServerHello was not captured/);
  assert.equal(summary.client.skipped, 2);
});

test('a stream cut inside a record says so', () => {
  const { summary, data } = decryptTlsStreams(clientStream.subarray(0, clientStream.length - 10), serverStream, parseKeyLog(v.KEY_LOG));
  assert.equal(summary.status, 'partial');
  assert.ok(summary.problems.some((p) => p.code === ERROR_CODES.TLS_INCOMPLETE && p.direction === 'client' && /ends inside a TLS record/.test(p.message)));
  assert.deepEqual(data, []);
});

test('records waiting for the other direction are capped (maxPendingBytes)', () => {
  const d = new TlsStreamDecryptor({ keyLog: parseKeyLog(v.KEY_LOG), maxPendingBytes: 200 });
  d.pushClient(v.CLIENT_HELLO_RECORD);
  for (let i = 0; i < 5; i++) d.pushClient(rec(23, Buffer.alloc(60, i)));
  const summary = d.finish();
  assert.ok(summary.problems.some((p) => p.code === ERROR_CODES.TLS_PENDING_LIMIT && p.direction === 'client'));
  assert.equal(summary.client.skipped, 2);
});

test('a record longer than the limit is record_overflow as soon as its header arrives', () => {
  const header = Buffer.from([23, 3, 3, 0xff, 0xff]);
  const { summary } = decryptTlsStreams(Buffer.concat([v.CLIENT_HELLO_RECORD, header]), serverStream, parseKeyLog(v.KEY_LOG));
  assert.ok(summary.problems.some((p) => p.code === ERROR_CODES.TLS_RECORD_TOO_LARGE && /record_overflow/.test(p.message)));
});

test('0-RTT early data offered: records that only the early secret opens are skipped and reported', () => {
  // Mark the ClientHello as offering early_data by appending the extension (type 42, empty) and fixing the lengths.
  const hello = Buffer.from(v.CLIENT_HELLO);
  const withEarly = Buffer.concat([hello, Buffer.from([0x00, 0x2a, 0x00, 0x00])]);
  withEarly.writeUIntBE(withEarly.length - 4, 1, 3);
  const extStart = 4 + 2 + 32 + 1 + 2 + 6 + 2; // header, version, random, sid(0), suites(6), compression(1+1)
  withEarly.writeUInt16BE(withEarly.readUInt16BE(extStart) + 4, extStart);
  const early = rec(23, Buffer.alloc(40, 0xee)); // not decryptable with the handshake secret
  const client = Buffer.concat([rec(22, withEarly, 0x0301), early, v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD]);
  const keyLog = parseKeyLog(v.KEY_LOG);
  const { summary, data } = decryptTlsStreams(client, serverStream, keyLog);
  assert.equal(summary.earlyDataOffered, true);
  assert.ok(summary.problems.some((p) => p.code === ERROR_CODES.TLS_EARLY_DATA));
  assert.equal(summary.client.skipped, 1);
  assert.equal(summary.client.failed, 0);
  assert.deepEqual(Buffer.concat(data.map((e) => e.data)), v.APP_DATA);
});

test('a capture that begins after the handshake is TLS, "incomplete", and says the keys cannot be found', () => {
  const { summary, data } = decryptTlsStreams(v.CLIENT_APP_RECORD, v.SERVER_APP_RECORD, parseKeyLog(v.KEY_LOG));
  assert.equal(summary.tls, true);
  assert.equal(summary.status, 'incomplete');
  assert.equal(summary.code, ERROR_CODES.TLS_INCOMPLETE);
  assert.match(summary.reason ?? '', /starts in the middle of a TLS session \(first record: application_data\); the handshake was not captured/);
  assert.equal(summary.client.skipped, 1);
  assert.equal(summary.server.skipped, 1);
  assert.deepEqual(data, []);
});
