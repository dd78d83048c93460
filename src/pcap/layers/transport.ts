/** TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792), ICMPv6 (RFC 4443), SCTP ports (RFC 9260). */
import { u16be, u32be } from '../bytes.js';
import { Dissection, L4 } from './dissection.js';

/** Decodes the transport header at `o` for `d.ipProto`; unknown protocols are left undecoded. */
export function decodeTransport(d: Dissection, o: number): void {
  switch (d.ipProto) {
    case 6:
      return tcp(d, o);
    case 17:
      return udp(d, o);
    case 1:
    case 58:
      return icmp(d, o);
    case 132:
      return sctp(d, o);
    default:
      d.payloadOffset = o;
      d.payloadLength = d.ipEnd - o;
  }
}

/**
 *   0 source port  2 destination port  4 sequence number  8 acknowledgment number
 *   12 data offset(4) reserved(3) AE(1)  13 CWR ECE URG ACK PSH RST SYN FIN  14 window
 *   16 checksum  18 urgent pointer  20 options (data offset*4 - 20)
 */
function tcp(d: Dissection, o: number): void {
  const b = d.buf;
  if (d.end - o < 20) {
    d.fail('TCP header cut short', true);
    if (d.end - o >= 4) ports(d, o);
    return;
  }
  d.l4 = L4.TCP;
  ports(d, o);
  d.tcpSeq = u32be(b, o + 4);
  d.tcpAck = u32be(b, o + 8);
  d.tcpFlags = ((b[o + 12]! & 1) << 8) | b[o + 13]!;
  d.tcpWindow = u16be(b, o + 14);
  const hl = (b[o + 12]! >> 4) * 4;
  if (hl < 20) {
    d.fail(`TCP data offset ${hl} is below 20`, false);
    return;
  }
  if (o + hl > d.ipEnd) {
    d.fail('TCP options cut short', o + hl > d.end);
    return;
  }
  d.payloadOffset = o + hl;
  d.payloadLength = d.ipEnd - o - hl;
}

/** 0 source port  2 destination port  4 length  6 checksum  8 data */
function udp(d: Dissection, o: number): void {
  if (d.end - o < 8) {
    d.fail('UDP header cut short', true);
    if (d.end - o >= 4) ports(d, o);
    return;
  }
  d.l4 = L4.UDP;
  ports(d, o);
  const len = u16be(d.buf, o + 4);
  let end = d.ipEnd;
  if (len >= 8 && o + len < end) end = o + len;
  d.payloadOffset = o + 8;
  d.payloadLength = Math.max(0, end - o - 8);
}

/** 0 type  1 code  2 checksum  4 rest of header */
function icmp(d: Dissection, o: number): void {
  if (d.end - o < 4) {
    d.fail('ICMP header cut short', true);
    return;
  }
  d.l4 = d.ipProto === 1 ? L4.ICMP : L4.ICMPV6;
  d.icmpType = d.buf[o]!;
  d.icmpCode = d.buf[o + 1]!;
  d.payloadOffset = o + 4;
  d.payloadLength = Math.max(0, d.ipEnd - o - 4);
}

/** 0 source port  2 destination port  4 verification tag  8 checksum */
function sctp(d: Dissection, o: number): void {
  if (d.end - o < 12) {
    d.fail('SCTP header cut short', true);
    return;
  }
  d.l4 = L4.SCTP;
  ports(d, o);
}

function ports(d: Dissection, o: number): void {
  d.srcPort = u16be(d.buf, o);
  d.dstPort = u16be(d.buf, o + 2);
}
