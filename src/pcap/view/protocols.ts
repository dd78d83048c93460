/**
 * frame.protocols: the chain of protocols in the frame as Wireshark names
 * them ("eth:ethertype:ip:tcp:http"), and the protocol names a display
 * filter may test for presence.
 */
import { u16be, u32be, u32le } from '../bytes.js';
import { L4, TCP_FLAGS } from '../layers/dissection.js';
import { ETHERTYPE } from '../layers/link.js';
import { LINKTYPE } from '../layers/linktypes.js';
import { etherTypeName, ipProtocolName } from '../layers/names.js';
import type { ViewPacket } from './packet.js';

/** Wireshark's name of each link layer netlab dissects. */
const LINK_NAMES: Record<number, string> = {
  [LINKTYPE.ETHERNET]: 'eth',
  [LINKTYPE.LINUX_SLL]: 'sll',
  [LINKTYPE.LINUX_SLL2]: 'sll',
  [LINKTYPE.NULL]: 'null',
  [LINKTYPE.LOOP]: 'null',
  [LINKTYPE.RAW]: 'raw',
  [LINKTYPE.RAW_OPENBSD]: 'raw',
  [LINKTYPE.RAW_BSD]: 'raw',
  9: 'ppp',
  50: 'ppp',
  239: 'nflog',
};

/** The link layer's protocol name, '' for raw IPv4/IPv6 link types (the frame starts with IP). */
export function linkProtocol(p: ViewPacket): string {
  return LINK_NAMES[p.d.linkType] ?? '';
}

/** Protocol names of IPv6 extension headers as Wireshark's filter names them. */
const IPV6_EXTENSIONS: Record<number, string> = { 0: 'ipv6.hopopts', 43: 'ipv6.routing', 44: 'ipv6.fraghdr', 60: 'ipv6.dstopts' };

/** Every protocol of the frame, outermost first (Wireshark's frame.protocols, split). */
export function protocolChain(p: ViewPacket): string[] {
  const d = p.d;
  const chain: string[] = [];
  const link = linkProtocol(p);
  if (link !== '') chain.push(link);
  if (d.linkType === LINKTYPE.ETHERNET && d.end - d.start >= 14) {
    for (let i = 0, o = d.start + 12; i < d.vlanTags; i++, o += 4) {
      chain.push('ethertype', u16be(d.buf, o) === ETHERTYPE.VLAN ? 'vlan' : 'ieee8021ad');
    }
  }
  if (d.etherType >= 0 && (link === 'eth' || link === 'sll')) chain.push('ethertype');
  if (d.etherType >= 0 && d.ipVersion === 0 && d.etherType !== ETHERTYPE.IPV4 && d.etherType !== ETHERTYPE.IPV6) {
    chain.push(etherTypeName(d.etherType));
    return chain;
  }
  if (d.ipVersion === 0 && d.etherType < 0) {
    // A link layer whose payload netlab does not dissect: the rest is Data, as Wireshark shows it.
    if (chain.length > 0 && d.failure === '') chain.push('data');
    return chain;
  }
  if (d.ipVersion === 4) chain.push('ip');
  else if (d.ipVersion === 6) {
    chain.push('ipv6');
    let next = d.buf[d.ipOffset + 6]!;
    let o = d.ipOffset + 40;
    while (IPV6_EXTENSIONS[next] !== undefined && o + 2 <= d.l4Offset) {
      chain.push(IPV6_EXTENSIONS[next]!);
      const len = next === 44 ? 8 : (d.buf[o + 1]! + 1) * 8;
      next = d.buf[o]!;
      o += len;
    }
  } else return chain;
  if (d.fragment && d.fragOffset > 0) return chain;
  switch (d.l4) {
    case L4.TCP:
      chain.push('tcp');
      break;
    case L4.UDP:
      chain.push('udp');
      break;
    case L4.ICMP:
      chain.push('icmp');
      break;
    case L4.ICMPV6:
      chain.push('icmpv6');
      break;
    case L4.SCTP:
      chain.push('sctp');
      break;
    default:
      if (d.ipProto >= 0 && d.ipProto !== 59) chain.push(ipProtocolName(d.ipProto));
      return chain;
  }
  for (const layer of p.layers) if (chain[chain.length - 1] !== layer.name) chain.push(layer.name);
  if (isData(p)) chain.push('data');
  return chain;
}

/**
 * Whether the transport payload is shown as Data: there is some, and no
 * application protocol claims it (ICMP echo data included, as Wireshark).
 */
export function isData(p: ViewPacket): boolean {
  return dataStart(p) >= 0;
}

/** Seconds of clock difference below which ICMP echo data starting with a timeval is taken for one (Wireshark's rule). */
const ICMP_TIMESTAMP_WINDOW_SEC = 24 * 3600;

/**
 * Where the Data layer starts in `p.d.buf`, -1 when the packet has none.
 * The Data layer ends at the transport payload's end.
 */
export function dataStart(p: ViewPacket): number {
  const d = p.d;
  if (d.payloadLength === 0 || p.payloadClaimed || p.segmentOfPdu) return -1;
  // A RST's data is its reset cause (RFC 9293 section 3.5.3), which Wireshark does not show as Data.
  if (d.l4 === L4.TCP) return (d.tcpFlags & TCP_FLAGS.RST) === 0 ? d.payloadOffset : -1;
  if (d.l4 === L4.UDP) return d.payloadOffset;
  if (d.l4 !== L4.ICMP || (d.icmpType !== 0 && d.icmpType !== 8)) return -1;
  // ICMP echo (RFC 792): identifier(2) sequence(2), then data, which ping
  // starts with its send time (a timeval); Wireshark shows that apart when it
  // is within a day of the capture time, read big- then little-endian.
  const o = d.payloadOffset + 4;
  const end = d.payloadOffset + d.payloadLength;
  if (end - o > 8 && o + 8 <= d.end) {
    const near = (sec: number, usec: number) => Math.abs(sec - p.tsSec) < ICMP_TIMESTAMP_WINDOW_SEC && usec < 1_000_000;
    if (near(u32be(d.buf, o), u32be(d.buf, o + 4)) || near(u32le(d.buf, o), u32le(d.buf, o + 4))) return o + 8;
  }
  return end > o ? o : -1;
}

/** The Data layer's bytes (a view into the frame), undefined when there is none. */
export function dataBytes(p: ViewPacket): Uint8Array | undefined {
  const start = dataStart(p);
  return start < 0 ? undefined : p.d.buf.subarray(start, p.d.payloadOffset + p.d.payloadLength);
}

/** frame.protocols. */
export function frameProtocols(p: ViewPacket): string {
  return protocolChain(p).join(':');
}
