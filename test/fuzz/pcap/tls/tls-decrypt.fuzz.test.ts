/**
 * Fuzz: random and mutated TLS record streams and key-log text. The decoders
 * never throw out of push(), never hang, never buffer more than their caps,
 * report only NetlabError codes, and never emit plaintext that was not sent.
 * NETLAB_FUZZ_RUNS raises the run count (CI uses a longer budget).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as v from '../../../fixtures/tls/rfc8448.js';
import { ERROR_CODES } from '../../../../src/errors.js';
import { TlsRecordDecoder, TlsStreamDecryptor, parseKeyLog, type TlsStreamSummary } from '../../../../src/pcap/tls/index.js';

const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 1000);
const CODES = new Set<string>(Object.values(ERROR_CODES));
const KEY_LOG = parseKeyLog(v.KEY_LOG);
const CLIENT = Buffer.concat([v.CLIENT_HELLO_RECORD, v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD]);
const SERVER = Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD]);

/** Cuts bytes at the given offsets. */
function chunks(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) out.push(Buffer.from(bytes.subarray(from, p)));
    from = p;
  }
  return out;
}

/** Applies mutations: flip a byte, insert bytes, delete a range, or truncate. */
type Mutation = { kind: 'flip' | 'insert' | 'delete' | 'truncate'; at: number; value: number; bytes: Uint8Array };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  value: fc.integer({ min: 1, max: 255 }),
  bytes: fc.uint8Array({ maxLength: 8 }),
}) as fc.Arbitrary<Mutation>;

function mutate(input: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    const at = m.at % (b.length + 1);
    if (m.kind === 'flip' && at < b.length) b[at]! ^= m.value;
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + (m.value % 16))]);
    else if (m.kind === 'truncate') b = b.subarray(0, at);
  }
  return b;
}

function run(client: Buffer[], server: Buffer[], serverFirst: boolean): { summary: TlsStreamSummary; data: Buffer[] } {
  const data: Buffer[] = [];
  const d = new TlsStreamDecryptor({ keyLog: KEY_LOG, onData: (e) => data.push(e.data) });
  const steps = Math.max(client.length, server.length);
  for (let i = 0; i < steps; i++) {
    const c = client[i];
    const s = server[i];
    if (serverFirst) {
      if (s) d.pushServer(s);
      if (c) d.pushClient(c);
    } else {
      if (c) d.pushClient(c);
      if (s) d.pushServer(s);
    }
  }
  return { summary: d.finish(), data };
}

function assertCodes(summary: TlsStreamSummary): void {
  for (const p of summary.problems) assert.ok(CODES.has(p.code), `unknown code ${p.code}`);
  if (summary.code !== null) assert.ok(CODES.has(summary.code));
}

test('random bytes in both directions: no throw, only known codes, no plaintext', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 4096 }),
      fc.uint8Array({ maxLength: 4096 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.boolean(),
      (client, server, cuts, serverFirst) => {
        const { summary, data } = run(chunks(client, cuts), chunks(server, cuts), serverFirst);
        assertCodes(summary);
        assert.deepEqual(data, []);
      },
    ),
    { numRuns: RUNS },
  );
});

test('random records with valid headers (TLS-looking noise): no throw, no plaintext', () => {
  const record = fc
    .tuple(fc.integer({ min: 20, max: 24 }), fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 600 }))
    .map(([type, minor, body]) => Buffer.concat([Buffer.from([type, 3, minor, body.length >> 8, body.length & 0xff]), body]));
  fc.assert(
    fc.property(fc.array(record, { maxLength: 12 }), fc.array(record, { maxLength: 12 }), fc.boolean(), (client, server, serverFirst) => {
      const { summary, data } = run([v.CLIENT_HELLO_RECORD, ...client], [v.SERVER_HELLO_RECORD, ...server], serverFirst);
      assertCodes(summary);
      assert.deepEqual(data, []);
    }),
    { numRuns: RUNS },
  );
});

test('mutated real streams (RFC 8448 trace): plaintext is either exactly what was sent or nothing', () => {
  fc.assert(
    fc.property(
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.array(mutation, { maxLength: 3 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.boolean(),
      (clientMutations, serverMutations, cuts, serverFirst) => {
        const client = mutate(CLIENT, clientMutations);
        const server = mutate(SERVER, serverMutations);
        const { summary, data } = run(chunks(client, cuts), chunks(server, cuts), serverFirst);
        assertCodes(summary);
        for (const d of data) assert.deepEqual(d, v.APP_DATA, 'only authenticated plaintext comes out');
      },
    ),
    { numRuns: RUNS },
  );
});

test('absurd declared lengths never make the record decoder buffer more than one capped record', () => {
  const max = 2 ** 14 + 256;
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), (pieces) => {
      const d = new TlsRecordDecoder({ maxRecordBytes: max, onRecord: () => {}, onError: (e) => assert.ok(CODES.has(e.code)) });
      for (const p of pieces) {
        d.push(p);
        assert.ok(d.bufferedBytes < max + 5 + 3000, `buffered ${d.bufferedBytes}`);
      }
    }),
    { numRuns: RUNS },
  );
  // A header claiming 64 KiB fails at once instead of waiting for the body.
  let code: string | undefined;
  const d = new TlsRecordDecoder({ maxRecordBytes: max, onRecord: () => assert.fail('no record expected'), onError: (e) => (code = e.code) });
  d.push(Buffer.from([23, 3, 3, 0xff, 0xff]));
  assert.equal(code, ERROR_CODES.TLS_RECORD_TOO_LARGE);
  assert.equal(d.bufferedBytes, 0);
});

test('key-log text: arbitrary and near-valid lines never throw, and every line is accounted for', () => {
  const R = 'cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7';
  const near = fc.oneof(
    fc.constantFrom('# comment', '', '   ', `CLIENT_RANDOM ${R} ${'ab'.repeat(48)}`, `SERVER_TRAFFIC_SECRET_0 ${R} ${'cd'.repeat(32)}`, `CLIENT_EARLY_TRAFFIC_SECRET ${R} ${'00'.repeat(32)}`),
    fc.tuple(fc.constantFrom('CLIENT_RANDOM', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'X'), fc.string({ maxLength: 70 }), fc.string({ maxLength: 100 })).map((parts) => parts.join(' ')),
    fc.string({ maxLength: 1500 }),
  );
  fc.assert(
    fc.property(fc.array(near, { maxLength: 30 }), fc.uint8Array({ maxLength: 2000 }), (lines, raw) => {
      for (const input of [lines.join('\n'), Buffer.from(raw)]) {
        const log = parseKeyLog(input);
        const s = log.stats;
        assert.equal(s.secrets + s.comments + s.blank + s.ignored + s.unknownLabel + s.malformed + s.tooLong, s.lines);
        for (const p of log.problems) assert.ok(CODES.has(p.code));
      }
    }),
    { numRuns: RUNS },
  );
});
