import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeBanner } from '../../../src/scan/banner.js';
import { serviceName, topPorts } from '../../../src/scan/services.js';

test('banners: first line only, CRLF dropped, control and non-ASCII bytes escaped', () => {
  assert.equal(sanitizeBanner(Buffer.from('SSH-2.0-OpenSSH_9.6\r\nmore')), 'SSH-2.0-OpenSSH_9.6');
  assert.equal(sanitizeBanner(Buffer.from('220 ready\n')), '220 ready');
  assert.equal(sanitizeBanner(Buffer.from([0x41, 0x00, 0x1b, 0xff, 0x42])), 'A\\x00\\x1b\\xffB');
  assert.equal(sanitizeBanner(Buffer.from('no newline  ')), 'no newline');
  assert.equal(sanitizeBanner(Buffer.alloc(0)), '');
});

test('default port sets: 1000 unique ports each, the usual suspects included', () => {
  const tcp = topPorts('tcp');
  assert.equal(new Set(tcp).size, 1000);
  for (const port of [21, 22, 23, 25, 80, 443, 3306, 3389, 8080]) assert.ok(tcp.includes(port), `tcp ${port}`);
  assert.deepEqual(topPorts('tcp', 3), [23, 80, 443]);
  const udp = topPorts('udp');
  assert.equal(new Set(udp).size, 1000);
  for (const port of [53, 67, 123, 161]) assert.ok(udp.includes(port), `udp ${port}`);
  assert.equal(serviceName(22, 'tcp'), 'ssh');
  assert.equal(serviceName(53, 'udp'), 'domain');
  assert.equal(serviceName(65000, 'tcp'), 'unknown');
  assert.throws(() => topPorts('tcp', 0), { code: 'NETLAB_ERR_INVALID_ARGUMENT', message: /count/ });
});
