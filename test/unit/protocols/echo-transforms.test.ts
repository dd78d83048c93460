import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reverseByCharacter, rot13InPlace, upperInPlace } from '../../../src/protocols/echo/transforms.js';

test('upper changes only ASCII a-z', () => {
  assert.equal(upperInPlace(Buffer.from('Hello, wörld! 123 zZ')).toString(), 'HELLO, WöRLD! 123 ZZ');
});

test('rot13 rotates ASCII letters only and is its own inverse', () => {
  assert.equal(rot13InPlace(Buffer.from('Hello, World! ñ')).toString(), 'Uryyb, Jbeyq! ñ');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      const original = Buffer.from(bytes);
      const twice = rot13InPlace(rot13InPlace(Buffer.from(bytes)));
      assert.deepEqual(Buffer.from(twice), original);
    }),
  );
});

test('byte transforms keep every non-letter byte (binary safe)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      const upper = upperInPlace(Buffer.from(bytes));
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i] as number;
        const isLetter = (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
        if (!isLetter) assert.equal(upper[i], b);
      }
    }),
  );
});

test('reverse works by Unicode character, not by byte or UTF-16 unit', () => {
  assert.equal(reverseByCharacter(Buffer.from('abc')).toString(), 'cba');
  assert.equal(reverseByCharacter(Buffer.from('añb€😀')).toString(), '😀€bña');
  assert.equal(reverseByCharacter(Buffer.alloc(0)).length, 0);
});

test('property: on valid text, reverse equals reversing the code points', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
      assert.equal(reverseByCharacter(Buffer.from(text)).toString(), [...text].reverse().join(''));
    }),
    { numRuns: 300 },
  );
});

test('invalid UTF-8 is never lost: the answer holds exactly the bytes sent', () => {
  const bad = Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x62, 0xe2, 0x82]);
  const out = reverseByCharacter(bad);
  assert.deepEqual([...out].sort(), [...bad].sort());
  assert.deepEqual([...out], [0x82, 0xe2, 0x62, 0x28, 0xc3, 0xff, 0x61]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
      const reversed = reverseByCharacter(bytes);
      assert.equal(reversed.length, bytes.length);
      assert.deepEqual([...reversed].sort((a, b) => a - b), [...bytes].sort((a, b) => a - b));
    }),
    { numRuns: 500 },
  );
});
