/**
 * `pcap packets -Y FILTER` selects exactly the frames `tshark -Y FILTER`
 * selects, on real captures (fixtures concatenated into one pcapng with
 * mergecap): every operator, precedence, parentheses, CIDR, sets with
 * ranges, contains on strings and bytes, matches, bare fields and protocol
 * names, tcp.stream, and application-layer fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runProcess } from '../../helpers/cli.js';
import { FIXTURES, tool } from '../../helpers/pcap.js';
import { viewLines } from '../../helpers/packet-view.js';
import { tempDir } from '../../helpers/temp.js';
import { displayFilter } from '../../../src/cli/pcap/packet-view-flags.js';

const FILES = [
  'tcpdump-dns_tcp.pcap',
  'tcpdump-dns_udp.pcap',
  'tcpdump-ipv4_tcp_http_xml.pcap',
  'tcpdump-LINKTYPE_IPV6.pcap',
  'tcpdump-tcp-handshake-nano.pcap',
  'tcpdump-802.1ad_QinQ.pcap',
  'tcpdump-ipv6-routing-header.pcap',
  'tcpdump-icmp-length-zero.pcapng',
  'tcpdump-ssh.pcap',
  'tcpdump-nflog.pcap',
];

const FILTERS = [
  // comparisons, both spellings
  'tcp.port == 53',
  'tcp.port eq 53',
  'tcp.srcport != 53',
  'tcp.dstport ne 80',
  'tcp.len > 100',
  'tcp.len gt 100',
  'tcp.len >= 226',
  'tcp.len ge 226',
  'tcp.len < 10',
  'tcp.len lt 10',
  'ip.ttl <= 64',
  'ip.ttl le 64',
  'frame.len > 1000',
  'frame.cap_len == frame.len',
  'frame.time_relative > 0.2',
  'ip.id == 0x9b28',
  'tcp.flags == 0x018',
  'tcp.flags.syn == 1',
  'tcp.flags.syn == 1 && tcp.flags.ack == 0',
  'tcp.flags.fin == 1 || tcp.flags.reset == 1',
  'tcp.flags.push',
  'tcp.window_size_value > 60000',
  'tcp.options.mss_val == 1460',
  'tcp.hdr_len > 20',
  'tcp.seq == 1',
  'tcp.ack == 1',
  'tcp.seq_raw > 2000000000',
  // precedence and parentheses
  'tcp || udp && dns',
  '(tcp || udp) && dns',
  '!tcp && ip',
  'not tcp and ip',
  '!(tcp.port == 53) && tcp',
  'tcp.port == 53 and not tcp.len == 0',
  'udp or ipv6 and not dns',
  '!(ip.addr == 192.168.1.11 || ipv6)',
  // addresses and CIDR
  'ip.addr == 192.168.1.11',
  'ip.addr != 192.168.1.11',
  'ip.src == 209.87.249.18',
  'ip.dst == 192.168.0.0/16',
  'ip.addr == 10.0.0.0/8',
  'ip.src == 131.155.0.0/16 && tcp.dstport == 80',
  'ipv6.addr == 2001:db8::/32',
  'ipv6.src == ::/0',
  'ipv6.dst != ::1',
  'eth.src == 00:11:22:33:44:55',
  'eth.dst == ff:ff:ff:ff:ff:ff',
  'eth.type == 0x0800',
  'vlan.id == 2001',
  // sets and ranges
  'tcp.port in {53 80 443}',
  'tcp.port in {53, 22}',
  'tcp.port in {1..1024}',
  'tcp.port in {40000..50000 53}',
  'udp.port in {53 5353}',
  'ip.ttl in {64 117 128}',
  'frame.number in {1 3 5..8}',
  // contains and matches
  'tcp.payload contains "SSH"',
  'tcp.payload contains 53:53:48',
  'udp.payload contains 74:63:70:64:75:6d:70',
  'frame contains "tcpdump"',
  'tcp contains "OpenSSH"',
  'tcp.payload matches "^SSH-2\\\\.0"',
  'dns.qry.name contains "tcpdump"',
  'dns.qry.name matches "TCPDUMP\\\\.ORG$"',
  'http.content_type contains "xml"',
  // bare fields and protocols
  'tcp',
  'udp',
  'ip',
  'ipv6',
  'icmp',
  'icmpv6',
  'arp',
  'vlan',
  // SSH (port 22) is tshark's and not netlab's: there tshark shows no Data.
  'data && !(tcp.port == 22)',
  'dns',
  'http',
  'tcp.options.mss_val',
  'ipv6.routing',
  // streams
  'tcp.stream eq 0',
  'tcp.stream == 1',
  'tcp.stream in {0 2}',
  // application layers
  'dns.flags.response == 1',
  'dns.flags.response == 0 && udp',
  'dns.qry.type == 1',
  'dns.a',
  'dns.a == 192.139.46.66',
  'dns.aaaa',
  'dns.id == 0x5934',
  'http.response',
  'http.response.code == 200',
  'http.request',
  'icmp.type == 8',
  'icmpv6.type == 128',
];

/** tshark 4.0 needs commas between set elements; the contract makes them optional, so tshark is given them. */
function withCommas(filter: string): string {
  return filter.replace(/\{([^}]*)\}/g, (_, body: string) => `{${body.split(/[\s,]+/).filter((e) => e !== '').join(', ')}}`);
}

test(`${FILTERS.length} display filters keep exactly the frames tshark keeps`, async (t) => {
  const dir = tempDir(t);
  const merged = join(dir, 'merged.pcapng');
  tool('mergecap', ['-a', '-w', merged, ...FILES.map((f) => join(FIXTURES, f))]);
  assert.ok(FILTERS.length >= 60);
  const queue = [...FILTERS];
  const failures: string[] = [];
  const worker = async () => {
    for (let filter = queue.shift(); filter !== undefined; filter = queue.shift()) {
      const theirs = await runProcess('tshark', ['-r', merged, '-Y', withCommas(filter), '-T', 'fields', '-e', 'frame.number']);
      assert.equal(theirs.code, 0, `tshark rejected ${filter}: ${theirs.stderr}`);
      const ours = await viewLines(merged, { displayFilter: displayFilter(filter), fields: ['frame.number'] });
      const want = theirs.stdout.split('\n').filter((l) => l !== '');
      if (want.join(',') !== ours.join(',')) failures.push(`${filter}\n  tshark: ${want.join(',')}\n  netlab: ${ours.join(',')}`);
    }
  };
  await Promise.all([worker(), worker()]);
  assert.deepEqual(failures, []);
});
