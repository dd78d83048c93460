/**
 * The filter's semantics against tshark's own: the packets are real captures
 * (fixtures merged into one file), their field values as `tshark -T fields`
 * prints them; each expression must keep exactly the frames `tshark -Y` keeps.
 * This checks the language (precedence, any/all on repeated fields, absent
 * fields, prefixes, literal forms, matches flags), not the dissectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileDisplayFilter } from '../../../../src/pcap/filter/index.js';
import { ipv6Bytes } from '../../../../src/pcap/cidr.js';
import type { FieldKind, FieldValue } from '../../../../src/pcap/view/field.js';
import { runProcess } from '../../../helpers/cli.js';
import { FIXTURES, tool } from '../../../helpers/pcap.js';
import { tempDir } from '../../../helpers/temp.js';
import { fakeCatalog, type FakePacket } from '../../../helpers/fake-fields.js';

const FILES = ['tcpdump-dns_tcp.pcap', 'tcpdump-dns_udp.pcap', 'tcpdump-ipv4_tcp_http_xml.pcap', 'tcpdump-LINKTYPE_IPV6.pcap', 'tcpdump-tcp-handshake-nano.pcap'];

const KINDS: Readonly<Record<string, FieldKind>> = {
  'frame.number': 'uint',
  'frame.time_relative': 'float',
  'eth.src': 'ether',
  'eth.dst': 'ether',
  'ip.src': 'ipv4',
  'ip.dst': 'ipv4',
  'ip.addr': 'ipv4',
  'ip.ttl': 'uint',
  'ipv6.src': 'ipv6',
  'ipv6.addr': 'ipv6',
  'tcp.srcport': 'uint',
  'tcp.dstport': 'uint',
  'tcp.port': 'uint',
  'tcp.len': 'uint',
  'tcp.stream': 'uint',
  'tcp.flags.syn': 'bool',
  'tcp.payload': 'bytes',
  'udp.port': 'uint',
  'dns.id': 'uint',
  'dns.flags.response': 'bool',
  'dns.qry.name': 'string',
  'dns.a': 'ipv4',
  'dns.aaaa': 'ipv6',
  'http.response.code': 'uint',
  'http.content_type': 'string',
};
const PROTOCOLS = ['eth', 'vlan', 'sll', 'ip', 'ipv6', 'tcp', 'udp', 'dns', 'http'];

function valueOf(kind: FieldKind, text: string): FieldValue {
  switch (kind) {
    case 'uint':
    case 'bool':
    case 'float':
      return Number(text);
    case 'ipv4':
      return Uint8Array.from(text.split('.').map(Number));
    case 'ipv6':
      return ipv6Bytes(text);
    case 'ether':
    case 'bytes':
      return Uint8Array.from(Buffer.from(text.replace(/:/g, ''), 'hex'));
    default:
      return text;
  }
}

/** The merged capture's packets as field maps, read with tshark. */
function packetsOf(file: string): FakePacket[] {
  const names = Object.keys(KINDS);
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=|', '-e', 'frame.protocols'];
  for (const n of names) args.push('-e', n);
  return tool('tshark', args)
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [protocols = '', ...cols] = line.split('\t');
      const packet: Record<string, FieldValue[]> = {};
      for (const p of protocols.split(':')) if (PROTOCOLS.includes(p)) packet[p] = [new Uint8Array(0)];
      names.forEach((n, i) => {
        const col = cols[i] ?? '';
        if (col !== '') packet[n] = col.split('|').map((t) => valueOf(KINDS[n]!, t));
      });
      return packet;
    });
}

// Every expression is one tshark 4.0 accepts (commas in sets, True not true).
const EXPRESSIONS = [
  'tcp.port == 53',
  'tcp.port != 53',
  'tcp.port ~= 53',
  'tcp.port === 53',
  'tcp.port !== 53',
  'tcp.port any_eq 80 || tcp.port all_ne 53',
  'ip.addr != 192.168.1.11',
  'ip.addr ~= 192.168.1.11',
  'ip.addr == 192.168.0.0/16',
  'ip.src == 192.168.1.11/24 && ip.dst == 209.87.0.0/16',
  'ip.dst != 10.0.0.0/8',
  'dns.a == 192.139.46.66',
  'dns.a != 192.139.46.66',
  'dns.a != 1.2.3.4',
  '!(dns.a == 1.2.3.4)',
  'dns.a === 192.139.46.66',
  'dns.a in {97.107.133.0/24, 10.0.0.1}',
  'dns.a not in {1.2.3.4}',
  'dns.aaaa == 2607:f0b0:f::babe:f00d',
  'dns.aaaa == 2600:3c03::/32',
  'dns.aaaa == 2607:f0b0:f:0:0:0:babe:f00d',
  'ipv6.addr == 2620:fe::9 && ipv6.addr == 2620::/16',
  'ipv6.src != ::1',
  'eth.src == 00-11-22-33-44-55',
  'eth.dst == 0011.2233.4466',
  'frame.number == 1 || frame.number == 2 && frame.number == 3',
  'frame.number == 1 or frame.number == 2 and frame.number == 3',
  'frame.number < 5 && !frame.number == 2 || frame.number == 18',
  'not tcp and dns or http',
  'tcp.len > 0 && tcp.len != 58',
  'tcp.len in {1..58, 226}',
  'tcp.len not in {0}',
  'frame.number in {3..1}',
  'tcp.dstport in {53, 80, 40000..50000}',
  'tcp.flags.syn == 1',
  'tcp.flags.syn == True',
  'tcp.flags.syn == 0',
  'tcp.flags.syn',
  'tcp.flags.syn == 2',
  'dns.flags.response == False',
  'dns && !dns.flags.response',
  'tcp.len == 0x3a || tcp.len == 072',
  'dns.id == 0x4319 || dns.id > 4660',
  'frame.time_relative > 0.2',
  'frame.time_relative < -100',
  'frame.time_relative >= 0.252931',
  'dns.qry.name == "www.tcpdump.org"',
  'dns.qry.name == www.tcpdump.org',
  'dns.qry.name contains "tcpdump"',
  'dns.qry.name contains "TCPDUMP"',
  'dns.qry.name matches "TCPDUMP"',
  'dns.qry.name matches "(?-i)TCPDUMP"',
  String.raw`dns.qry.name matches "^www\\.tcp"`,
  String.raw`dns.qry.name matches r"\.ORG$"`,
  'dns.qry.name < "x"',
  'dns.qry.name in {"a".."f", "www.tcpdump.org"}',
  String.raw`dns.qry.name == "www\x2etcpdump.org"`,
  'dns.qry.name contains ""',
  'http.content_type contains "xml"',
  'tcp.payload contains 00:38',
  'tcp.payload contains 0038',
  'tcp.payload contains 03',
  'tcp.payload contains "www"',
  String.raw`tcp.payload contains "\xc0"`,
  'tcp.payload matches "TCPDUMP"',
  'tcp.payload contains ""',
  'tcp.payload > 00',
  'tcp.srcport < tcp.dstport',
  'tcp.srcport != tcp.dstport',
  'ip.src == ip.dst',
  'ip.src != ip.addr',
  'dns.a == dns.a',
  'dns.a != dns.a',
  'tcp',
  'udp && ipv6',
  'dns',
  '!ip',
  'vlan || sll',
  'tcp.stream == 2',
  'http.response.code == 200',
  'udp.port in {53}',
];

test('every expression keeps the frames tshark -Y keeps', async (t) => {
  const merged = join(tempDir(t), 'merged.pcapng');
  tool('mergecap', ['-a', '-F', 'pcapng', '-w', merged, ...FILES.map((f) => join(FIXTURES, f))]);
  const packets = packetsOf(merged);
  assert.ok(packets.length >= 18);
  const catalog = fakeCatalog({ ...KINDS, ...Object.fromEntries(PROTOCOLS.map((p) => [p, 'protocol' as const])) });

  const pending = [...EXPRESSIONS];
  const mismatches: string[] = [];
  const worker = async (): Promise<void> => {
    for (let expr = pending.shift(); expr !== undefined; expr = pending.shift()) {
      const r = compileDisplayFilter(expr, catalog);
      if (!r.ok) {
        mismatches.push(`${expr}: ${r.error.message}`);
        continue;
      }
      const ours = packets.filter((p) => r.filter.matches(p)).map((p) => p['frame.number']![0]);
      const res = await runProcess('tshark', ['-r', merged, '-Y', expr, '-T', 'fields', '-e', 'frame.number']);
      if (res.code !== 0) {
        mismatches.push(`${expr}: tshark rejects it: ${res.stderr.trim()}`);
        continue;
      }
      const theirs = res.stdout.split('\n').filter((l) => l !== '').map(Number);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${expr}: ours ${ours.join(',')} tshark ${theirs.join(',')}`);
    }
  };
  await Promise.all([worker(), worker()]);
  assert.deepEqual(mismatches, []);
});

test('tshark 4.0 rejects what netlab rejects: a sample of bad filters', async () => {
  const catalog = fakeCatalog(KINDS);
  for (const expr of ['tcp.port ==', 'tcp.port == 53)', 'tcp.len == 58.0', 'ip.src == 1.2.3', 'tcp.port in {}', 'tcp.port matches "5"', 'dns.qry.name matches "[a"', '80 == tcp.port']) {
    assert.equal(compileDisplayFilter(expr, catalog).ok, false, expr);
    const res = await runProcess('tshark', ['-r', join(FIXTURES, FILES[0]!), '-Y', expr]);
    assert.notEqual(res.code, 0, `tshark accepts ${expr}`);
  }
});
