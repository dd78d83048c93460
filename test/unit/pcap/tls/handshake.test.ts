import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from '../../../fixtures/tls/rfc8448.js';
import { ERROR_CODES } from '../../../../src/errors.js';
import { HELLO_RETRY_REQUEST_RANDOM, parseClientHello, parseServerHello, tls12Prf, cipherSuiteName } from '../../../../src/pcap/tls/index.js';

test('ClientHello: random, suites, supported_versions (RFC 8448 §3 trace)', () => {
  const hello = parseClientHello(v.CLIENT_HELLO.subarray(4));
  assert.deepEqual(hello.random, v.CLIENT_RANDOM);
  assert.deepEqual(hello.cipherSuites, [0x1301, 0x1303, 0x1302]);
  assert.deepEqual(hello.supportedVersions, [0x0304]);
  assert.equal(hello.legacyVersion, 0x0303);
  assert.equal(hello.earlyData, false);
  assert.equal(hello.extendedMasterSecret, false);
});

test('ServerHello: the version comes from supported_versions, not legacy_version (RFC 8446 §4.2.1)', () => {
  const hello = parseServerHello(v.SERVER_HELLO_RECORD.subarray(9));
  assert.equal(hello.legacyVersion, 0x0303);
  assert.equal(hello.version, 0x0304);
  assert.equal(hello.cipherSuite, 0x1301);
  assert.equal(hello.helloRetryRequest, false);
});

test('a HelloRetryRequest is recognised by its special random (RFC 8446 §4.1.3)', () => {
  const body = Buffer.from(v.SERVER_HELLO_RECORD.subarray(9));
  HELLO_RETRY_REQUEST_RANDOM.copy(body, 2);
  assert.equal(parseServerHello(body).helloRetryRequest, true);
});

test('TLS 1.2 ServerHello without extensions; extended_master_secret detected (RFC 7627)', () => {
  const base = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 1), Buffer.from([0, 0xc0, 0x2f, 0])]);
  const plain = parseServerHello(base);
  assert.equal(plain.version, 0x0303);
  assert.equal(plain.extendedMasterSecret, false);
  const ems = parseServerHello(Buffer.concat([base, Buffer.from([0, 4, 0, 23, 0, 0])]));
  assert.equal(ems.extendedMasterSecret, true);
  assert.equal(cipherSuiteName(ems.cipherSuite), 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
});

test('truncated or inconsistent hellos throw TlsDecodeError with a code, for every truncation point', () => {
  const body = v.CLIENT_HELLO.subarray(4);
  // Cut right before the extensions block it is a valid extension-less hello (RFC 5246 §7.4.1.2).
  const extensionsAt = 2 + 32 + 1 + 2 + 6 + 2;
  assert.deepEqual(parseClientHello(body.subarray(0, extensionsAt)).supportedVersions, []);
  for (let cut = 0; cut < body.length; cut++) {
    if (cut === extensionsAt) continue;
    assert.throws(
      () => parseClientHello(body.subarray(0, cut)),
      (e: unknown) => (e as { code?: string }).code === ERROR_CODES.TLS_HANDSHAKE_MALFORMED,
      `cut ${cut}`,
    );
  }
});

test('TLS 1.2 PRF P_SHA256 matches the published test vector (IETF TLS WG, msg03416)', () => {
  const out = tls12Prf('sha256', Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'), 'test label', Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'), 100);
  assert.equal(
    out.toString('hex'),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab' +
      '4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
});
