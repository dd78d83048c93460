/**
 * `pcap packets -e FIELD` against `tshark -T fields -e FIELD` on every
 * sample capture: every supported field, every packet, printed the same.
 * tshark runs in the test; nothing of its output is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, sampleFiles, tool } from '../../helpers/pcap.js';
import { tsharkArgs, viewLines } from '../../helpers/packet-view.js';

const FIELDS = [
  'frame.number',
  'frame.time_relative',
  'frame.time_epoch',
  'frame.len',
  'frame.cap_len',
  'frame.protocols',
  'eth.src',
  'eth.dst',
  'eth.type',
  'vlan.id',
  'ip.src',
  'ip.dst',
  'ip.addr',
  'ip.proto',
  'ip.ttl',
  'ip.len',
  'ip.id',
  'ip.flags.df',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.addr',
  'ipv6.nxt',
  'ipv6.hlim',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.port',
  'tcp.stream',
  'tcp.seq',
  'tcp.ack',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.len',
  'tcp.flags',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'tcp.flags.fin',
  'tcp.flags.reset',
  'tcp.flags.push',
  'tcp.window_size_value',
  'tcp.hdr_len',
  'tcp.options.mss_val',
  'tcp.payload',
  'udp.srcport',
  'udp.dstport',
  'udp.port',
  'udp.length',
  'udp.payload',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'data.data',
  'data.len',
];

/**
 * Protocols netlab dissects: frame.protocols and Data can only agree on
 * frames made of these. PPP is left out: the one PPP sample is PPP in HDLC
 * framing, which tshark 4.0 shows as "ppp:data" and nothing more.
 */
const KNOWN = new Set(['eth', 'ethertype', 'vlan', 'ieee8021ad', 'sll', 'null', 'raw', 'nflog', 'arp', 'ip', 'ipv6', 'ipv6.routing', 'ipv6.hopopts', 'ipv6.fraghdr', 'ipv6.dstopts', 'tcp', 'udp', 'icmp', 'icmpv6', 'tls', 'http', 'dns', 'data']);
const DEPENDS_ON_DISSECTORS = new Set(['frame.protocols', 'data.data', 'data.len']);

/** Timestamps that are invalid on purpose (fractions of 1 s or more): tshark prints nonsense for them. */
const INVALID_TIMES = new Set(['tcpdump-timestamp_invalid_nano.pcap']);
/**
 * IPv6 with payload length 0 (BIG TCP, a Jumbo Payload hop-by-hop option):
 * tshark 4.0 calls the TCP header malformed; netlab decodes it from the
 * captured length, as Linux sends it.
 */
const TSHARK_MALFORMED_TCP = new Set(['tcpdump-bigtcp-ipv6.pcap']);

for (const name of sampleFiles()) {
  test(`${name}: -e output equals tshark -T fields for every supported field`, async () => {
    const file = join(FIXTURES, name);
    const rows = tool('tshark', tsharkArgs(file, [...FIELDS, 'frame.interface_id']), true)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'));
    // tshark shows pcapng custom blocks as frames too (no interface, protocol "data"): netlab shows packets only.
    const interfaceColumn = FIELDS.length;
    const packetRows = rows.filter((r) => !(name.endsWith('.pcapng') && r[interfaceColumn] === '' && r[5] === 'data'));
    const customBlocks = rows.length !== packetRows.length;
    const ours = (await viewLines(file, { fields: FIELDS })).map((l) => l.split('\t'));
    assert.equal(ours.length, packetRows.length, 'packets shown');
    const untimed = packetRows.some((r) => r[2] === '');
    // A TCP stream one of whose frames holds a protocol netlab does not
    // dissect (SSH, PPTP) has segments tshark holds for that protocol's
    // reassembly: its Data cannot be compared anywhere in the stream.
    const streamColumn = FIELDS.indexOf('tcp.stream');
    const unknownStreams = new Set(packetRows.filter((r) => !r[5]!.split(':').every((p) => KNOWN.has(p))).map((r) => r[streamColumn]));
    packetRows.forEach((want, i) => {
      const got = ours[i]!;
      const tsharkKnowsAll = want[5]!.split(':').every((p) => KNOWN.has(p)) && !(want[streamColumn] !== '' && unknownStreams.has(want[streamColumn]));
      FIELDS.forEach((field, j) => {
        if (DEPENDS_ON_DISSECTORS.has(field) && !tsharkKnowsAll) return;
        if (field === 'frame.number' && customBlocks) return;
        if (field.startsWith('frame.time') && (INVALID_TIMES.has(name) || untimed)) return;
        if ((field.startsWith('tcp.') || DEPENDS_ON_DISSECTORS.has(field)) && TSHARK_MALFORMED_TCP.has(name)) return;
        assert.equal(got[j], want[j], `packet ${i + 1} ${field}`);
      });
    });
  });
}

/** Protocol column values of the protocols netlab dissects. */
const KNOWN_COLUMN = /^(TCP|UDP|ICMP|ICMPv6|ARP|DNS|MDNS|HTTP(\/[A-Z]+)?|TLSv1(\.[0-3])?)$/;

for (const name of sampleFiles()) {
  test(`${name}: the Protocol and Info columns equal tshark's`, async () => {
    const file = join(FIXTURES, name);
    const rows = tool('tshark', tsharkArgs(file, ['_ws.col.Protocol', '_ws.col.Info', 'frame.interface_id', 'frame.protocols']), true)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'));
    const packetRows = rows.filter((r) => !(name.endsWith('.pcapng') && r[2] === '' && r[3] === 'data'));
    const ours = (await viewLines(file, { json: true })).map((l) => JSON.parse(l) as { protocol: string; info: string });
    assert.equal(ours.length, packetRows.length);
    // -e _ws.col.Protocol -e _ws.col.Info print the very columns the list shows.
    const asFields = await viewLines(file, { fields: ['_ws.col.Protocol', '_ws.col.Info'] });
    ours.forEach((c, i) => assert.equal(asFields[i], `${c.protocol}\t${c.info}`, `packet ${i + 1}: -e _ws.col.*`));
    packetRows.forEach(([protocol, info], i) => {
      if (!KNOWN_COLUMN.test(protocol!)) return;
      assert.equal(ours[i]!.protocol, protocol, `packet ${i + 1} Protocol`);
      // tshark's TCP analysis ("[TCP Retransmission]", "[TCP Dup ACK 6#1]") is not done by netlab.
      if (info!.startsWith('[TCP ')) return;
      assert.equal(ours[i]!.info, info, `packet ${i + 1} Info`);
    });
  });
}

const COLUMN_FIELDS = ['_ws.col.No.', '_ws.col.Time', '_ws.col.Source', '_ws.col.Destination', '_ws.col.Protocol', '_ws.col.Length', '_ws.col.Info'];

// Captures of nothing but protocols netlab dissects, so every column can be tshark's.
for (const name of ['tcpdump-dns_tcp.pcap', 'tcpdump-dns_udp.pcap', 'tcpdump-ipv4_tcp_http_xml.pcap']) {
  test(`${name}: -e _ws.col.* prints every packet's columns as tshark does`, async () => {
    const file = join(FIXTURES, name);
    // Info may end in a space ("GET / HTTP/1.1 "): only the final line end goes.
    const theirs = tool('tshark', tsharkArgs(file, COLUMN_FIELDS)).replace(/\n$/, '').split('\n');
    assert.deepEqual(await viewLines(file, { fields: COLUMN_FIELDS }), theirs);
  });
}
