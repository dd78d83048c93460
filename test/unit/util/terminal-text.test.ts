import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControls, hasControlBytes } from '../../../src/util/terminal-text.js';

test('a forged line and a title-setting OSC are shown escaped, TAB and text kept', () => {
  assert.equal(escapeControls('hi\rbob: fake line\x1b]0;owned\x07'), 'hi\\x0dbob: fake line\\x1b]0;owned\\x07');
  assert.equal(escapeControls('a\tb \u00e9\u4e2d'), 'a\tb \u00e9\u4e2d');
  assert.equal(escapeControls('del\x7f c1\u009b'), 'del\\x7f c1\\x9b');
  assert.equal(escapeControls('line1\nline2\b'), 'line1\\x0aline2\\x08');
});

test('hasControlBytes agrees with escapeControls on the UTF-8 of every code point below U+0100', () => {
  for (let code = 0; code < 0x100; code += 1) {
    const text = `x${String.fromCharCode(code)}y`;
    assert.equal(hasControlBytes(Buffer.from(text, 'utf8')), escapeControls(text) !== text, `U+${code.toString(16)}`);
  }
});
