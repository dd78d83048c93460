import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, UsageError } from '../../../src/errors.js';
import { parseRedisUrl } from '../../../src/redis/url.js';

test('redis://HOST:PORT[/DB] gives host, port and DB; the port defaults to 6379, the DB to 0', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380/3'), { host: '127.0.0.1', port: 6380, db: 3, label: '127.0.0.1:6380' });
  assert.deepEqual(parseRedisUrl('redis://localhost'), { host: 'localhost', port: 6379, db: 0, label: 'localhost:6379' });
  assert.deepEqual(parseRedisUrl('redis://[::1]:7000/'), { host: '::1', port: 7000, db: 0, label: '[::1]:7000' });
  assert.deepEqual(parseRedisUrl('redis://:s%40cret@h:1'), { host: 'h', port: 1, db: 0, label: 'h:1', password: 's@cret' });
});

test('a bad Redis URL is a usage error with a sentence that shows the right shape', () => {
  const cases: [unknown, RegExp][] = [
    ['127.0.0.1:6379', /not a redis:\/\/ URL|not a URL/],
    ['localhost', /not a URL/],
    ['http://127.0.0.1:6379', /not a redis:\/\/ URL/],
    ['rediss://127.0.0.1:6379', /TLS to Redis \(rediss:\/\/\) is not supported/],
    ['redis://127.0.0.1:0', /port must be 1-65535/],
    ['redis://127.0.0.1:99999', /not a URL/],
    ['redis://127.0.0.1:6379/db1', /database after the \/ must be a whole number/],
    ['redis://127.0.0.1:6379/1?x=1', /query or fragment/],
    [42, /must be a string/],
  ];
  for (const [url, reason] of cases) {
    assert.throws(
      () => parseRedisUrl(url),
      (err: unknown) => err instanceof UsageError && err.code === ERROR_CODES.INVALID_ARGUMENT && reason.test(err.message) && err.message.includes('redis://HOST:PORT[/DB]'),
      String(url),
    );
  }
});
