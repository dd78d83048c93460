/**
 * Layer dissection on hand-made frames: every link type netlab reads, VLAN
 * stacks, IPv4 options and fragments, IPv6 extension headers, and frames cut
 * at every length (never a throw, always a named failure).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dissectFrame, protocolKeyName } from '../../../src/pcap/layers/dissect.js';
import { Dissection, L4 } from '../../../src/pcap/layers/dissection.js';
import { formatIp, formatIpv6 } from '../../../src/pcap/layers/address.js';
import { NetworkSet, ipv6Bytes } from '../../../src/pcap/cidr.js';
import { tcpFrame, udpFrame } from '../../helpers/pcap.js';

const d = new Dissection();
const ipPart = udpFrame('192.168.1.2', '8.8.8.8', 5353, 53, Buffer.from('query')).subarray(14);

function ipv6Udp(ext: Buffer = Buffer.alloc(0), firstNext = 17): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(ext.length + 8 + 3, 4);
  h[6] = firstNext;
  h[7] = 64;
  Buffer.from(ipv6Bytes('fe80::1')).copy(h, 8);
  Buffer.from(ipv6Bytes('2001:db8::53')).copy(h, 24);
  const u = Buffer.alloc(11);
  u.writeUInt16BE(1000, 0);
  u.writeUInt16BE(53, 2);
  u.writeUInt16BE(11, 4);
  u.write('abc', 8);
  return Buffer.concat([h, ext, u]);
}

function check(frame: Buffer, linkType: number, expect: { src: string; dst: string; l4: number; payload: number }): void {
  dissectFrame(d, frame, 0, frame.length, linkType);
  assert.equal(d.failure, '', `link type ${linkType}: ${d.failure}`);
  assert.equal(formatIp(d.buf, d.srcOffset, d.ipVersion), expect.src);
  assert.equal(formatIp(d.buf, d.dstOffset, d.ipVersion), expect.dst);
  assert.equal(d.l4, expect.l4);
  assert.equal(d.payloadLength, expect.payload);
}

test('every supported link type leads to the same IPv4/UDP packet', () => {
  const v4 = { src: '192.168.1.2', dst: '8.8.8.8', l4: L4.UDP, payload: 5 };
  const eth = (type: number, tags: number[] = []) => {
    const h = Buffer.alloc(12);
    const t = tags.flatMap((tpid, i) => [tpid >> 8, tpid & 255, 0, 10 + i]);
    return Buffer.concat([h, Buffer.from(t), Buffer.from([type >> 8, type & 255]), ipPart]);
  };
  check(eth(0x0800), 1, v4);
  check(eth(0x0800, [0x8100]), 1, v4);
  check(eth(0x0800, [0x88a8, 0x8100]), 1, v4); // QinQ
  assert.equal(d.vlanTags, 2);
  assert.equal(d.vlanId, 10);
  const sll = Buffer.alloc(16);
  sll.writeUInt16BE(0x0800, 14);
  check(Buffer.concat([sll, ipPart]), 113, v4);
  const sll2 = Buffer.alloc(20);
  sll2.writeUInt16BE(0x0800, 0);
  check(Buffer.concat([sll2, ipPart]), 276, v4);
  check(Buffer.concat([Buffer.from([2, 0, 0, 0]), ipPart]), 0, v4); // null, little-endian host
  check(Buffer.concat([Buffer.from([0, 0, 0, 2]), ipPart]), 0, v4); // null, big-endian host
  check(Buffer.concat([Buffer.from([0, 0, 0, 2]), ipPart]), 108, v4); // OpenBSD loop
  check(Buffer.from(ipPart), 101, v4);
  check(Buffer.from(ipPart), 228, v4);
  check(Buffer.concat([Buffer.from([0xff, 0x03, 0x00, 0x21]), ipPart]), 9, v4); // PPP
  check(Buffer.concat([Buffer.from([30, 0, 0, 0]), ipv6Udp()]), 0, { src: 'fe80::1', dst: '2001:db8::53', l4: L4.UDP, payload: 3 }); // macOS AF_INET6
});

test('IPv6 extension headers are walked to the transport header; a later fragment stops there', () => {
  const v6 = { src: 'fe80::1', dst: '2001:db8::53', l4: L4.UDP, payload: 3 };
  const hbh = Buffer.from([43, 0, 1, 4, 0, 0, 0, 0]); // hop-by-hop -> routing
  const rt = Buffer.from([60, 0, 0, 0, 0, 0, 0, 0]); // routing -> destination options
  const dst = Buffer.from([44, 0, 1, 4, 0, 0, 0, 0]); // destination options -> fragment
  const frag0 = Buffer.from([17, 0, 0, 1, 0, 0, 0, 7]); // fragment offset 0, M set -> UDP
  check(ipv6Udp(Buffer.concat([hbh, rt, dst, frag0]), 0), 229, v6);
  assert.equal(d.fragment, true);
  const later = Buffer.from([17, 0, 0, 0x10, 0, 0, 0, 7]); // offset 16 bytes
  const f = ipv6Udp(later, 44);
  dissectFrame(d, f, 0, f.length, 229);
  assert.equal(d.fragOffset, 16);
  assert.equal(d.l4, L4.NONE);
  assert.equal(protocolKeyName(d.protoKey), 'udp');
});

test('IPv4 options are skipped, fragments are flagged, Ethernet padding is not payload', () => {
  const base = tcpFrame('10.0.0.1', '10.0.0.2', 1, 2, 100, 0, 0x18, Buffer.from('data'));
  // Insert 4 bytes of options (NOP NOP NOP EOL): IHL 6.
  const withOpts = Buffer.concat([base.subarray(0, 34), Buffer.from([1, 1, 1, 0]), base.subarray(34), Buffer.alloc(6)]);
  withOpts[14] = 0x46;
  withOpts.writeUInt16BE(base.length - 14 + 4, 16);
  check(withOpts, 1, { src: '10.0.0.1', dst: '10.0.0.2', l4: L4.TCP, payload: 4 });
  assert.equal(d.tcpSeq, 100);
  const frag = Buffer.from(base);
  frag.writeUInt16BE(0x0005, 20); // offset 40 bytes
  dissectFrame(d, frag, 0, frag.length, 1);
  assert.equal(d.fragment, true);
  assert.equal(d.fragOffset, 40);
  assert.equal(d.l4, L4.NONE);
});

test('a frame cut at every length never throws and names what is missing', () => {
  const frames: [Buffer, number][] = [
    [tcpFrame('10.0.0.1', '10.0.0.2', 1, 2, 100, 0, 0x18, Buffer.from('data')), 1],
    [Buffer.concat([Buffer.from([0, 0, 0, 2]), ipPart]), 0],
    [ipv6Udp(Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]), 0), 229],
  ];
  for (const [frame, lt] of frames) {
    for (let n = 0; n < frame.length; n++) {
      dissectFrame(d, frame, 0, n, lt);
      if (d.l4 === L4.NONE && n < frame.length - 4) assert.notEqual(d.failure, '', `cut at ${n}`);
      assert.ok(d.payloadOffset + d.payloadLength <= n, `payload inside the captured bytes (cut at ${n})`);
    }
  }
});

test('unknown link types and ethertypes are counted by name, not errors', () => {
  dissectFrame(d, Buffer.alloc(30), 0, 30, 160);
  assert.equal(protocolKeyName(d.protoKey), 'linktype-160');
  const lldp = Buffer.alloc(60);
  lldp.writeUInt16BE(0x88cc, 12);
  dissectFrame(d, lldp, 0, 60, 1);
  assert.equal(protocolKeyName(d.protoKey), 'lldp');
  const arp = Buffer.alloc(42);
  arp.writeUInt16BE(0x0806, 12);
  dissectFrame(d, arp, 0, 42, 1);
  assert.equal(protocolKeyName(d.protoKey), 'arp');
});

test('IPv6 text follows RFC 5952 and CIDR sets match v4 and v6 prefixes', () => {
  const t = (s: string) => formatIpv6(ipv6Bytes(s), 0);
  assert.equal(t('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  assert.equal(t('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1');
  assert.equal(t('::'), '::');
  assert.equal(t('::1'), '::1');
  assert.equal(t('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
  assert.equal(t('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  const set = new NetworkSet(['192.168.0.0/16', '10.1.2.3', 'fd00::/8', '2001:db8:ab00::/40']);
  const v4 = (s: string) => Buffer.from(s.split('.').map(Number));
  assert.equal(set.hasV4(v4('192.168.200.1'), 0), true);
  assert.equal(set.hasV4(v4('192.169.0.1'), 0), false);
  assert.equal(set.hasV4(v4('10.1.2.3'), 0), true);
  assert.equal(set.hasV4(v4('10.1.2.4'), 0), false);
  assert.equal(set.hasV6(ipv6Bytes('fd12::1'), 0), true);
  assert.equal(set.hasV6(ipv6Bytes('2001:db8:abff::1'), 0), true);
  assert.equal(set.hasV6(ipv6Bytes('2001:db8:ac00::1'), 0), false);
  assert.throws(() => new NetworkSet(['10.0.0.0/33']), { code: 'NETLAB_ERR_INVALID_ARGUMENT' });
});
