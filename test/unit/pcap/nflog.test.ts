/**
 * NFLOG (link type 239) on hand-made frames: the TLV walk to NFULA_PAYLOAD,
 * padding, byte order, and bad chains (a named failure, never a throw or a hang).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dissectFrame, protocolKeyName } from '../../../src/pcap/layers/dissect.js';
import { Dissection, L4 } from '../../../src/pcap/layers/dissection.js';
import { formatIp } from '../../../src/pcap/layers/address.js';
import { tcpFrame, udpFrame } from '../../helpers/pcap.js';
import { nflogFrame, nflogTlv } from '../../helpers/nflog.js';

const NFLOG = 239;
const d = new Dissection();
const udpIp = udpFrame('10.0.0.1', '10.0.0.2', 4000, 53, Buffer.from('hello')).subarray(14);

test('the IP packet is the NFULA_PAYLOAD value after TLVs of every padded length', () => {
  for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
    const f = nflogFrame(2, [nflogTlv(1, Buffer.from([8, 0, 1, 0])), nflogTlv(10, Buffer.from(prefix)), nflogTlv(9, udpIp), nflogTlv(4, Buffer.alloc(4))]);
    dissectFrame(d, f, 0, f.length, NFLOG);
    assert.equal(d.failure, '', `prefix ${JSON.stringify(prefix)}`);
    assert.equal(formatIp(d.buf, d.srcOffset, d.ipVersion), '10.0.0.1');
    assert.equal(d.l4, L4.UDP);
    assert.equal(`${d.srcPort} ${d.dstPort} ${d.payloadLength}`, '4000 53 5');
    // The TLV after the payload is not part of the IP packet.
    assert.equal(d.ipEnd, 4 + 8 + ((4 + prefix.length + 3) & ~3) + 4 + udpIp.length);
  }
});

test('TLV headers written big-endian (a big-endian capturing host) are read too', () => {
  const ip = tcpFrame('192.168.1.5', '192.168.1.9', 1234, 80, 7, 0, 0x02).subarray(14);
  const f = nflogFrame(2, [nflogTlv(1, Buffer.alloc(4), false), nflogTlv(9, ip, false)]);
  dissectFrame(d, f, 0, f.length, NFLOG);
  assert.equal(d.failure, '');
  assert.equal(`${d.l4} ${d.srcPort} ${d.dstPort}`, `${L4.TCP} 1234 80`);
});

test('the family says IPv4 or IPv6; another family or no payload TLV is counted as NFLOG, not an error', () => {
  const f = nflogFrame(7, [nflogTlv(9, udpIp)]);
  dissectFrame(d, f, 0, f.length, NFLOG);
  assert.equal(d.ipVersion, 0);
  assert.equal(d.failure, '');
  assert.equal(protocolKeyName(d.protoKey), 'linktype-239');
  const g = nflogFrame(2, [nflogTlv(1, Buffer.alloc(4)), nflogTlv(10, Buffer.from('x'))]);
  dissectFrame(d, g, 0, g.length, NFLOG);
  assert.equal(d.ipVersion, 0);
  assert.equal(d.failure, '');
});

test('a TLV shorter than its header or running past the frame is a malformed link layer', () => {
  const zero = Buffer.concat([nflogFrame(2, []), Buffer.from([0, 0, 9, 0]), udpIp]);
  dissectFrame(d, zero, 0, zero.length, NFLOG);
  assert.match(d.failure, /NFLOG TLV length 0/);
  assert.equal(protocolKeyName(d.protoKey), 'malformed');
  const long = Buffer.concat([nflogFrame(2, []), Buffer.from([200, 0, 1, 0]), Buffer.alloc(8)]);
  dissectFrame(d, long, 0, long.length, NFLOG);
  assert.match(d.failure, /NFLOG TLV cut short/);
  assert.equal(d.truncated, true);
});

test('a payload TLV cut by the snap length gives the captured part of the packet, marked truncated', () => {
  const ip = udpFrame('10.0.0.1', '10.0.0.2', 4000, 53, Buffer.alloc(100, 0x61)).subarray(14);
  const f = nflogFrame(2, [nflogTlv(9, ip)]);
  const cut = 4 + 4 + 28 + 10;
  dissectFrame(d, f, 0, cut, NFLOG);
  assert.equal(d.truncated, true);
  assert.equal(`${d.srcPort} ${d.dstPort} ${d.payloadLength}`, '4000 53 10');
  // The IP header declares 128 bytes; 38 of them were captured.
  assert.equal(d.ipUncaptured, 90);
});

test('any bytes: the dissector returns, within the frame, without throwing', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, realHeader) => {
      const f = Buffer.from(bytes);
      if (realHeader && f.length >= 4) f[0] = 2;
      dissectFrame(d, f, 0, f.length, NFLOG);
      assert.equal(d.end, f.length, 'the record describes the whole frame');
      if (d.ipVersion !== 0) assert.ok(d.ipOffset >= 8 && d.ipEnd <= f.length);
      assert.ok(d.payloadOffset + d.payloadLength <= f.length);
    }),
    { numRuns: 3000 },
  );
});
