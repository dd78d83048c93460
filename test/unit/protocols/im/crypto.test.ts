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
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import {
  decodeChatMessage,
  decodeEncryptedPackage,
  decodeEtmPackage,
  encodeChatMessage,
  encodeEncryptedPackage,
  encodeEtmPackage,
  encodePlaintextAndMac,
} from '../../../../src/protocols/im/messages.js';

interface Vector {
  confkey: string;
  authkey: string;
  iv: string;
  nickname: string;
  message: string;
  payload: string;
  payload_padded: string;
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

test("the course's field numbers: EncryptedPackage{iv = 20, encryptedMessage = 30}, PlaintextAndMAC{10, 20}, IM{5, 10}; plain Message{1, 2}", () => {
  const payload = Buffer.from(vector.payload, 'hex');
  // iv = 20, wire type 2: key varint 0xa2 0x01, then 16 bytes.
  assert.equal(payload.subarray(0, 3).toString('hex'), 'a20110');
  // encryptedMessage = 30, wire type 2: key 0xf2 0x01.
  assert.equal(payload.subarray(19, 21).toString('hex'), 'f201');
  // nickname = 5 (key 0x2a), message = 10 (key 0x52).
  assert.equal(encodeChatMessage({ nickname: 'a', message: 'b' }, 'IM').toString('hex'), '2a0161520162');
  assert.equal(encodeChatMessage({ nickname: 'a', message: 'b' }, 'Message').toString('hex'), '0a0161120162');
  assert.equal(encodePlaintextAndMac({ paddedPlaintext: Buffer.from([1]), mac: Buffer.from([2]) }).toString('hex'), '520101a2010102');
});

test('--mac-over padded reproduces the reference vector of that kind; every receiver opens both kinds', () => {
  const sealer = new CourseCipher(vector.confkey, vector.authkey, { macOver: 'padded' });
  const sealed = sealer.seal({ nickname: vector.nickname, message: vector.message }, Buffer.from(vector.iv, 'hex'));
  assert.equal(sealed.toString('hex'), vector.payload_padded);
  const expected = { nickname: vector.nickname, message: vector.message };
  for (const macOver of ['im', 'padded'] as const) {
    const receiver = new CourseCipher(vector.confkey, vector.authkey, { macOver });
    assert.deepEqual(receiver.open(Buffer.from(vector.payload, 'hex')), expected);
    assert.deepEqual(receiver.open(Buffer.from(vector.payload_padded, 'hex')), expected);
  }
  assert.equal(createImCipher({ confidentialityKey: 'c', authenticityKey: 'a', macOver: 'padded' }).suite, 'course');
  assert.throws(() => new CourseCipher('c', 'a', { macOver: 'both' as 'im' }), (err: NodeJS.ErrnoException) => err.code === 'NETLAB_ERR_INVALID_ARGUMENT' && /options\.macOver/.test(err.message));
});

test('--mac-over padded frames: every flipped bit and wrong keys are rejected', () => {
  const payload = Buffer.from(vector.payload_padded, 'hex');
  const cipher = new CourseCipher(vector.confkey, vector.authkey);
  for (let i = 0; i < payload.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const tampered = Buffer.from(payload);
      tampered[i] = (tampered[i] as number) ^ bit;
      assert.equal(cipher.open(tampered), undefined, `byte ${i} xor ${bit}`);
    }
  }
  assert.equal(new CourseCipher('wrong', vector.authkey).open(payload), undefined);
  assert.equal(new CourseCipher(vector.confkey, 'wrong').open(payload), undefined);
});

/** Frames that decrypt with the right key but fail at one step each (the classes of the timing bench). */
function failureClasses(): Record<string, Buffer> {
  const confKey = createHash('sha256').update('c').digest();
  const authKey = createHash('sha256').update('a').digest();
  const iv = Buffer.alloc(16, 3);
  const encrypt = (padded: Buffer): Buffer => {
    const c = createCipheriv('aes-256-cbc', confKey, iv).setAutoPadding(false);
    return encodeEncryptedPackage({ iv, encryptedMessage: Buffer.concat([c.update(padded), c.final()]) });
  };
  const im = encodeChatMessage({ nickname: 'n', message: 'm' }, 'IM');
  const mac = createHmac('sha256', authKey).update(im).digest();
  const good = encodePlaintextAndMac({ paddedPlaintext: pkcs7Pad(im), mac });
  const badOuter = pkcs7Pad(good);
  badOuter[badOuter.length - 1] = 0;
  const badInner = pkcs7Pad(im);
  badInner[badInner.length - 1] = 17;
  const badMac = Buffer.from(mac);
  badMac[31]! ^= 0x40;
  return {
    valid: encrypt(pkcs7Pad(good)),
    'bad outer padding': encrypt(badOuter),
    'bad protobuf': encrypt(pkcs7Pad(Buffer.alloc(good.length, 0xff))),
    'required field missing': encrypt(pkcs7Pad(encodeChatMessage({ nickname: 'x', message: 'y' }, 'Message'))),
    'bad inner padding': encrypt(pkcs7Pad(encodePlaintextAndMac({ paddedPlaintext: badInner, mac }))),
    'inner not padded': encrypt(pkcs7Pad(encodePlaintextAndMac({ paddedPlaintext: im, mac }))),
    'bad MAC': encrypt(pkcs7Pad(encodePlaintextAndMac({ paddedPlaintext: pkcs7Pad(im), mac: badMac }))),
    'short MAC': encrypt(pkcs7Pad(encodePlaintextAndMac({ paddedPlaintext: pkcs7Pad(im), mac: mac.subarray(0, 16) }))),
  };
}

test('course open: each failure class after decryption is rejected, the valid frame opens', () => {
  const cipher = new CourseCipher('c', 'a');
  for (const [name, payload] of Object.entries(failureClasses())) {
    if (name === 'valid') assert.deepEqual(cipher.open(payload), { nickname: 'n', message: 'm' });
    else assert.equal(cipher.open(payload), undefined, name);
  }
});

test('the protobuf scan: views into the input, unknown fields skipped, malformed wire and invalid UTF-8 refused', () => {
  const pkg = decodeEncryptedPackage(Buffer.from(vector.payload, 'hex'));
  assert.equal(pkg?.iv.byteLength, 16);
  // An unknown varint field (7) before the known ones is skipped.
  assert.deepEqual(decodeChatMessage(Buffer.from('3896010a0161120162', 'hex')), { nickname: 'a', message: 'b' });
  assert.equal(decodeChatMessage(Buffer.from('0a0561', 'hex')), undefined, 'truncated');
  assert.equal(decodeChatMessage(Buffer.from('0a01ff120162', 'hex')), undefined, 'invalid UTF-8');
  assert.equal(decodeChatMessage(Buffer.from('0801120162', 'hex')), undefined, 'nickname with a varint wire type');
  assert.equal(decodeChatMessage(Buffer.from('0a0161', 'hex')), undefined, 'message missing');
  assert.equal(decodeChatMessage(Buffer.from('0b0161120162', 'hex')), undefined, 'a group');
  assert.equal(decodeChatMessage(Buffer.from('ffffffffffffffffffff01', 'hex')), undefined, 'an over-long varint');
});
