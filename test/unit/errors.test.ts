import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, explainSystemError, NetlabError } from '../../src/errors.js';

test('every error code is documented in docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const undocumented = Object.values(ERROR_CODES).filter((code) => !doc.includes(`\`${code}\``));
  assert.deepEqual(undocumented, []);
});

test('docs/errors.md lists no code that does not exist', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/`(NETLAB_ERR_[A-Z_]+)`/g)].map((m) => m[1]);
  const known = new Set<string>(Object.values(ERROR_CODES));
  assert.deepEqual(documented.filter((code) => !known.has(code as string)), []);
});

test('system errors become sentences with a cause and a next step', () => {
  const inUse = explainSystemError(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), {
    action: 'listen',
    transport: 'tcp',
    host: '127.0.0.1',
    port: 5000,
  });
  assert.ok(inUse instanceof NetlabError);
  assert.equal(inUse.code, ERROR_CODES.PORT_IN_USE);
  assert.equal(inUse.message, 'port 5000 is already in use (EADDRINUSE); pick another with --port');

  const tls = explainSystemError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), {
    action: 'connect',
    transport: 'tls',
    host: 'localhost',
    port: 5443,
  });
  assert.equal(tls.code, ERROR_CODES.TLS_VERIFY);
  assert.match(tls.message, /--insecure/);
  assert.match(tls.message, /--ca/);
});

test('an unknown host names the host and suggests an address', () => {
  const err = explainSystemError(Object.assign(new Error('getaddrinfo ENOTFOUND nosuch.invalid'), { code: 'ENOTFOUND' }), {
    action: 'connect',
    transport: 'tcp',
    host: 'nosuch.invalid',
    port: 80,
  });
  assert.equal(err.code, ERROR_CODES.UNKNOWN_HOST);
  assert.equal(err.message, 'unknown host nosuch.invalid (ENOTFOUND); check the spelling or use an IP address such as 127.0.0.1');
});

test('an already explained error passes through unchanged', () => {
  const original = new NetlabError(ERROR_CODES.TIMEOUT, 'waited too long');
  assert.equal(explainSystemError(original, { action: 'connect', transport: 'udp', host: 'h', port: 1 }), original);
});
