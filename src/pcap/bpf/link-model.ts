/**
 * Where libpcap's generated code looks on each link type (gencode.c:
 * init_linktype's off_linktype / off_linkpl, gen_linktype): the offset of
 * the network header and how "is this IPv4 / IPv6 / ARP" is tested. These
 * are fixed offsets into the frame, not a dissection: on Ethernet the type
 * is read at byte 12 (16 after one `vlan`, and so on), so an 802.1Q-tagged
 * frame is not `ip` unless the filter says `vlan` first, exactly as tcpdump.
 */
import type { LinkProto } from './ast.js';
import { LINKTYPE, linkTypeName } from '../layers/linktypes.js';
import { anyOf, atom, tagged } from './logic.js';

/** The packet a compiled filter is looking at; one per compiled filter, refilled per packet. */
export class FilterContext {
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  /** Captured bytes: a load beyond them ends the filter with "no match", as in BPF. */
  capLen = 0;
  /** Length on the wire (`greater` / `less`). */
  wireLen = 0;

  /** Byte at `off`, or -1 past the captured bytes. */
  u8(off: number): number {
    return off < this.capLen ? this.buf[this.start + off]! : -1;
  }

  u16(off: number): number {
    if (off + 2 > this.capLen) return -1;
    const b = this.buf;
    const o = this.start + off;
    return (b[o]! << 8) | b[o + 1]!;
  }

  u32(off: number): number {
    if (off + 4 > this.capLen) return -1;
    const b = this.buf;
    const o = this.start + off;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
}

/**
 * A compiled test: 1 match, 0 no match, -1 "a load fell off the captured
 * bytes" (BPF then rejects the packet whatever the rest of the filter says);
 * or `true`/`false` when the link type alone decides.
 */
export type Test = ((c: FilterContext) => number) | boolean;

/** How one link type answers the link-dependent questions. */
export interface LinkModel {
  /** tcpdump's name of the link type, for messages. */
  name: string;
  /** Whether `ip`, `host`, `port`... can be compiled at all; else the error tcpdump gives. */
  network: string | null;
  /** Offset of the network header, given the `vlan` shift. */
  nl(vlanShift: number): number;
  /** The test "the network protocol is `p`". */
  proto(p: LinkProto, vlanShift: number): Test;
  /** Ethernet only: `vlan` and `ether host`. */
  ethernet: boolean;
  /** Where the Linux cooked packet type is (`inbound`/`outbound`), or null. */
  packetType: { off: number; size: 1 | 2 } | null;
  /** Where an Ethernet-style type field is (`ether proto N`), or null when the link has none. */
  typeOffset: ((vlanShift: number) => number) | null;
  /** When libpcap does not know the link type at all: the error it gives for any filter. */
  unknown?: string;
}

const ETHERTYPES: Record<LinkProto, number> = { ip: 0x0800, ip6: 0x86dd, arp: 0x0806, rarp: 0x8035 };

function u16Is(off: number, v: number): Test {
  const fn = (c: FilterContext): number => {
    const x = c.u16(off);
    return x < 0 ? -1 : x === v ? 1 : 0;
  };
  return tagged(fn, atom(`h${off}`, v));
}

const ethernet: LinkModel = {
  name: 'Ethernet',
  network: null,
  nl: (s) => 14 + 4 * s,
  proto: (p, s) => u16Is(12 + 4 * s, ETHERTYPES[p]),
  ethernet: true,
  typeOffset: (s) => 12 + 4 * s,
  packetType: null,
};

function cooked(name: string, typeOffset: number, nl: number, packetType: { off: number; size: 1 | 2 }): LinkModel {
  return { name, network: null, nl: () => nl, proto: (p) => u16Is(typeOffset, ETHERTYPES[p]), ethernet: false, typeOffset: () => typeOffset, packetType };
}

/**
 * BSD loopback: a 4-byte address family. libpcap compares it in the byte
 * order of the file (gen_loopback_linktype) for DLT_NULL, big-endian for
 * DLT_LOOP; IPv6 is AF_INET6 of NetBSD/OpenBSD (24), FreeBSD (28) and
 * macOS (30), not Linux's 10. ARP is never carried.
 */
function loopback(name: string, bigEndian: boolean): LinkModel {
  return {
    name,
    network: null,
    nl: () => 4,
    proto: (p) => {
      if (p === 'arp' || p === 'rarp') return false;
      const want = p === 'ip' ? 2 : -1;
      const fn = (c: FilterContext): number => {
        const v = c.u32(0);
        if (v < 0) return -1;
        // The file's byte order is not in the Dissection: a family below 2^16
        // stored little-endian has its high bytes zero at the end, which is how
        // the dissector tells the two orders apart too.
        const f = bigEndian || (c.buf[c.start] === 0 && c.buf[c.start + 1] === 0) ? v : ((v & 0xff) << 24 | (v & 0xff00) << 8 | (v >>> 8) & 0xff00 | v >>> 24) >>> 0;
        if (want > 0) return f === want ? 1 : 0;
        return f === 24 || f === 28 || f === 30 ? 1 : 0;
      };
      return tagged(fn, want > 0 ? atom('family', want) : anyOf('family', [24, 28, 30]));
    },
    ethernet: false,
    typeOffset: null,
  packetType: null,
  };
}

/** PPP: the protocol at byte 2, after address 0xff and control 0x03 (RFC 1662), as libpcap assumes. */
const ppp: LinkModel = {
  name: 'PPP',
  network: null,
  nl: () => 4,
  proto: (p) => u16Is(2, p === 'ip' ? 0x21 : p === 'ip6' ? 0x57 : ETHERTYPES[p]),
  ethernet: false,
  // Other EtherTypes are compared as they are (ethertype_to_ppptype passes them through).
  typeOffset: () => 2,
  packetType: null,
};

/** Raw IP: the version nibble says which. */
const raw: LinkModel = {
  name: 'Raw IP',
  network: null,
  nl: () => 0,
  proto: (p) => {
    if (p === 'arp' || p === 'rarp') return false;
    const want = p === 'ip' ? 0x40 : 0x60;
    const fn = (c: FilterContext): number => {
      const v = c.u8(0);
      return v < 0 ? -1 : (v & 0xf0) === want ? 1 : 0;
    };
    return tagged(fn, atom('b0&240', want));
  },
  ethernet: false,
  typeOffset: null,
  packetType: null,
};

function rawOnly(name: string, only: LinkProto): LinkModel {
  return { name, network: null, nl: () => 0, proto: (p) => p === only, ethernet: false, typeOffset: null, packetType: null };
}

function unsupported(linkType: number): LinkModel {
  // libpcap maps link types below 104 to DLT values one to one; 14 is no DLT on Linux.
  if (linkType === 14) return { name: 'DLT 14', network: null, nl: () => 0, proto: () => false, ethernet: false, typeOffset: null, packetType: null, unknown: `unknown data link type ${linkType}` };
  const name = linkType === 239 ? 'NFLOG' : `DLT ${linkType}`;
  return { name, network: `${name} link-layer type filtering not implemented`, nl: () => 0, proto: () => false, ethernet: false, typeOffset: null, packetType: null };
}

/** The model of a link type (unknown ones reject network primitives, as tcpdump does for NFLOG). */
export function linkModel(linkType: number): LinkModel {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      return ethernet;
    case LINKTYPE.LINUX_SLL:
      return cooked('Linux cooked v1', 14, 16, { off: 0, size: 2 });
    case LINKTYPE.LINUX_SLL2:
      return cooked('Linux cooked v2', 0, 20, { off: 10, size: 1 });
    case LINKTYPE.NULL:
      return loopback('BSD loopback', false);
    case LINKTYPE.LOOP:
      return loopback('OpenBSD loopback', true);
    case 9:
    case 50:
      return { ...ppp, name: linkTypeName(linkType) };
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OPENBSD:
      // LINKTYPE 14 (DLT_RAW of some BSDs) is unknown to libpcap on Linux, and so here.
      return raw;
    case LINKTYPE.IPV4:
      return rawOnly('Raw IPv4', 'ip');
    case LINKTYPE.IPV6:
      return rawOnly('Raw IPv6', 'ip6');
    default:
      return unsupported(linkType);
  }
}
