import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withFlagNames } from '../../../src/cli/option-flags.js';

test('library option names in a message become the CLI flags that set them', () => {
  assert.equal(withFlagNames('options.maxConnections must be an integer 1 or more, got 0'), '--max-conns must be an integer 1 or more, got 0');
  assert.equal(withFlagNames('options.tls.cert and options.tls.key go together; give both or neither'), '--cert and --key go together; give both or neither');
  assert.equal(withFlagNames('the encrypted mode needs both keys: options.confidentialityKey and options.authenticityKey'), 'the encrypted mode needs both keys: -c CONFKEY and -a AUTHKEY');
  assert.equal(withFlagNames('reply mode needs the answer text: options.reply'), 'reply mode needs the answer text: --reply TEXT');
});

test('names without a flag, and text that only looks like one, are left alone', () => {
  assert.equal(withFlagNames('options.now must be a function, got 1'), 'options.now must be a function, got 1');
  assert.equal(withFlagNames('no options here'), 'no options here');
});
