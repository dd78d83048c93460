/**
 * Display filters over a small fake catalog: every operator and literal kind,
 * multi-valued fields, precedence, sets, contains/matches, presence and
 * field-to-field comparisons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDisplayFilter } from '../../../../src/pcap/filter/index.js';
import { ipv6Bytes } from '../../../../src/pcap/cidr.js';
import type { FieldValue } from '../../../../src/pcap/view/field.js';
import { bytes, fakeCatalog, ip4, TEST_KINDS, text, type FakePacket } from '../../../helpers/fake-fields.js';

const catalog = fakeCatalog(TEST_KINDS);

const GET = 'GET /index.html HTTP/1.1\r\nHost: Example.com\r\n\r\n';

const packets: FakePacket[] = [
  {
    'frame.number': [1],
    'frame.time_relative': [0],
    'eth.src': [bytes('00:11:22:33:44:55')],
    'eth.dst': [bytes('66:77:88:99:aa:bb')],
    ip: [bytes('4500003c')],
    'ip.src': [ip4('10.0.0.1')],
    'ip.dst': [ip4('192.168.1.20')],
    'ip.addr': [ip4('10.0.0.1'), ip4('192.168.1.20')],
    'ip.ttl': [64],
    tcp: [bytes('13880050')],
    'tcp.srcport': [5000],
    'tcp.dstport': [80],
    'tcp.port': [5000, 80],
    'tcp.len': [0],
    'tcp.flags.syn': [1],
    'tcp.flags.ack': [0],
  },
  {
    'frame.number': [2],
    'frame.time_relative': [0.25],
    'eth.src': [bytes('00:11:22:33:44:55')],
    'eth.dst': [bytes('66:77:88:99:aa:bb')],
    ip: [bytes('45000064')],
    'ip.src': [ip4('10.0.0.1')],
    'ip.dst': [ip4('192.168.1.20')],
    'ip.addr': [ip4('10.0.0.1'), ip4('192.168.1.20')],
    'ip.ttl': [64],
    tcp: [Uint8Array.from([0x13, 0x88, 0x00, 0x50, ...text(GET)])],
    'tcp.srcport': [5000],
    'tcp.dstport': [80],
    'tcp.port': [5000, 80],
    'tcp.len': [GET.length],
    'tcp.flags.syn': [0],
    'tcp.flags.ack': [1],
    'tcp.payload': [text(GET)],
    http: [text(GET)],
    'http.request': [1],
    'http.request.method': ['GET'],
    'http.host': ['Example.com'],
    'http.request.uri': ['/index.html'],
  },
  {
    'frame.number': [3],
    'frame.time_relative': [1.5],
    'eth.src': [bytes('66:77:88:99:aa:bb')],
    ip: [bytes('45000080')],
    'ip.src': [ip4('192.168.1.1')],
    'ip.dst': [ip4('10.0.0.1')],
    'ip.addr': [ip4('192.168.1.1'), ip4('10.0.0.1')],
    'ip.ttl': [255],
    udp: [bytes('0035')],
    'udp.port': [53, 40000],
    dns: [Uint8Array.from([0x12, 0x34, 0x81, 0x80, 0xff, ...text('tcpdump')])],
    'dns.qry.name': ['www.tcpdump.org'],
    'dns.a': [ip4('192.139.46.66'), ip4('198.199.88.104')],
  },
  {
    'frame.number': [4],
    'frame.time_relative': [2],
    'eth.src': [bytes('66:77:88:99:aa:bb')],
    ipv6: [bytes('60000000')],
    'ipv6.src': [ipv6Bytes('2001:db8::1')],
    'ipv6.addr': [ipv6Bytes('2001:db8::1'), ipv6Bytes('fe80::1:2')],
    tcp: [bytes('01bb1770')],
    'tcp.srcport': [443],
    'tcp.dstport': [6000],
    'tcp.port': [443, 6000],
    'tcp.len': [1200],
    'tcp.flags.syn': [0],
    'tcp.flags.ack': [1],
    'tcp.payload': [bytes('16030100ff00')],
  },
];

/** Frame numbers of the packets `expr` keeps. */
function sel(expr: string): number[] {
  const r = compileDisplayFilter(expr, catalog);
  if (!r.ok) assert.fail(`${expr}: ${r.error.message} at ${r.error.position}`);
  return packets.filter((p) => r.filter.matches(p)).map((p) => p['frame.number']![0] as number);
}

function error(expr: string) {
  const r = compileDisplayFilter(expr, catalog);
  assert.equal(r.ok, false, `${expr} should not compile`);
  return (r as { ok: false; error: { message: string; position: number; expected: string } }).error;
}

test('comparison operators on an unsigned field, symbols and words alike', () => {
  const cases: [string, string, number[]][] = [
    ['==', 'eq', [1, 2]],
    ['!=', 'ne', [4]],
    ['<', 'lt', []],
    ['>', 'gt', [4]],
    ['<=', 'le', [1, 2]],
    ['>=', 'ge', [1, 2, 4]],
  ];
  for (const [sym, word, want] of cases) {
    assert.deepEqual(sel(`tcp.dstport ${sym} 80`), want, sym);
    assert.deepEqual(sel(`tcp.dstport ${word} 80`), want, word);
  }
  assert.deepEqual(sel('tcp.dstport == 80'), [1, 2]);
  assert.deepEqual(sel('tcp.dstport != 80'), [4]);
  assert.deepEqual(sel('tcp.dstport < 80'), []);
  assert.deepEqual(sel('tcp.dstport > 80'), [4]);
  assert.deepEqual(sel('tcp.dstport <= 80'), [1, 2]);
  assert.deepEqual(sel('tcp.dstport >= 80'), [1, 2, 4]);
  assert.deepEqual(sel('tcp.dstport==80&&frame.number<2'), [1], 'no spaces needed around operators');
});

test('unsigned literals: decimal, 0x hex, 0 octal, 0b binary', () => {
  assert.deepEqual(sel('tcp.dstport == 0x50'), [1, 2]);
  assert.deepEqual(sel('tcp.dstport == 0X50'), [1, 2]);
  assert.deepEqual(sel('tcp.dstport == 0120'), [1, 2]);
  assert.deepEqual(sel('tcp.dstport == 0b1010000'), [1, 2]);
  assert.deepEqual(sel('tcp.len == 0'), [1]);
});

test('multi-valued fields: == is any value, != is all values differ, ~= any differs, === all equal', () => {
  assert.deepEqual(sel('tcp.port == 80'), [1, 2]);
  assert.deepEqual(sel('tcp.port != 80'), [4], '!= excludes a packet with 80 on either side');
  assert.deepEqual(sel('tcp.port ~= 80'), [1, 2, 4]);
  assert.deepEqual(sel('tcp.port any_ne 80'), [1, 2, 4]);
  assert.deepEqual(sel('tcp.port === 80'), []);
  assert.deepEqual(sel('tcp.port all_eq 80'), []);
  assert.deepEqual(sel('tcp.port !== 80'), [1, 2, 4], '!== is any_ne in tshark 4.0');
  assert.deepEqual(sel('tcp.port all_ne 80'), sel('tcp.port != 80'));
  assert.deepEqual(sel('tcp.port any_eq 80'), sel('tcp.port == 80'));
  assert.deepEqual(sel('ip.addr != 10.0.0.1'), [], 'every IPv4 packet has 10.0.0.1 on one side');
  assert.deepEqual(sel('ip.ttl === 64'), [1, 2]);
  assert.deepEqual(sel('tcp.port > 5000'), [4]);
  assert.deepEqual(sel('tcp.port < 100'), [1, 2]);
});

test('a comparison on an absent field is false, != included; ! and not in are negations', () => {
  assert.deepEqual(sel('dns.a != 1.2.3.4'), [3]);
  assert.deepEqual(sel('dns.a == 1.2.3.4'), []);
  assert.deepEqual(sel('!(dns.a == 1.2.3.4)'), [1, 2, 3, 4]);
  assert.deepEqual(sel('udp.port ~= 1'), [3]);
  assert.deepEqual(sel('udp.port === 53'), []);
  assert.deepEqual(sel('udp.port in {53}'), [3]);
  assert.deepEqual(sel('udp.port not in {53}'), [1, 2, 4]);
  assert.deepEqual(sel('http.host contains "zz"'), []);
  assert.deepEqual(sel('http.host matches "."'), [2]);
});

test('bool fields: 1/0, True/False in any case spelling tshark takes, non-zero integers as true', () => {
  assert.deepEqual(sel('tcp.flags.syn == 1'), [1]);
  assert.deepEqual(sel('tcp.flags.syn == True'), [1]);
  assert.deepEqual(sel('tcp.flags.syn == TRUE'), [1]);
  assert.deepEqual(sel('tcp.flags.syn == true'), [1]);
  assert.deepEqual(sel('tcp.flags.syn == 2'), [1]);
  assert.deepEqual(sel('tcp.flags.syn == 0'), [2, 4]);
  assert.deepEqual(sel('tcp.flags.syn == False'), [2, 4]);
  assert.deepEqual(sel('tcp.flags.syn != 1'), [2, 4]);
  assert.deepEqual(sel('tcp.flags.syn'), [1, 2, 4], 'a bare bool field is present, whatever its value');
});

test('float fields take decimals', () => {
  assert.deepEqual(sel('frame.time_relative > 0.2'), [2, 3, 4]);
  assert.deepEqual(sel('frame.time_relative == 0.25'), [2]);
  assert.deepEqual(sel('frame.time_relative < 2'), [1, 2, 3]);
  assert.deepEqual(sel('frame.time_relative >= -1'), [1, 2, 3, 4]);
});

test('IPv4 addresses, with a prefix compared under the mask', () => {
  assert.deepEqual(sel('ip.src == 10.0.0.1'), [1, 2]);
  assert.deepEqual(sel('ip.dst == 192.168.1.0/24'), [1, 2]);
  assert.deepEqual(sel('ip.addr == 192.168.0.0/16'), [1, 2, 3]);
  assert.deepEqual(sel('ip.src == 192.168.1.77/24'), [3], 'host bits under the prefix are ignored');
  assert.deepEqual(sel('ip.src == 0.0.0.0/0'), [1, 2, 3]);
  assert.deepEqual(sel('ip.src == 10.0.0.1/32'), [1, 2]);
  assert.deepEqual(sel('ip.src > 10.0.0.1'), [3]);
  assert.deepEqual(sel('ip.src eq 10.0.0.2'), []);
  assert.deepEqual(sel('dns.a == 198.199.88.104'), [3]);
});

test('IPv6 addresses in RFC 4291 forms, with prefixes on and off byte boundaries', () => {
  assert.deepEqual(sel('ipv6.src == 2001:db8::1'), [4]);
  assert.deepEqual(sel('ipv6.src == 2001:0db8:0000:0000:0000:0000:0000:0001'), [4]);
  assert.deepEqual(sel('ipv6.src == 2001:DB8:0:0::1'), [4]);
  assert.deepEqual(sel('ipv6.src == 2001:db8::/32'), [4]);
  assert.deepEqual(sel('ipv6.src == 2001:db9::/32'), []);
  assert.deepEqual(sel('ipv6.addr == fe80::/10'), [4]);
  assert.deepEqual(sel('ipv6.addr == fec0::/10'), [], '/10 looks at the top two bits of the second byte');
  assert.deepEqual(sel('ipv6.addr == ::ffff:1.2.3.4'), []);
  assert.deepEqual(sel('ipv6.addr == ::/0'), [4]);
  assert.deepEqual(sel('ipv6.addr != 2001:db8::1'), []);
});

test('Ethernet addresses in colon, dash, dot, Cisco and bare forms', () => {
  for (const form of ['00:11:22:33:44:55', '00-11-22-33-44-55', '00.11.22.33.44.55', '0011.2233.4455', '001122334455', '00:11:22:33:44:55'.toUpperCase()]) {
    assert.deepEqual(sel(`eth.src == ${form}`), [1, 2], form);
  }
  assert.deepEqual(sel('eth.dst != 66:77:88:99:aa:bb'), []);
});

test('strings: quoted with escapes, raw, unquoted, and ordered', () => {
  assert.deepEqual(sel('http.request.method == "GET"'), [2]);
  assert.deepEqual(sel('http.request.method == GET'), [2], 'unquoted text is a string for a string field');
  assert.deepEqual(sel('http.request.method == "get"'), [], '== on strings is case-sensitive');
  assert.deepEqual(sel('http.host == "Example\\x2ecom"'), [2]);
  assert.deepEqual(sel('http.host == "\\105xample.com"'), [2], 'octal escape');
  assert.deepEqual(sel('http.host == "\\u0045xample.com"'), [2]);
  assert.deepEqual(sel('dns.qry.name == r"www.tcpdump.org"'), [3]);
  assert.deepEqual(sel('dns.qry.name < "x"'), [3]);
  assert.deepEqual(sel('dns.qry.name > "x"'), []);
  assert.deepEqual(sel('http.request.uri != "/"'), [2]);
});

test('bytes: separated hex, bare hex, a quoted string; ordered bytewise', () => {
  assert.deepEqual(sel('tcp.payload == 16:03:01:00:ff:00'), [4]);
  assert.deepEqual(sel('tcp.payload == 16-03-01-00-ff-00'), [4]);
  assert.deepEqual(sel('tcp.payload == 16.03.01.00.ff.00'), [4]);
  assert.deepEqual(sel('tcp.payload == 16030100ff00'), [4]);
  assert.deepEqual(sel(`tcp.payload == "${GET.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`), [2]);
  assert.deepEqual(sel('tcp.payload > 16'), [2, 4], '"G" (47) and 16:03... sort after the single byte 16');
  assert.deepEqual(sel('tcp.payload < 17'), [4]);
});

test('contains: strings on string fields, bytes or strings on bytes and protocol fields', () => {
  assert.deepEqual(sel('http.host contains "ample"'), [2]);
  assert.deepEqual(sel('http.host contains "AMPLE"'), [], 'contains is case-sensitive');
  assert.deepEqual(sel('http.host contains ""'), [], 'tshark: a string never contains ""');
  assert.deepEqual(sel('tcp.payload contains ""'), [2, 4], 'tshark: bytes always contain ""');
  assert.deepEqual(sel('tcp.payload contains "Host:"'), [2]);
  assert.deepEqual(sel('tcp.payload contains 47:45:54'), [2]);
  assert.deepEqual(sel('tcp.payload contains 474554'), [2]);
  assert.deepEqual(sel('tcp.payload contains ff'), [4], 'a single byte');
  assert.deepEqual(sel('tcp.payload contains 0'), [4], 'a single hex digit is one byte');
  assert.deepEqual(sel('tcp.payload contains "\\xff"'), [4], '\\xff is the byte ff, not UTF-8');
  assert.deepEqual(sel('tcp.payload contains 00:ff:00:01'), [], 'the needle may not run past the end');
  assert.deepEqual(sel('tcp contains "GET"'), [2], 'a protocol contains its bytes');
  assert.deepEqual(sel('dns contains "tcpdump"'), [3]);
  assert.deepEqual(sel('http contains "Host"'), [2]);
});

test('matches: case-insensitive by default as in tshark 4.0, (?-i) and (?i) at the start, bytes as latin1', () => {
  assert.deepEqual(sel('http.host matches "^example\\\\.com$"'), [2]);
  assert.deepEqual(sel('http.host matches r"^example\\.com$"'), [2]);
  assert.deepEqual(sel('http.host matches "(?-i)^example"'), []);
  assert.deepEqual(sel('http.host matches "(?-i)^Example"'), [2]);
  assert.deepEqual(sel('http.host matches "(?i)^EXAMPLE"'), [2]);
  assert.deepEqual(sel('http.request.uri ~ "\\\\.html$"'), [2], '~ is matches');
  assert.deepEqual(sel('tcp.payload matches "^get /"'), [2]);
  assert.deepEqual(sel('tcp.payload matches "\\xff\\x00$"'), [4], 'a byte above 7f matches as one latin1 character');
  assert.deepEqual(sel('tcp matches "host: ex"'), [2]);
  assert.deepEqual(sel('dns.qry.name matches "TCPDUMP"'), [3]);
});

test('in: sets of values and ranges, commas optional, of the field\'s kind', () => {
  assert.deepEqual(sel('tcp.dstport in {80 443 8000..8100}'), [1, 2]);
  assert.deepEqual(sel('tcp.dstport in {80, 443, 8000..8100}'), [1, 2]);
  assert.deepEqual(sel('tcp.dstport in {5000..6000}'), [4]);
  assert.deepEqual(sel('tcp.dstport in {5000 .. 6000}'), [4]);
  assert.deepEqual(sel('tcp.dstport in {6001..7000}'), []);
  assert.deepEqual(sel('tcp.dstport in {6000..5000}'), [], 'a reversed range is empty');
  assert.deepEqual(sel('tcp.port in {443}'), [4], 'any value in the set');
  assert.deepEqual(sel('tcp.len not in {0}'), [2, 3, 4], 'true without the field, as in tshark');
  assert.deepEqual(sel('http.request.method in {"GET", "HEAD"}'), [2]);
  assert.deepEqual(sel('dns.qry.name in {"a".."z"}'), [3]);
  assert.deepEqual(sel('ip.src in {192.168.1.0/24}'), [3]);
  assert.deepEqual(sel('ip.src in {10.0.0.0..10.0.0.9, 172.16.0.1}'), [1, 2]);
  assert.deepEqual(sel('frame.time_relative in {0.1..0.3, 2}'), [2, 4]);
  assert.deepEqual(sel('tcp.flags.syn in {True}'), [1]);
  assert.deepEqual(sel('eth.src in {00:11:22:33:44:55}'), [1, 2]);
});

test('precedence: ! over && over ||, words and symbols alike; parentheses regroup', () => {
  assert.deepEqual(sel('frame.number == 1 || frame.number == 2 && frame.number == 3'), [1]);
  assert.deepEqual(sel('frame.number == 1 or frame.number == 2 and frame.number == 3'), [1]);
  assert.deepEqual(sel('(frame.number == 1 || frame.number == 2) && frame.number == 3'), []);
  assert.deepEqual(sel('frame.number == 1 && frame.number == 2 || frame.number == 3'), [3]);
  assert.deepEqual(sel('frame.number == 1 && (frame.number == 2 || frame.number == 3)'), []);
  assert.deepEqual(sel('!frame.number == 1 && frame.number < 3'), [2]);
  assert.deepEqual(sel('not frame.number == 1 and frame.number < 3'), [2]);
  assert.deepEqual(sel('!(frame.number == 1 && frame.number < 3)'), [2, 3, 4]);
  assert.deepEqual(sel('!!tcp'), [1, 2, 4]);
  assert.deepEqual(sel('((((tcp))))'), [1, 2, 4]);
  assert.deepEqual(sel('tcp && !http || dns'), [1, 3, 4]);
  assert.deepEqual(sel('frame.number == 1 || frame.number == 2 || frame.number == 4'), [1, 2, 4]);
  assert.deepEqual(sel('tcp && tcp.len > 0 && ip'), [2]);
});

test('a bare field or protocol means present', () => {
  assert.deepEqual(sel('tcp'), [1, 2, 4]);
  assert.deepEqual(sel('dns'), [3]);
  assert.deepEqual(sel('http.request'), [2]);
  assert.deepEqual(sel('tcp.payload'), [2, 4]);
  assert.deepEqual(sel('!ip'), [4]);
  assert.deepEqual(sel('tcp.len'), [1, 2, 4], 'present even when the value is 0');
});

test('a field compared with a field, over all pairs of values', () => {
  assert.deepEqual(sel('tcp.srcport < tcp.dstport'), [4]);
  assert.deepEqual(sel('tcp.srcport > tcp.dstport'), [1, 2]);
  assert.deepEqual(sel('tcp.srcport == tcp.dstport'), []);
  assert.deepEqual(sel('tcp.srcport != tcp.dstport'), [1, 2, 4]);
  assert.deepEqual(sel('ip.src == ip.addr'), [1, 2, 3]);
  assert.deepEqual(sel('ip.src != ip.addr'), [], 'every source is among the addresses');
  assert.deepEqual(sel('ip.src ~= ip.addr'), [1, 2, 3]);
  assert.deepEqual(sel('tcp.port == tcp.port'), [1, 2, 4]);
  assert.deepEqual(sel('tcp.port != tcp.port'), []);
  assert.deepEqual(sel('tcp.len == tcp.flags.syn'), [], 'numbers compare across uint and bool');
  assert.deepEqual(sel('tcp contains tcp.payload'), [2]);
});

test('fields lists every field named, on both sides of an operator', () => {
  const r = compileDisplayFilter('tcp && (http.request || tcp.srcport < tcp.dstport) && !dns.a in {1.2.3.4}', catalog);
  assert.ok(r.ok);
  assert.deepEqual([...r.filter.fields].sort(), ['dns.a', 'http.request', 'tcp', 'tcp.dstport', 'tcp.srcport']);
});

test('an empty or blank filter keeps every packet and names no field', () => {
  for (const expr of ['', '   ', '\t\n']) {
    const r = compileDisplayFilter(expr, catalog);
    assert.ok(r.ok);
    assert.equal(packets.filter((p) => r.filter.matches(p)).length, packets.length);
    assert.equal(r.filter.fields.size, 0);
  }
});

test('each comparison node reads into one array it reuses for every packet', () => {
  const arrays = new Set<FieldValue[]>();
  let calls = 0;
  const spy = {
    field: (name: string) =>
      name === 'n'
        ? {
            name: 'n',
            kind: 'uint' as const,
            read(p: number, out: FieldValue[]) {
              calls++;
              assert.equal(out.length, 0, 'the array comes empty');
              arrays.add(out);
              out.push(p, p + 1);
            },
          }
        : undefined,
    names: () => ['n'],
  };
  const r = compileDisplayFilter<number>('n == 5 || n in {100..200}', spy);
  assert.ok(r.ok);
  const kept = [];
  for (let p = 0; p < 1000; p++) if (r.filter.matches(p)) kept.push(p);
  assert.deepEqual(kept.slice(0, 3), [4, 5, 99]);
  assert.equal(kept.length, 2 + 102);
  assert.ok(calls > 1000);
  assert.equal(arrays.size, 2, 'one array per comparison node, not one per packet');
});
