/**
 * Property tests of the TLS layer of the packet view: random bytes, and
 * real records (RFC 8448, hand-built hellos) mutated and cut at random
 * points, fed to both directions in random chunks. The dissector must never
 * throw, must return well-formed layers, and must keep nothing unbounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as v from '../fixtures/tls/rfc8448.js';
import { createTlsStreamDissector, type TlsLayer } from '../../src/pcap/layers/tls.js';
import type { StreamSide } from '../../src/pcap/layers/app-protocol.js';
import type { ProtoField } from '../../src/pcap/layers/tree.js';
import { parseKeyLog } from '../../src/pcap/tls/keylog.js';
import { clientHelloBody, handshake, record, serverHelloBody } from '../helpers/tls-records.js';

const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 300);
const CONTEXT = { transport: 'tcp' as const, srcPort: 1, dstPort: 2 };
const KEY_LOG = parseKeyLog(v.KEY_LOG);

const CLIENT = Buffer.concat([
  v.CLIENT_HELLO_RECORD,
  record(22, handshake(1, clientHelloBody({ suites: [0x1301, 0xc02f], sni: 'a.example', versions: [0x0304] }))),
  v.CLIENT_FINISHED_RECORD,
  v.CLIENT_APP_RECORD,
]);
const SERVER = Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD, record(22, handshake(2, serverHelloBody({ suite: 0xc02f }))), record(21, Buffer.from([2, 40]))]);

function checkLayer(layer: TlsLayer): void {
  assert.equal(layer.name, 'tls');
  assert.equal(typeof layer.info, 'string');
  assert.ok(Array.isArray(layer.decrypted));
  const walk = (fields: ProtoField[]): void => {
    for (const f of fields) {
      assert.equal(typeof f.label, 'string');
      if (f.children) walk(f.children);
    }
  };
  walk(layer.fields);
}

/** Feeds one direction's bytes in chunks cut at `cuts`, alternating with the other side's. */
function run(client: Buffer, server: Buffer, cuts: number[], keys: boolean): void {
  const d = createTlsStreamDissector(CONTEXT, keys ? { keyLog: KEY_LOG } : {});
  const pieces = (b: Buffer): Buffer[] => {
    const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
    const out: Buffer[] = [];
    let prev = 0;
    for (const c of [...at, b.length]) {
      out.push(b.subarray(prev, c));
      prev = c;
    }
    return out;
  };
  const c = pieces(client);
  const s = pieces(server);
  for (let i = 0; i < Math.max(c.length, s.length); i++) {
    for (const [side, part] of [
      [0, c[i]],
      [1, s[i]],
    ] as [StreamSide, Buffer | undefined][]) {
      if (part === undefined) continue;
      for (const layer of d.push(side, part)) checkLayer(layer);
      d.pending(side);
    }
  }
  d.end(0);
  d.end(1);
}

const mutation = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });

test('random bytes never make the TLS dissector throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (a, b, cuts, keys) => {
      // A valid header in front, so the bytes reach the record and handshake parsers.
      run(Buffer.concat([Buffer.from([22, 3, 3, a.length >> 8, a.length & 0xff]), a]), Buffer.from(b), cuts, keys);
    }),
    { numRuns: RUNS },
  );
});

test('mutated and cut real records never make the TLS dissector throw', () => {
  fc.assert(
    fc.property(fc.array(mutation, { maxLength: 12 }), fc.array(mutation, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), fc.nat(), fc.boolean(), (mc, ms, cuts, cut, keys) => {
      const client = Buffer.from(CLIENT);
      const server = Buffer.from(SERVER);
      for (const m of mc) client[m.at % client.length] = m.value;
      for (const m of ms) server[m.at % server.length] = m.value;
      run(client.subarray(0, client.length - (cut % 64)), server, cuts, keys);
    }),
    { numRuns: RUNS },
  );
});
