import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DNS_APP, DNS_LIMITS, DnsStream, dissectDns, readDnsName } from '../../../../src/pcap/layers/dns.js';
import type { AppContext } from '../../../../src/pcap/layers/app-protocol.js';
import type { ProtoLayer } from '../../../../src/pcap/layers/tree.js';
import { buildDns, withLength } from '../../../helpers/dns-build.js';
import { has, layerKey, treeText, values } from '../../../helpers/proto-tree.js';

const UDP53: AppContext = { transport: 'udp', srcPort: 40000, dstPort: 53 };
const TCP53: AppContext = { transport: 'tcp', srcPort: 40000, dstPort: 53 };

const query = buildDns({ id: 0x1a2b, flags: 0x0100, questions: [{ name: 'example.com', type: 1 }] });

/** A response using compression: answers name the question by a pointer to offset 12 (RFC 1035 section 4.1.4). */
function compressedResponse(): Uint8Array {
  const head = buildDns({ id: 0x1a2b, flags: 0x8180, questions: [{ name: 'www.example.com', type: 1 }] });
  const rr = (type: number, data: number[], ttl = 300): number[] => [0xc0, 0x0c, 0, type, 0, 1, (ttl >>> 24) & 255, (ttl >>> 16) & 255, (ttl >>> 8) & 255, ttl & 255, 0, data.length, ...data];
  const answers = [
    // CNAME www.example.com -> example.com: "example" label then a pointer to "com" inside the question (offset 12 + 4 + 8).
    ...rr(5, [7, ...Buffer.from('example'), 0xc0, 12 + 4 + 8]),
    ...rr(1, [93, 184, 216, 34], 3600),
    ...rr(28, [0x26, 0x06, 0x28, 0, 0x02, 0x20, 0, 1, 0x2, 0x48, 0x18, 0x93, 0x25, 0xc8, 0x19, 0x46]),
  ];
  const out = Uint8Array.from([...head, ...answers]);
  out[7] = 3; // ANCOUNT
  return out;
}

test('a query: header fields as numbers, the question as text, Info and title as tshark prints them', () => {
  const l = dissectDns(query);
  assert.equal(l.name, 'dns');
  assert.equal(l.protocol, 'DNS');
  assert.equal(l.title, 'Domain Name System (query)');
  assert.equal(l.info, 'Standard query 0x1a2b A example.com');
  assert.equal(l.malformed, undefined);
  assert.deepEqual(values(l, 'dns.id'), [0x1a2b]);
  assert.deepEqual(values(l, 'dns.flags'), [0x0100]);
  assert.deepEqual(values(l, 'dns.flags.response'), [0]);
  assert.deepEqual(values(l, 'dns.flags.opcode'), [0]);
  assert.equal(has(l, 'dns.flags.rcode'), false, 'tshark shows no reply code in a query');
  assert.deepEqual(values(l, 'dns.count.queries'), [1]);
  assert.deepEqual(values(l, 'dns.count.answers'), [0]);
  assert.deepEqual(values(l, 'dns.qry.name'), ['example.com']);
  assert.deepEqual(values(l, 'dns.qry.type'), [1]);
  assert.deepEqual(values(l, 'dns.qry.class'), [1]);
  const tree = treeText(l);
  assert.ok(tree.includes('    Transaction ID: 0x1a2b'));
  assert.ok(tree.includes('    Flags: 0x0100 Standard query'));
  assert.ok(tree.includes('        0... .... .... .... = Response: Message is a query'));
  assert.ok(tree.includes('        .000 0... .... .... = Opcode: Standard query (0)'));
  assert.ok(tree.includes('        example.com: type A, class IN'));
  assert.ok(tree.includes('            Type: A (Host Address) (1)'));
  assert.ok(tree.includes('            Class: IN (0x0001)'));
});

test('a compressed response: names through pointers, addresses as bytes, Info lists each answer', () => {
  const l = dissectDns(compressedResponse());
  assert.equal(l.malformed, undefined);
  assert.equal(l.title, 'Domain Name System (response)');
  assert.equal(l.info, 'Standard query response 0x1a2b A www.example.com CNAME example.com A 93.184.216.34 AAAA 2606:2800:220:1:248:1893:25c8:1946');
  assert.deepEqual(values(l, 'dns.flags.response'), [1]);
  assert.deepEqual(values(l, 'dns.flags.rcode'), [0]);
  assert.deepEqual(values(l, 'dns.count.answers'), [3]);
  assert.deepEqual(values(l, 'dns.resp.name'), ['www.example.com', 'www.example.com', 'www.example.com']);
  assert.deepEqual(values(l, 'dns.resp.type'), [5, 1, 28]);
  assert.deepEqual(values(l, 'dns.resp.ttl'), [300, 3600, 300]);
  assert.deepEqual(values(l, 'dns.cname'), ['example.com']);
  assert.deepEqual(values(l, 'dns.a'), [Uint8Array.from([93, 184, 216, 34])]);
  const aaaa = values(l, 'dns.aaaa');
  assert.equal(aaaa.length, 1);
  assert.ok(aaaa[0] instanceof Uint8Array && aaaa[0].length === 16);
  const tree = treeText(l);
  assert.ok(tree.includes('        www.example.com: type A, class IN, addr 93.184.216.34'));
  assert.ok(tree.includes('            Time to live: 3600 (1 hour)'));
  assert.ok(tree.includes('        www.example.com: type CNAME, class IN, cname example.com'));
});

test('an error reply code is named in Info after the id', () => {
  const l = dissectDns(buildDns({ id: 1, flags: 0x8183, questions: [{ name: 'nope.example', type: 28 }] }));
  assert.equal(l.info, 'Standard query response 0x0001 No such name AAAA nope.example');
  assert.deepEqual(values(l, 'dns.flags.rcode'), [3]);
});

test('a name pointer loop is malformed, found at once, and not a hang', () => {
  const self = Uint8Array.from([...query.subarray(0, 12), 0xc0, 0x0c, 0, 1, 0, 1]);
  const started = Date.now();
  const l = dissectDns(self);
  assert.match(l.malformed ?? '', /loop/);
  assert.equal(l.info, 'Standard query 0x1a2b');
  // Two names pointing at each other, each with a label: the octet cap stops it.
  const ab = Uint8Array.from([...query.subarray(0, 12), 1, 0x61, 0xc0, 16, 1, 0x62, 0xc0, 12, 0, 1, 0, 1]);
  assert.match(dissectDns(ab).malformed ?? '', /loop|longer than/);
  assert.ok(Date.now() - started < 500);
  const n = readDnsName(self, 12);
  assert.notEqual(n.error, '');
});

test('a name over 255 octets is malformed', () => {
  const long = Array.from({ length: 5 }, () => 'x'.repeat(60)).join('.');
  const l = dissectDns(buildDns({ id: 2, flags: 0x0100, questions: [{ name: long, type: 1 }] }));
  assert.match(l.malformed ?? '', new RegExp(`longer than ${DNS_LIMITS.maxNameOctets}`));
});

test('non-printable label bytes are escaped as tshark escapes them', () => {
  const l = dissectDns(buildDns({ id: 7, flags: 0x0100, questions: [{ name: 'a\x01b.c', type: 1 }] }));
  assert.equal(l.info, 'Standard query 0x0007 A a\\001b.c');
});

test('a message cut at every length never throws; what was read stays, the rest is malformed', () => {
  const full = compressedResponse();
  const whole = dissectDns(full).info;
  for (let n = 0; n < full.length; n++) {
    const l = dissectDns(full.subarray(0, n));
    assert.ok(l.malformed !== undefined, `cut at ${n} is malformed`);
    assert.ok(whole.startsWith(l.info), `cut at ${n}: Info "${l.info}" is a prefix of the whole message's`);
  }
});

test('record counts larger than the message: dissection stops at the end, malformed', () => {
  const m = Uint8Array.from(query);
  m[4] = 0xff; // QDCOUNT 0xff01
  const l = dissectDns(m);
  assert.ok(l.malformed !== undefined);
  assert.deepEqual(values(l, 'dns.qry.name'), ['example.com']);
});

test('Multicast DNS on port 5353: its own layer name, the QU bit split from the class', () => {
  const m = buildDns({ id: 0, flags: 0, questions: [{ name: '_http._tcp.local', type: 12, cls: 0x8001 }] });
  const l = DNS_APP.datagram!(m, { transport: 'udp', srcPort: 5353, dstPort: 5353 });
  assert.equal(l.name, 'mdns');
  assert.equal(l.protocol, 'MDNS');
  assert.equal(l.info, 'Standard query 0x0000 PTR _http._tcp.local, "QU" question');
  assert.deepEqual(values(l, 'dns.qry.class'), [1]);
});

test('detection: port 53 or 5353 whatever the bytes; elsewhere only a sane header and first question', () => {
  assert.equal(DNS_APP.detect(Uint8Array.from([1, 2, 3]), UDP53), true);
  const other: AppContext = { transport: 'udp', srcPort: 40000, dstPort: 9999 };
  assert.equal(DNS_APP.detect(query, other), true);
  assert.equal(DNS_APP.detect(Buffer.from('hello world, not a name server'), other), false);
  assert.equal(DNS_APP.detect(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), other), false);
  assert.equal(DNS_APP.detect(new Uint8Array(64), other), false, 'zero question count');
  const tcpOther: AppContext = { transport: 'tcp', srcPort: 40000, dstPort: 9999 };
  assert.equal(DNS_APP.detect(withLength(query), tcpOther), true);
  assert.equal(DNS_APP.detect(query, tcpOther), false, 'no length prefix');
  assert.equal(DNS_APP.detect(Uint8Array.from([0]), TCP53), true);
});

function feed(chunks: Uint8Array[]): { layers: ProtoLayer[]; pendingAfter: boolean[] } {
  const s = new DnsStream(TCP53);
  const layers: ProtoLayer[] = [];
  const pendingAfter: boolean[] = [];
  for (const c of chunks) {
    layers.push(...s.push(0, c));
    pendingAfter.push(s.pending(0));
    assert.ok(s.bufferedBytes <= 2 * (2 + DNS_LIMITS.maxTcpMessage));
  }
  return { layers, pendingAfter };
}

test('DNS over TCP: the length prefix is shown, two messages in one push give two layers', () => {
  const bytes = Buffer.concat([withLength(query), withLength(compressedResponse())]);
  const { layers, pendingAfter } = feed([bytes]);
  assert.deepEqual(layers.map((l) => l.info), [dissectDns(query).info, dissectDns(compressedResponse()).info]);
  assert.deepEqual(values(layers[0]!, 'dns.length'), [query.length]);
  assert.deepEqual(pendingAfter, [false]);
});

test('DNS over TCP at every chunk boundary, and byte by byte: the same layers', () => {
  const bytes = Buffer.concat([withLength(query), withLength(compressedResponse())]);
  const want = feed([bytes]).layers.map(layerKey);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const got = feed([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(got.layers.map(layerKey), want, `split at ${cut}`);
    assert.equal(got.pendingAfter[0], cut !== 0 && cut !== query.length + 2 && cut !== bytes.length, `pending after ${cut} bytes`);
  }
  const bytewise = feed([...bytes].map((b) => Uint8Array.of(b)));
  assert.deepEqual(bytewise.layers.map(layerKey), want);
});

test('DNS over TCP: a message cut by the close is dropped, and the layer values do not alias the pushed bytes', () => {
  const s = new DnsStream(TCP53);
  const bytes = withLength(compressedResponse());
  assert.deepEqual(s.push(0, bytes.subarray(0, 30)), []);
  assert.equal(s.pending(0), true);
  assert.deepEqual(s.end(0), []);
  assert.equal(s.pending(0), false);
  const copy = Uint8Array.from(bytes);
  const [l] = s.push(0, copy);
  copy.fill(0);
  assert.deepEqual(values(l!, 'dns.a'), [Uint8Array.from([93, 184, 216, 34])]);
});
