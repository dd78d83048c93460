import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder } from '../../../src/codec/length-prefixed.js';
import { ERROR_CODES, type ProtocolError } from '../../../src/errors.js';

function decodeAll(chunks: Buffer[], maxFrameBytes = 65536): { frames: string[]; errors: ProtocolError[] } {
  const frames: string[] = [];
  const errors: ProtocolError[] = [];
  const decoder = new FrameDecoder({ maxFrameBytes, onFrame: (p) => frames.push(p.toString('hex')), onError: (e) => errors.push(e) });
  for (const c of chunks) decoder.push(c);
  return { frames, errors };
}

const payloads = [Buffer.from('hello'), Buffer.alloc(0), Buffer.from('x'.repeat(300)), Buffer.from([0, 0, 0, 4, 1, 2])];
const stream = Buffer.concat(payloads.map(encodeFrame));
const expected = payloads.map((p) => p.toString('hex'));

test('encodeFrame writes a 4-byte big-endian length before the payload', () => {
  assert.equal(encodeFrame(Buffer.from('abc')).toString('hex'), '00000003616263');
  assert.equal(encodeFrame(Buffer.alloc(0)).toString('hex'), '00000000');
});

test('the same frames come out whatever the split: whole, byte by byte, and cut at every offset', () => {
  assert.deepEqual(decodeAll([stream]).frames, expected);
  assert.deepEqual(decodeAll([...stream].map((b) => Buffer.from([b]))).frames, expected);
  for (let cut = 0; cut <= stream.length; cut++) {
    assert.deepEqual(decodeAll([stream.subarray(0, cut), stream.subarray(cut)]).frames, expected, `cut at ${cut}`);
  }
  for (let size = 2; size <= 9; size++) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
    assert.deepEqual(decodeAll(chunks).frames, expected, `chunks of ${size}`);
  }
});

test('a frame of exactly the maximum is delivered; one byte more is refused', () => {
  const max = 1000;
  assert.deepEqual(decodeAll([encodeFrame(Buffer.alloc(max, 7))], max).frames.length, 1);
  const over = decodeAll([encodeFrame(Buffer.alloc(max + 1, 7))], max);
  assert.equal(over.frames.length, 0);
  assert.equal(over.errors.length, 1);
  assert.equal(over.errors[0]?.code, ERROR_CODES.FRAME_TOO_LARGE);
  assert.match(over.errors[0]?.message ?? '', /1001 bytes is longer than 1000 bytes/);
});

test('the cap is checked on the header alone, before any body arrives', () => {
  const errors: ProtocolError[] = [];
  const decoder = new FrameDecoder({ maxFrameBytes: 65536, onFrame: () => assert.fail('no frame expected'), onError: (e) => errors.push(e) });
  decoder.push(Buffer.from([0xff, 0xff]));
  assert.equal(errors.length, 0);
  decoder.push(Buffer.from([0xff, 0xff]));
  assert.equal(errors.length, 1);
  assert.equal(decoder.failed, true);
  assert.equal(decoder.pendingBytes, 0);
  // After a failure, input is ignored and no second error is reported.
  decoder.push(encodeFrame(Buffer.from('late')));
  assert.equal(errors.length, 1);
});

test('partial state is visible: pendingBytes and idle', () => {
  const decoder = new FrameDecoder({ maxFrameBytes: 100, onFrame: () => undefined, onError: () => undefined });
  assert.equal(decoder.idle, true);
  decoder.push(Buffer.from([0, 0]));
  assert.equal(decoder.idle, false);
  assert.equal(decoder.pendingBytes, 2);
  decoder.push(Buffer.from([0, 5, 1, 2]));
  assert.equal(decoder.pendingBytes, 6);
  decoder.push(Buffer.from([3, 4, 5]));
  assert.equal(decoder.idle, true);
});

test('a bad maximum is a programmer error at construction', () => {
  assert.throws(() => new FrameDecoder({ maxFrameBytes: -1, onFrame: () => undefined, onError: () => undefined }), { code: 'NETLAB_ERR_INVALID_ARGUMENT', message: /options.maxFrameBytes/ });
  assert.throws(() => new FrameDecoder({ maxFrameBytes: 2 ** 32, onFrame: () => undefined, onError: () => undefined }), { code: 'NETLAB_ERR_INVALID_ARGUMENT', message: /options.maxFrameBytes/ });
});

test('protobuf sent without the length prefix is named as such, however it is split; a true oversized length is not', () => {
  const hint = 'looks like protobuf without the 4-byte length prefix';
  const verdict = (bytes: Buffer, chunk: number): string => {
    const errors: Error[] = [];
    const decoder = new FrameDecoder({ maxFrameBytes: 65536, onFrame: () => undefined, onError: (e) => errors.push(e) });
    for (let i = 0; i < bytes.length; i += chunk) decoder.push(bytes.subarray(i, i + chunk));
    assert.equal(errors.length, 1);
    return errors[0]!.message;
  };
  // Message{nickname = 1: "alice", message = 2: "hi"} and EncryptedPackage{iv = 20: ...}, unframed.
  for (const unframed of ['0a05616c696365120268 69', 'a20110000102030405060708090a0b0c0d0e0f']) {
    const bytes = Buffer.from(unframed.replace(/ /g, ''), 'hex');
    for (const chunk of [1, 2, 3, bytes.length]) assert.ok(verdict(bytes, chunk).includes(hint), `${unframed} in chunks of ${chunk}`);
  }
  assert.ok(!verdict(Buffer.from('00ffffff', 'hex'), 4).includes(hint), 'a plain length of 16 MiB - 1');
  assert.ok(!verdict(Buffer.from('ffffffff', 'hex'), 1).includes(hint), '0xffffffff is not a field key');
  // After a frame that passed, a bad length is a broken stream, not unframed protobuf.
  assert.ok(!verdict(Buffer.concat([encodeFrame(Buffer.from('ok')), Buffer.from('0a05616c696365', 'hex')]), 3).includes(hint));
});
