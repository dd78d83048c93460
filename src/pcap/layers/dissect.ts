/**
 * The layer chain: link -> IPv4/IPv6 -> TCP/UDP/ICMP/ICMPv6, into one
 * reused Dissection. Never throws on packet bytes.
 */
import type { PacketRecord } from '../read/packet.js';
import { Dissection, PROTO_KEY } from './dissection.js';
import { decodeIpv4, decodeIpv6 } from './ip.js';
import { decodeLink, ETHERTYPE } from './link.js';
import { etherTypeName, ipProtocolName } from './names.js';
import { decodeTransport } from './transport.js';

/**
 * Dissects the frame `buf[start, end)` captured on `linkType` into `d`.
 * @param d the reused result; every field is reset first
 * @returns `d`
 */
export function dissectFrame(d: Dissection, buf: Uint8Array, start: number, end: number, linkType: number): Dissection {
  d.reset(buf, start, end, linkType);
  const net = decodeLink(d);
  if (net >= 0) {
    const l4 = d.etherType === ETHERTYPE.IPV4 ? decodeIpv4(d, net) : decodeIpv6(d, net);
    if (l4 >= 0) decodeTransport(d, l4);
  }
  // A link layer may narrow `end` to its payload for the layers above (NFLOG's
  // NFULA_PAYLOAD TLV); the record still describes the whole frame.
  d.end = end;
  return d;
}

/** Dissects a packet record from a PacketSource into `d`. */
export function dissect(d: Dissection, p: PacketRecord): Dissection {
  return dissectFrame(d, p.buf, p.offset, p.offset + p.capLen, p.linkType);
}

/** The protocol-mix name of a Dissection's `protoKey`, e.g. "tcp", "arp", "ipv4", "link-type-160". */
export function protocolKeyName(key: number): string {
  if (key < 0x100) return ipProtocolName(key);
  if (key === PROTO_KEY.IPV4) return 'ipv4';
  if (key === PROTO_KEY.IPV6) return 'ipv6';
  if (key === PROTO_KEY.LLC) return 'llc';
  if (key === PROTO_KEY.MALFORMED_LINK) return 'malformed';
  if (key >= PROTO_KEY.LINKTYPE && key < PROTO_KEY.LINKTYPE + 0x10000) return `linktype-${key - PROTO_KEY.LINKTYPE}`;
  if (key >= PROTO_KEY.ETHERTYPE && key < PROTO_KEY.ETHERTYPE + 0x10000) return etherTypeName(key - PROTO_KEY.ETHERTYPE);
  return 'unknown';
}

export { Dissection };
