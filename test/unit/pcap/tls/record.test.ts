import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, TlsDecodeError } from '../../../../src/errors.js';
import { TlsRecordDecoder, HandshakeReassembler, type TlsRecord, type HandshakeMessage } from '../../../../src/pcap/tls/index.js';

function rec(type: number, body: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([Buffer.from([type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff]), body]);
}

const stream = Buffer.concat([rec(22, Buffer.from('hello'), 0x0301), rec(20, Buffer.of(1)), rec(23, Buffer.alloc(0)), rec(23, Buffer.alloc(300, 7))]);

function decodeAll(chunks: Buffer[], max?: number): { records: TlsRecord[]; errors: TlsDecodeError[] } {
  const records: TlsRecord[] = [];
  const errors: TlsDecodeError[] = [];
  const d = new TlsRecordDecoder({ maxRecordBytes: max, onRecord: (r) => records.push({ ...r, fragment: Buffer.from(r.fragment) }), onError: (e) => errors.push(e) });
  for (const c of chunks) d.push(c);
  return { records, errors };
}

test('splits records at every chunk boundary and byte by byte, with offsets and headers', () => {
  const whole = decodeAll([stream]);
  assert.deepEqual(
    whole.records.map((r) => [r.type, r.version, r.fragment.length, r.offset]),
    [
      [22, 0x0301, 5, 0],
      [20, 0x0303, 1, 10],
      [23, 0x0303, 0, 16],
      [23, 0x0303, 300, 21],
    ],
  );
  assert.deepEqual(whole.records[0]!.header, stream.subarray(0, 5));
  for (let cut = 0; cut <= stream.length; cut++) {
    assert.deepEqual(decodeAll([stream.subarray(0, cut), stream.subarray(cut)]).records, whole.records, `cut ${cut}`);
  }
  assert.deepEqual(decodeAll([...stream].map((b) => Buffer.of(b))).records, whole.records);
});

test('a header that is not TLS, or a length over the cap, is one error with a code; later bytes are ignored', () => {
  const notTls = decodeAll([Buffer.from('GET / HTTP/1.1\r\n'), stream]);
  assert.equal(notTls.records.length, 0);
  assert.equal(notTls.errors.length, 1);
  assert.equal(notTls.errors[0]!.code, ERROR_CODES.TLS_RECORD_MALFORMED);
  assert.ok(notTls.errors[0] instanceof TlsDecodeError);

  // RFC 8446 §5.2: at most 2^14 + 256 bytes of ciphertext; fails on the header, before any body arrives.
  const big = decodeAll([Buffer.from([23, 3, 3, 0x41, 0x01])], 2 ** 14 + 256);
  assert.equal(big.errors[0]?.code, ERROR_CODES.TLS_RECORD_TOO_LARGE);
  const atLimit = decodeAll([rec(23, Buffer.alloc(2 ** 14 + 256))], 2 ** 14 + 256);
  assert.equal(atLimit.records.length, 1);
  assert.equal(atLimit.errors.length, 0);
});

test('handshake messages are reassembled across records, several per record, unwanted ones skipped unbuffered', () => {
  const msg = (type: number, len: number): Buffer => Buffer.concat([Buffer.from([type, 0, len >> 8, len & 0xff]), Buffer.alloc(len, type)]);
  const bytes = Buffer.concat([msg(1, 10), msg(11, 5000), msg(20, 32), msg(24, 1)]);
  const expected = [
    [1, 10, 10],
    [11, 5000, 0],
    [20, 32, 32],
    [24, 1, 1],
  ];
  for (const piece of [1, 3, 7, 100, bytes.length]) {
    const got: HandshakeMessage[] = [];
    const h = new HandshakeReassembler({ wanted: (t) => t !== 11, maxMessageBytes: 64, onMessage: (m) => got.push(m), onError: assert.fail });
    for (let i = 0; i < bytes.length; i += piece) h.push(bytes.subarray(i, i + piece));
    assert.deepEqual(got.map((m) => [m.type, m.length, m.body.length]), expected, `piece ${piece}`);
    assert.equal(h.midMessage, false);
  }
  const errors: TlsDecodeError[] = [];
  const h = new HandshakeReassembler({ wanted: () => true, maxMessageBytes: 64, onMessage: () => assert.fail('no message expected'), onError: (e) => errors.push(e) });
  h.push(Buffer.from([1, 0xff, 0xff, 0xff]));
  assert.equal(errors[0]?.code, ERROR_CODES.TLS_HANDSHAKE_TOO_LARGE);
});
