/**
 * Link layers: Ethernet II with 802.1Q/802.1ad (QinQ) tags, Linux cooked
 * SLL and SLL2, BSD null/loopback, PPP, raw IP, Linux NFLOG. Each finds the
 * network protocol and where it starts.
 */
import { u16be, u16le, u32be, u32le } from '../bytes.js';
import { Dissection, PROTO_KEY } from './dissection.js';
import { LINKTYPE } from './linktypes.js';

export const ETHERTYPE = Object.freeze({ IPV4: 0x0800, IPV6: 0x86dd, ARP: 0x0806, VLAN: 0x8100, QINQ: 0x88a8, QINQ_OLD: 0x9100 } as const);

/** Most VLAN tags passed over before the frame is called malformed. */
const MAX_VLAN_TAGS = 8;

/**
 * Decodes the link header of `d`'s frame.
 * @returns offset of the network header, or -1 when there is none to decode
 */
export function decodeLink(d: Dissection): number {
  switch (d.linkType) {
    case LINKTYPE.ETHERNET:
      return ethernet(d);
    case LINKTYPE.LINUX_SLL:
      return sll(d);
    case LINKTYPE.LINUX_SLL2:
      return sll2(d);
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      return loopback(d);
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OPENBSD:
    case LINKTYPE.RAW_BSD:
      return rawIp(d, d.start, 0);
    case LINKTYPE.IPV4:
      return rawIp(d, d.start, 4);
    case LINKTYPE.IPV6:
      return rawIp(d, d.start, 6);
    case LINKTYPE.NFLOG:
      return nflog(d);
    case 9: // LINKTYPE_PPP
    case 50: // LINKTYPE_PPP_HDLC
      return ppp(d);
    default:
      return -1;
  }
}

/** dst(6) src(6) type(2); a type <= 1500 is an 802.3 length (LLC follows). */
function ethernet(d: Dissection): number {
  const b = d.buf;
  let o = d.start + 12;
  if (d.end - d.start < 14) return short(d, 'Ethernet header');
  let type = u16be(b, o);
  // 802.1Q / 802.1ad: TPID(2) TCI(2), then the inner type.
  while (type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ || type === ETHERTYPE.QINQ_OLD) {
    if (d.end - o < 6) return short(d, 'VLAN tag');
    if (++d.vlanTags > MAX_VLAN_TAGS) {
      d.protoKey = PROTO_KEY.MALFORMED_LINK;
      d.fail(`more than ${MAX_VLAN_TAGS} VLAN tags`, false);
      return -1;
    }
    if (d.vlanId < 0) d.vlanId = u16be(b, o + 2) & 0x0fff;
    o += 4;
    type = u16be(b, o);
  }
  if (type <= 1500) {
    d.protoKey = PROTO_KEY.LLC;
    return -1;
  }
  return ethertype(d, type, o + 2);
}

/** SLL: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2). */
function sll(d: Dissection): number {
  if (d.end - d.start < 16) return short(d, 'Linux cooked header');
  return ethertype(d, u16be(d.buf, d.start + 14), d.start + 16);
}

/** SLL2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8). */
function sll2(d: Dissection): number {
  if (d.end - d.start < 20) return short(d, 'Linux cooked v2 header');
  return ethertype(d, u16be(d.buf, d.start), d.start + 20);
}

/**
 * Null/loopback: a 4-byte address family, in the capturing host's byte order
 * for LINKTYPE_NULL and big-endian for LINKTYPE_LOOP. AF_INET is 2 everywhere;
 * AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS) or 10 (Linux).
 */
function loopback(d: Dissection): number {
  if (d.end - d.start < 4) return short(d, 'loopback header');
  const b = d.buf;
  const family = d.linkType === LINKTYPE.LOOP || (b[d.start] === 0 && b[d.start + 1] === 0) ? u32be(b, d.start) : u32le(b, d.start);
  if (family === 2) return ethertype(d, ETHERTYPE.IPV4, d.start + 4);
  if (family === 24 || family === 28 || family === 30 || family === 10) return ethertype(d, ETHERTYPE.IPV6, d.start + 4);
  d.protoKey = PROTO_KEY.LINKTYPE + d.linkType;
  return -1;
}

/** PPP: optional address 0xff control 0x03, then a 2-byte protocol (RFC 1661, 1662). */
function ppp(d: Dissection): number {
  const b = d.buf;
  let o = d.start;
  if (d.end - o >= 2 && b[o] === 0xff && b[o + 1] === 0x03) o += 2;
  if (d.end - o < 2) return short(d, 'PPP header');
  const proto = u16be(b, o);
  if (proto === 0x0021) return ethertype(d, ETHERTYPE.IPV4, o + 2);
  if (proto === 0x0057) return ethertype(d, ETHERTYPE.IPV6, o + 2);
  return -1;
}

/** NFULA_PAYLOAD (linux/netfilter/nfnetlink_log.h): the packet, from its network header. */
const NFULA_PAYLOAD = 9;
/** Linux address families in the NFLOG header. */
const AF_INET = 2;
const AF_INET6 = 10;

/**
 * NFLOG (https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html):
 *   0 family(1) version(1) resource id(2, big-endian)
 *   4 TLVs: length(2) type(2) value, the length counting the 4-byte TLV
 *     header but not the padding to the next multiple of 4.
 * The TLV header is in the capturing host's byte order, as is the file
 * header (libpcap writes both in host order; readers swap them together).
 * The frame alone does not carry the file's byte order, so it is read
 * little-endian unless the first TLV length only makes sense big-endian:
 * for the files libpcap writes that gives the same answer. The IP packet is the value of
 * NFULA_PAYLOAD; `d.end` is narrowed to it while the layers above decode
 * (dissectFrame puts it back), so the IP layer cannot run into the TLVs
 * after it. Every step advances by at least 4 bytes inside the
 * captured frame, so a crafted chain ends; a length under 4 is malformed.
 */
function nflog(d: Dissection): number {
  const b = d.buf;
  const end = d.end;
  if (end - d.start < 4) return short(d, 'NFLOG header');
  const family = b[d.start]!;
  let o = d.start + 4;
  let le = true;
  if (end - o >= 4) {
    const len = u16le(b, o);
    const lenBe = u16be(b, o);
    if ((len < 4 || len > end - o) && lenBe >= 4 && lenBe <= end - o) le = false;
  }
  while (end - o >= 4) {
    const len = le ? u16le(b, o) : u16be(b, o);
    // The top bits of the type are the netlink NLA_F_NESTED / NLA_F_NET_BYTEORDER flags.
    const type = (le ? u16le(b, o + 2) : u16be(b, o + 2)) & 0x3fff;
    if (len < 4) {
      d.protoKey = PROTO_KEY.MALFORMED_LINK;
      d.fail(`NFLOG TLV length ${len} is shorter than its header`, false);
      return -1;
    }
    if (type === NFULA_PAYLOAD) {
      if (len > end - o) d.truncated = true;
      else d.end = o + len;
      if (family === AF_INET) return ethertype(d, ETHERTYPE.IPV4, o + 4);
      if (family === AF_INET6) return ethertype(d, ETHERTYPE.IPV6, o + 4);
      return -1;
    }
    // Skip the TLV and its padding; a TLV running past the capture is cut short.
    const next = o + ((len + 3) & ~3);
    if (next > end) return len > end - o ? short(d, 'NFLOG TLV') : -1;
    o = next;
  }
  if (o !== end) return short(d, 'NFLOG TLV header');
  return -1;
}

/**
 * Raw IP: the version nibble says which for LINKTYPE_RAW; LINKTYPE_IPV4 and
 * LINKTYPE_IPV6 fix the version (`only`), so a packet of the other version
 * there is malformed, as tshark treats it.
 */
function rawIp(d: Dissection, o: number, only: number): number {
  if (d.end - o < 1) return short(d, 'IP header');
  const v = only !== 0 ? only : d.buf[o]! >> 4;
  if (v === 4) return ethertype(d, ETHERTYPE.IPV4, o);
  if (v === 6) return ethertype(d, ETHERTYPE.IPV6, o);
  d.protoKey = PROTO_KEY.MALFORMED_LINK;
  d.fail(`raw IP packet with version ${v}`, false);
  return -1;
}

function ethertype(d: Dissection, type: number, next: number): number {
  d.etherType = type;
  if (type !== ETHERTYPE.IPV4 && type !== ETHERTYPE.IPV6) {
    d.protoKey = PROTO_KEY.ETHERTYPE + type;
    return -1;
  }
  return next;
}

function short(d: Dissection, what: string): number {
  d.protoKey = PROTO_KEY.MALFORMED_LINK;
  d.fail(`${what} cut short`, true);
  return -1;
}
