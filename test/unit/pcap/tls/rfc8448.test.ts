/**
 * RFC 8448 §3 "Simple 1-RTT Handshake": the TLS 1.3 key schedule from
 * logged traffic secrets and record decryption, against the published trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from '../../../fixtures/tls/rfc8448.js';
import {
  HANDSHAKE_TYPE,
  Tls13RecordOpener,
  TlsStreamDecryptor,
  decryptTlsStreams,
  hkdfExpandLabel,
  nextTrafficSecret,
  parseKeyLog,
  supportedSuite,
  tls13TrafficKeys,
  type TlsDataEvent,
} from '../../../../src/pcap/tls/index.js';

const suite = supportedSuite(0x1301)!;
const clientStream = Buffer.concat([v.CLIENT_HELLO_RECORD, v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD]);
const serverStream = Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD]);

function record(bytes: Buffer): { type: number; version: number; header: Buffer; fragment: Buffer } {
  return { type: bytes[0]!, version: bytes.readUInt16BE(1), header: bytes.subarray(0, 5), fragment: bytes.subarray(5) };
}

test('HKDF-Expand-Label derives the traffic keys and IVs the RFC prints (RFC 8446 §7.3)', () => {
  assert.deepEqual(tls13TrafficKeys(suite, v.SERVER_HS_TRAFFIC), { key: v.SERVER_HS_KEY, iv: v.SERVER_HS_IV });
  assert.deepEqual(tls13TrafficKeys(suite, v.CLIENT_HS_TRAFFIC), { key: v.CLIENT_HS_KEY, iv: v.CLIENT_HS_IV });
  assert.deepEqual(tls13TrafficKeys(suite, v.CLIENT_AP_TRAFFIC), { key: v.CLIENT_AP_KEY, iv: v.CLIENT_AP_IV });
  assert.deepEqual(tls13TrafficKeys(suite, v.SERVER_AP_TRAFFIC), { key: v.SERVER_AP_KEY, iv: v.SERVER_AP_IV });
  // {server} calculate finished "tls13 finished": the info block is "00 20 0e 'tls13 finished' 00".
  assert.equal(
    hkdfExpandLabel('sha256', v.SERVER_HS_TRAFFIC, 'finished', Buffer.alloc(0), 32).toString('hex'),
    '008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8',
  );
});

test('the server flight opens under the server handshake keys into the RFC plaintext messages', () => {
  const opener = new Tls13RecordOpener(suite, tls13TrafficKeys(suite, v.SERVER_HS_TRAFFIC));
  const result = opener.open(record(v.SERVER_FLIGHT_RECORD));
  assert.ok(result.ok);
  assert.equal(result.type, 22, 'inner content type handshake');
  assert.deepEqual(result.content.subarray(0, v.ENCRYPTED_EXTENSIONS.length), v.ENCRYPTED_EXTENSIONS);
  assert.deepEqual(result.content.subarray(result.content.length - v.SERVER_FINISHED.length), v.SERVER_FINISHED);
  assert.equal(result.content[0], HANDSHAKE_TYPE.encryptedExtensions);
});

test('application records open with nonce = iv XOR sequence number (RFC 8446 §5.3)', () => {
  const client = new Tls13RecordOpener(suite, tls13TrafficKeys(suite, v.CLIENT_AP_TRAFFIC));
  const c = client.open(record(v.CLIENT_APP_RECORD));
  assert.ok(c.ok);
  assert.equal(c.type, 23);
  assert.deepEqual(c.content, v.APP_DATA);

  // The server's data record is its second under these keys: a NewSessionTicket was number 0.
  const server = new Tls13RecordOpener(suite, tls13TrafficKeys(suite, v.SERVER_AP_TRAFFIC));
  assert.equal(server.open(record(v.SERVER_APP_RECORD)).ok, false, 'at sequence 0 the nonce is wrong and the tag fails');
  const s = server.open(record(v.SERVER_APP_RECORD));
  assert.ok(s.ok, 'at sequence 1 it authenticates');
  assert.deepEqual(s.content, v.APP_DATA);
});

test('a flipped bit anywhere in the record (header included) fails authentication and yields no plaintext', () => {
  for (const at of [1, 4, 5, 30, v.CLIENT_APP_RECORD.length - 1]) {
    const bad = Buffer.from(v.CLIENT_APP_RECORD);
    bad[at]! ^= 0x01;
    const opener = new Tls13RecordOpener(suite, tls13TrafficKeys(suite, v.CLIENT_AP_TRAFFIC));
    const result = opener.open(record(bad));
    assert.equal(result.ok, false, `byte ${at}`);
    assert.ok(!('content' in result));
  }
});

test('the whole trace decrypts through the stream decryptor: handshake keys, Finished, then application keys', () => {
  const { summary, data } = decryptTlsStreams(clientStream, serverStream, parseKeyLog(v.KEY_LOG));
  assert.equal(summary.status, 'decrypted');
  assert.equal(summary.version, 'TLS 1.3');
  assert.equal(summary.cipherSuite, 'TLS_AES_128_GCM_SHA256');
  assert.equal(summary.clientRandom, v.CLIENT_RANDOM.toString('hex'));
  assert.equal(summary.keysFound, true);
  assert.deepEqual(summary.client, { records: 3, decrypted: 2, failed: 0, skipped: 0, applicationBytes: 50, keyUpdates: 0 });
  assert.deepEqual(summary.server, { records: 2, decrypted: 1, failed: 0, skipped: 0, applicationBytes: 0, keyUpdates: 0 });
  assert.deepEqual(data, [{ direction: 'client', data: v.APP_DATA, record: 2, offset: v.CLIENT_HELLO_RECORD.length + v.CLIENT_FINISHED_RECORD.length }]);
});

test('same result at every split point, byte by byte, and in either direction order', () => {
  const keyLog = parseKeyLog(v.KEY_LOG);
  const expectOk = (d: TlsStreamDecryptor, events: TlsDataEvent[], label: string): void => {
    assert.equal(d.finish().status, 'decrypted', label);
    assert.deepEqual(Buffer.concat(events.map((e) => e.data)), v.APP_DATA, label);
  };
  for (let cut = 0; cut <= clientStream.length; cut++) {
    const events: TlsDataEvent[] = [];
    const d = new TlsStreamDecryptor({ keyLog, onData: (e) => events.push(e) });
    d.pushClient(clientStream.subarray(0, cut)); // everything the client sent up to here arrives before the server's hello
    d.pushServer(serverStream);
    d.pushClient(clientStream.subarray(cut));
    expectOk(d, events, `client split at ${cut}`);
  }
  for (let cut = 0; cut <= serverStream.length; cut += 3) {
    const events: TlsDataEvent[] = [];
    const d = new TlsStreamDecryptor({ keyLog, onData: (e) => events.push(e) });
    d.pushServer(serverStream.subarray(0, cut)); // server bytes before the ClientHello is known
    d.pushClient(clientStream);
    d.pushServer(serverStream.subarray(cut));
    expectOk(d, events, `server split at ${cut}`);
  }
  const events: TlsDataEvent[] = [];
  const d = new TlsStreamDecryptor({ keyLog, onData: (e) => events.push(e) });
  for (const byte of serverStream) d.pushServer(Buffer.of(byte));
  for (const byte of clientStream) d.pushClient(Buffer.of(byte));
  expectOk(d, events, 'one byte at a time, server first');
});

test('KeyUpdate: the next secret is HKDF-Expand-Label(secret, "traffic upd", "", Hash.length) (RFC 8446 §7.2)', () => {
  const next = nextTrafficSecret(suite, v.CLIENT_AP_TRAFFIC);
  assert.deepEqual(next, hkdfExpandLabel('sha256', v.CLIENT_AP_TRAFFIC, 'traffic upd', Buffer.alloc(0), 32));
  assert.notDeepEqual(next, v.CLIENT_AP_TRAFFIC);
  assert.equal(next.length, 32);
});
