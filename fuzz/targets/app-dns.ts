/**
 * pcap/dns: dissectDns over mutated and random messages, and DnsStream over
 * the same messages behind a length prefix in random chunks. Never throws,
 * holds at most one message a side, and chunking does not change the layers.
 */
import { DNS_LIMITS, DnsStream, dissectDns } from '../../src/pcap/layers/dns.js';
import type { ProtoLayer } from '../../src/pcap/layers/tree.js';
import { buildDns, withLength } from '../../test/helpers/dns-build.js';
import { chunk, input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const SEEDS = [
  buildDns({ id: 0x1a2b, flags: 0x0100, questions: [{ name: 'www.example.com', type: 1 }], additional: [{ name: '', type: 41, cls: 4096, ttl: 0, data: Uint8Array.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]) }] }),
  buildDns({
    id: 7,
    flags: 0x8180,
    questions: [{ name: 'a.example', type: 28 }],
    answers: [
      { name: 'a.example', type: 5, data: { name: 'b.example' } },
      { name: 'b.example', type: 28, data: new Uint8Array(16) },
      { name: 'b.example', type: 15, data: { pref: 10, name: 'mx.example' } },
      { name: 'b.example', type: 16, data: Uint8Array.from([2, 0x68, 0x69]) },
    ],
    authority: [{ name: 'example', type: 6, data: Uint8Array.from([0, 0, ...new Array(20).fill(1)]) }],
  }),
  // A compression pointer back to the question name.
  Uint8Array.from([0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]),
];

function key(layers: ProtoLayer[]): string {
  return layers.map((l) => `${l.info}|${l.malformed ?? ''}|${l.fields.length}`).join('\n');
}

export const appDns: FuzzTarget = {
  name: 'pcap/dns',
  run(rng) {
    const msg = input(rng, SEEDS, 300);
    const l = dissectDns(msg, { mdns: rng.chance(0.2) });
    check(typeof l.info === 'string' && l.fields.length > 0 === msg.length >= 2, 'a layer without its header fields');
    const bytes = withLength(msg.subarray(0, DNS_LIMITS.maxTcpMessage));
    const whole = new DnsStream({ transport: 'tcp', srcPort: 1, dstPort: 53 }).push(0, bytes);
    const s = new DnsStream({ transport: 'tcp', srcPort: 1, dstPort: 53 });
    const got: ProtoLayer[] = [];
    for (const c of chunk(rng, bytes)) {
      got.push(...s.push(1, c));
      check(s.bufferedBytes <= 4 + 2 * DNS_LIMITS.maxTcpMessage, `holds ${s.bufferedBytes} bytes`);
    }
    check(key(got) === key(whole), 'chunking changed the messages');
    check(!s.pending(1), 'a whole message is still pending');
  },
};
