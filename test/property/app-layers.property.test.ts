/**
 * Properties of the application dissectors over random and mutated bytes:
 * they never throw, what they hold stays under their caps, and valid
 * messages come out the same whatever the chunking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DNS_APP, DNS_LIMITS, DnsStream, dissectDns } from '../../src/pcap/layers/dns.js';
import { HTTP_LIMITS, HttpStream } from '../../src/pcap/layers/http.js';
import { detectApp } from '../../src/pcap/layers/app-table.js';
import type { StreamSide } from '../../src/pcap/layers/app-protocol.js';
import type { ProtoLayer } from '../../src/pcap/layers/tree.js';
import { buildDns, withLength } from '../helpers/dns-build.js';
import { FIXTURES } from '../helpers/pcap.js';
import { layerKey } from '../helpers/proto-tree.js';

const RUNS = Number(process.env.NETLAB_PROPERTY_RUNS ?? 300);
const HTTP_BOUND = 2 * (HTTP_LIMITS.maxHeadBytes + HTTP_LIMITS.maxChunkLineBytes + HTTP_LIMITS.maxBodyKeptBytes);
const DNS_BOUND = 4 + 2 * DNS_LIMITS.maxTcpMessage;

/** Cuts `bytes` at the given offsets. */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) parts.push(bytes.subarray(from, p));
    from = p;
  }
  return parts;
}

/** Applies byte overwrites, truncation and insertions to a seed. */
const mutated = (seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.option(fc.nat()),
      fc.array(fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 16 })), { maxLength: 2 }),
    )
    .map(([seed, writes, cut, inserts]) => {
      let out = Buffer.from(seed);
      for (const [at, v] of writes) if (out.length > 0) out[at % out.length] = v;
      for (const [at, bytes] of inserts) {
        const p = at % (out.length + 1);
        out = Buffer.concat([out.subarray(0, p), bytes, out.subarray(p)]);
      }
      return cut === null ? out : out.subarray(0, cut % (out.length + 1));
    });

/** DNS payloads of the fixtures' UDP packets (Ethernet/IPv4/UDP at fixed offsets), plus built messages. */
function dnsSeeds(): Uint8Array[] {
  const seeds: Uint8Array[] = [
    buildDns({ id: 1, flags: 0x0100, questions: [{ name: 'example.com', type: 1 }] }),
    buildDns({ id: 2, flags: 0x8180, questions: [{ name: 'a.b', type: 28 }], answers: [{ name: 'a.b', type: 5, data: { name: 'c.d' } }, { name: 'c.d', type: 15, data: { pref: 5, name: 'mx.c.d' } }] }),
  ];
  const file = readFileSync(join(FIXTURES, 'tcpdump-dns_udp.pcap'));
  // pcap header 24 bytes, then records: 16-byte header, Ethernet 14, IPv4 20, UDP 8.
  for (let at = 24; at + 16 <= file.length; ) {
    const len = file.readUInt32LE(at + 8);
    seeds.push(file.subarray(at + 16 + 42, at + 16 + len));
    at += 16 + len;
  }
  return seeds;
}

const HTTP_SEEDS = [
  'GET /a?b=c HTTP/1.1\r\nHost: h\r\nUser-Agent: x\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x\r\nhello\r\n0\r\nT: 1\r\n\r\n',
  'POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcHEAD / HTTP/1.1\r\n\r\n',
  'HTTP/1.0 200 OK\r\n\r\nuntil the close',
].map((s) => Buffer.from(s, 'latin1'));

test('DNS: dissectDns and DnsStream never throw on random or mutated messages, and hold at most one message a side', () => {
  const seeds = dnsSeeds();
  const ctx = { transport: 'tcp' as const, srcPort: 1, dstPort: 53 };
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated(seeds)), fc.array(fc.nat(), { maxLength: 8 }), (msg, cuts) => {
      const l = dissectDns(msg);
      assert.equal(typeof l.info, 'string');
      DNS_APP.detect(msg, { transport: 'udp', srcPort: 1, dstPort: 2 });
      const s = new DnsStream(ctx);
      const stream = withLength(msg);
      const whole = s.push(0, stream).map(layerKey);
      const s2 = new DnsStream(ctx);
      const parts: ProtoLayer[] = [];
      for (const c of chunk(stream, cuts)) {
        parts.push(...s2.push(1, c));
        assert.ok(s2.bufferedBytes <= DNS_BOUND);
      }
      assert.deepEqual(parts.map(layerKey), whole);
      s2.end(1);
    }),
    { numRuns: RUNS },
  );
});

test('DNS over TCP: random byte streams never throw and never hold more than one message a side', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
      const s = new DnsStream({ transport: 'tcp', srcPort: 1, dstPort: 53 });
      for (const c of chunk(bytes, cuts)) {
        s.push(0, c);
        assert.ok(s.bufferedBytes <= DNS_BOUND);
      }
      s.end(0);
    }),
    { numRuns: RUNS },
  );
});

test('HTTP: random and mutated streams on both sides never throw, and buffers stay under the caps', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom<StreamSide>(0, 1), fc.oneof(fc.uint8Array({ maxLength: 400 }), mutated(HTTP_SEEDS))), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (pushes, cuts) => {
        const s = new HttpStream();
        for (const [side, data] of pushes) {
          for (const c of chunk(data, cuts)) {
            for (const l of s.push(side, c)) assert.equal(l.name, 'http');
            assert.ok(s.bufferedBytes <= HTTP_BOUND, `holds ${s.bufferedBytes}`);
            s.pending(side);
          }
          detectApp(data, { transport: 'tcp', srcPort: 1, dstPort: 2 });
        }
        s.end(0);
        s.end(1);
      },
    ),
    { numRuns: RUNS },
  );
});

/** A valid message: a request or a response, with a Content-Length, chunked or no body. */
const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const body = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));
const message = fc
  .record({
    response: fc.boolean(),
    path: token,
    headers: fc.array(fc.tuple(token, token), { maxLength: 4 }),
    body,
    framing: fc.constantFrom('length', 'chunked', 'none'),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 6 }),
  })
  .map((m) => {
    const start = m.response ? 'HTTP/1.1 200 OK' : `POST /${m.path} HTTP/1.1`;
    const headers = m.headers.map(([k, v]) => `X-${k}: ${v}\r\n`).join('');
    if (m.framing === 'none') return `${start}\r\n${headers}Content-Length: 0\r\n\r\n`;
    if (m.framing === 'length') return `${start}\r\n${headers}Content-Length: ${m.body.length}\r\n\r\n${m.body}`;
    let rest = m.body;
    let chunks = '';
    for (const n of m.chunkSizes) {
      if (rest === '') break;
      chunks += `${Math.min(n, rest.length).toString(16)}\r\n${rest.slice(0, n)}\r\n`;
      rest = rest.slice(n);
    }
    if (rest !== '') chunks += `${rest.length.toString(16)}\r\n${rest}\r\n`;
    return `${start}\r\n${headers}Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`;
  });

test('HTTP: valid messages give one layer each, the same for every chunking', () => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, cuts) => {
      const bytes = Buffer.from(messages.join(''), 'latin1');
      const whole = new HttpStream().push(0, bytes);
      assert.equal(whole.length, messages.length);
      for (const l of whole) assert.equal(l.malformed, undefined);
      const s = new HttpStream();
      const got: ProtoLayer[] = [];
      for (const c of chunk(bytes, cuts)) got.push(...s.push(0, c));
      assert.deepEqual(got.map(layerKey), whole.map(layerKey));
      assert.equal(s.pending(0), false);
    }),
    { numRuns: RUNS },
  );
});
