/**
 * The capture-filter AST: what libpcap's grammar actions (gencode.c's gen_*)
 * make of a parsed expression, before any link type is known. Qualifiers are
 * already resolved (tcpdump's inheritance: `host a or b` is two host nodes),
 * so each leaf is one primitive with concrete values.
 */

/** Which address or port of a packet a primitive looks at (tcpdump's dqual). */
export type Direction = 'src' | 'dst' | 'or' | 'and';

/** Network-layer protocols a link type can be asked about (gen_linktype). */
export type LinkProto = 'ip' | 'ip6' | 'arp' | 'rarp';

interface Base {
  /** 0-based offset of the primitive in the expression. */
  pos: number;
  /**
   * `vlan` keywords parsed before this primitive: libpcap moves its link
   * offsets 4 bytes on for each, for every primitive after it in the text
   * (gencode.c gen_vlan: "change the behavior of *all* tests after it").
   */
  vlanShift: number;
}

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  /** `ip`, `ip6`, `arp`, `rarp`. */
  | (Base & { kind: 'link'; proto: LinkProto })
  /** `tcp`, `ip proto 17`, `ip6 proto 6`, `proto 1`: the IP protocol field (`family` 'any' = IPv4 or IPv6). */
  | (Base & { kind: 'ipproto'; family: 'ip' | 'ip6' | 'any'; proto: number })
  /** An IPv4 host or network; `family` 'any' = ip, arp or rarp (gen_host Q_DEFAULT). */
  | (Base & { kind: 'host4'; family: 'ip' | 'arp' | 'rarp' | 'any'; dir: Direction; addr: number; mask: number })
  /** An IPv6 host or network (addr and mask as four big-endian 32-bit words). */
  | (Base & { kind: 'host6'; dir: Direction; addr: number[]; mask: number[] })
  /** `port`, `portrange`: over TCP, UDP and SCTP when `proto` is 0. */
  | (Base & { kind: 'port'; proto: 0 | 6 | 17 | 132; dir: Direction; lo: number; hi: number })
  /** `ether host`, `ether src`, `ether dst` (the MAC as 6 bytes). */
  | (Base & { kind: 'ether'; dir: Direction; mac: number[] })
  /** `vlan`, `vlan ID` (id -1 for any). */
  | (Base & { kind: 'vlan'; id: number })
  /** `greater N` (wire length >= N), `less N` (wire length <= N). */
  | (Base & { kind: 'length'; op: 'greater' | 'less'; n: number })
  /** `broadcast`/`multicast`, qualified by `ether` (the default), `ip` or `ip6` (gen_broadcast, gen_multicast). */
  | (Base & { kind: 'cast'; which: 'broadcast' | 'multicast'; proto: 'ether' | 'ip' | 'ip6' })
  /** `inbound`, `outbound`: the Linux cooked header's packet type (gen_inbound). */
  | (Base & { kind: 'way'; outbound: boolean })
  /** `ether proto N`: the link layer's type field (gen_linktype). */
  | (Base & { kind: 'ethertype'; v: number })
  /** A packet-data relation: `tcp[13] & 2 != 0`, `len > 100`, `ip[0] & 0xf > 5`. */
  | (Base & { kind: 'rel'; op: RelOp; a: Arith; b: Arith });

export type RelOp = '>' | '>=' | '=' | '<' | '<=' | '!=';
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';

/** An unsigned 32-bit expression of a relation (gencode.c's struct arth). */
export type Arith =
  | { kind: 'num'; v: number }
  /** The frame's length on the wire. */
  | { kind: 'len' }
  /** `proto[index : size]`: `proto` is ether, ip, ip6, arp, rarp, tcp, udp, sctp, icmp, icmp6, igmp, igrp, pim, vrrp, carp. */
  | (Base & { kind: 'load'; proto: string; index: Arith; size: 1 | 2 | 4 })
  | { kind: 'bin'; op: ArithOp; a: Arith; b: Arith }
  | { kind: 'neg'; a: Arith };

/** A parse error: the message, where (0-based), and what would have been accepted there. */
export interface CaptureFilterError {
  message: string;
  position: number;
  expected: string[];
}
