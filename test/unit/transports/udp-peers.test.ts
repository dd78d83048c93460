/** The UDP server's peer table behaves like a map keyed by address and port. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PeerTable } from '../../../src/transports/udp-peers.js';

const ADDRESSES = ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1', 'fe80::1%lo'];

test('same port on different addresses, and different ports on one address, are different peers', () => {
  const table = new PeerTable<string>();
  table.set('127.0.0.1', 5000, 'a');
  table.set('127.0.0.2', 5000, 'b');
  table.set('127.0.0.1', 5001, 'c');
  assert.equal(table.get('127.0.0.1', 5000), 'a');
  assert.equal(table.get('127.0.0.2', 5000), 'b');
  assert.equal(table.get('127.0.0.1', 5001), 'c');
  assert.equal(table.get('127.0.0.3', 5000), undefined);
  assert.equal(table.size, 3);
  assert.equal(table.delete('127.0.0.1', 5000), true);
  assert.equal(table.delete('127.0.0.1', 5000), false);
  assert.equal(table.get('127.0.0.2', 5000), 'b');
  assert.equal(table.size, 2);
});

test('any sequence of set/delete/get agrees with a Map keyed by "address|port"', () => {
  const op = fc.record({
    kind: fc.constantFrom('set', 'delete', 'get'),
    address: fc.constantFrom(...ADDRESSES),
    port: fc.integer({ min: 0, max: 4 }),
    value: fc.integer(),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const table = new PeerTable<number>();
      const model = new Map<string, number>();
      for (const { kind, address, port, value } of ops) {
        const key = `${address}|${port}`;
        if (kind === 'set') {
          table.set(address, port, value);
          model.set(key, value);
        } else if (kind === 'delete') {
          assert.equal(table.delete(address, port), model.delete(key));
        } else {
          assert.equal(table.get(address, port), model.get(key));
        }
        assert.equal(table.size, model.size);
      }
    }),
    { numRuns: 300 },
  );
});
