import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../../src/errors.js';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_HEADER_BYTES, NODE_ID_BYTES } from '../../../src/redis/envelope.js';

const origin = Buffer.alloc(NODE_ID_BYTES, 0xab);
const records = [Buffer.from('first'), Buffer.alloc(0), Buffer.from([0, 0, 0, 9, 0xff]), Buffer.alloc(70_000, 7)];
const message = encodeEnvelope(origin, records, records.reduce((n, r) => n + r.length, 0));

test('records come back byte-exact, in order, with the origin, and without copies', () => {
  const envelope = decodeEnvelope(message);
  assert.ok('records' in envelope);
  assert.deepEqual(envelope.origin, origin);
  assert.deepEqual(envelope.records, records);
  assert.equal(envelope.records[0]?.buffer, message.buffer, 'a subarray of the message');
});

test('every truncation of a message is refused whole (never half-delivered), and so are other versions', () => {
  for (let cut = 0; cut < message.length; cut += cut < 64 ? 1 : 997) {
    const result = decodeEnvelope(message.subarray(0, cut));
    // A cut exactly between records is a valid, shorter message.
    if ('records' in result) {
      assert.ok(cut >= ENVELOPE_HEADER_BYTES);
      assert.deepEqual(result.records, records.slice(0, result.records.length), `cut at ${cut}`);
      continue;
    }
    assert.equal(result.code, ERROR_CODES.REDIS_MALFORMED, `cut at ${cut}`);
  }
  const other = Buffer.from(message);
  other[0] = 2;
  const refused = decodeEnvelope(other);
  assert.ok(!('records' in refused) && /version 2/.test(refused.message));
  const lying = Buffer.concat([message.subarray(0, ENVELOPE_HEADER_BYTES), Buffer.from([0xff, 0xff, 0xff, 0xff, 1])]);
  const refusedLength = decodeEnvelope(lying);
  assert.ok(!('records' in refusedLength) && /claims 4294967295 bytes, 1 remain/.test(refusedLength.message));
});
