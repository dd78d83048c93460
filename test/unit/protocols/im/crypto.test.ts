import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CourseCipher,
  createImCipher,
  EtmCipher,
  PlainCipher,
  pkcs7Pad,
  pkcs7Unpad,
} from '../../../../src/protocols/im/crypto.js';
import { decodeEtmPackage, encodeEtmPackage } from '../../../../src/protocols/im/messages.js';

interface Vector {
  confkey: string;
  authkey: string;
  iv: string;
  nickname: string;
  message: string;
  payload: string;
}
const vector = JSON.parse(readFileSync(new URL('../../../fixtures/im/course-vector.json', import.meta.url), 'utf8')) as Vector;

test('course mode reproduces the Python reference test vector byte for byte, and opens it', () => {
  const cipher = new CourseCipher(vector.confkey, vector.authkey);
  const sealed = cipher.seal({ nickname: vector.nickname, message: vector.message }, Buffer.from(vector.iv, 'hex'));
  assert.equal(sealed.toString('hex'), vector.payload);
  assert.deepEqual(cipher.open(Buffer.from(vector.payload, 'hex')), { nickname: vector.nickname, message: vector.message });
});

test('course mode: flipping any single bit of any byte of the payload is rejected', () => {
  const cipher = new CourseCipher(vector.confkey, vector.authkey);
  const payload = Buffer.from(vector.payload, 'hex');
  for (let i = 0; i < payload.length; i++) {
    for (const bit of [0x01, 0x80, 0xff]) {
      const tampered = Buffer.from(payload);
      tampered[i] = (tampered[i] as number) ^ bit;
      assert.equal(cipher.open(tampered), undefined, `byte ${i} xor ${bit}`);
    }
  }
});

test('course mode: wrong keys, truncation and garbage are rejected without throwing', () => {
  const payload = Buffer.from(vector.payload, 'hex');
  assert.equal(new CourseCipher('wrong', vector.authkey).open(payload), undefined);
  assert.equal(new CourseCipher(vector.confkey, 'wrong').open(payload), undefined);
  for (let n = 0; n < payload.length; n++) assert.equal(new CourseCipher(vector.confkey, vector.authkey).open(payload.subarray(0, n)), undefined);
  assert.equal(new CourseCipher(vector.confkey, vector.authkey).open(Buffer.from('not a protobuf at all')), undefined);
});

test('course mode: random IVs make every sealing different, all of them open', () => {
  const cipher = new CourseCipher('c', 'a');
  const a = cipher.seal({ nickname: 'n', message: 'same' });
  const b = cipher.seal({ nickname: 'n', message: 'same' });
  assert.notDeepEqual(a, b);
  assert.deepEqual(cipher.open(a), { nickname: 'n', message: 'same' });
  assert.deepEqual(cipher.open(b), { nickname: 'n', message: 'same' });
});

test('PKCS#7 pads to whole blocks, always at least one byte, and checks every pad byte', () => {
  assert.equal(pkcs7Pad(Buffer.alloc(0)).toString('hex'), '10'.repeat(16));
  assert.equal(pkcs7Pad(Buffer.alloc(15)).length, 16);
  assert.equal(pkcs7Pad(Buffer.alloc(16)).length, 32);
  for (let n = 0; n < 40; n++) assert.equal(pkcs7Unpad(pkcs7Pad(Buffer.alloc(n, 0xaa)))?.length, n);
  const bad = pkcs7Pad(Buffer.alloc(10));
  bad[11] = 5;
  assert.equal(pkcs7Unpad(bad), undefined);
  assert.equal(pkcs7Unpad(Buffer.alloc(16, 0)), undefined);
  assert.equal(pkcs7Unpad(Buffer.alloc(16, 17)), undefined);
});

test('etm: round trip between two clients with the same keys', () => {
  const alice = new EtmCipher('c', 'a');
  const bob = new EtmCipher('c', 'a');
  const sealed = alice.seal({ nickname: 'alice', message: 'hi' });
  assert.deepEqual(bob.open(sealed), { nickname: 'alice', message: 'hi' });
});

test('etm: a replayed or reordered-older frame is rejected, a newer one accepted', () => {
  const alice = new EtmCipher('c', 'a');
  const bob = new EtmCipher('c', 'a');
  const first = alice.seal({ nickname: 'alice', message: '1' });
  const second = alice.seal({ nickname: 'alice', message: '2' });
  assert.deepEqual(bob.open(second), { nickname: 'alice', message: '2' });
  assert.equal(bob.open(first), undefined, 'older sequence number');
  assert.equal(bob.open(second), undefined, 'replay');
  assert.deepEqual(bob.open(alice.seal({ nickname: 'alice', message: '3' })), { nickname: 'alice', message: '3' });
});

test('etm: a client rejects its own frames reflected back to it', () => {
  const alice = new EtmCipher('c', 'a');
  assert.equal(alice.open(alice.seal({ nickname: 'alice', message: 'echo' })), undefined);
});

test('etm: every single-byte flip, a changed sequence number and wrong keys are rejected', () => {
  const sender = new EtmCipher('c', 'a', Buffer.alloc(8, 1));
  const payload = sender.seal({ nickname: 'alice', message: 'tamper me' }, Buffer.alloc(16, 9));
  for (let i = 0; i < payload.length; i++) {
    const tampered = Buffer.from(payload);
    tampered[i] = (tampered[i] as number) ^ 0x01;
    assert.equal(new EtmCipher('c', 'a').open(tampered), undefined, `byte ${i}`);
  }
  const pkg = decodeEtmPackage(payload);
  assert.ok(pkg);
  assert.equal(new EtmCipher('c', 'a').open(encodeEtmPackage({ ...pkg, seq: pkg.seq + 1n })), undefined);
  assert.equal(new EtmCipher('x', 'a').open(payload), undefined);
  assert.equal(new EtmCipher('c', 'x').open(payload), undefined);
  assert.deepEqual(new EtmCipher('c', 'a').open(payload), { nickname: 'alice', message: 'tamper me' });
});

test('course and etm frames do not open in each other, nor in plain mode', () => {
  const course = new CourseCipher('c', 'a');
  const etm = new EtmCipher('c', 'a');
  assert.equal(etm.open(course.seal({ nickname: 'n', message: 'm' })), undefined);
  assert.equal(course.open(new EtmCipher('c', 'a').seal({ nickname: 'n', message: 'm' })), undefined);
  assert.equal(new PlainCipher().open(Buffer.from([0xff, 0xff])), undefined);
});

test('createImCipher picks the mode from the flags and wants both keys or none', () => {
  assert.equal(createImCipher({}).suite, 'plain');
  assert.equal(createImCipher({ confidentialityKey: 'c', authenticityKey: 'a' }).suite, 'course');
  assert.equal(createImCipher({ confidentialityKey: 'c', authenticityKey: 'a', suite: 'etm' }).suite, 'etm');
  assert.throws(() => createImCipher({ confidentialityKey: 'c' }), { code: 'NETLAB_ERR_INVALID_ARGUMENT' });
});

test('course mode has no replay protection (the documented reason for --suite etm): a frame opens every time', () => {
  const cipher = new CourseCipher('c', 'a');
  const frame = new CourseCipher('c', 'a').seal({ nickname: 'alice', message: 'pay bob 10' });
  assert.deepEqual(cipher.open(frame), cipher.open(frame));
  assert.notEqual(cipher.open(frame), undefined);
});
