/**
 * Fields of the frame and of the link, network and transport headers, read
 * straight from the flat Dissection (and the header bytes it points to):
 * a filter over them builds nothing per packet. Names and values are
 * Wireshark's; tshark prints sequence numbers relative, as here.
 */
import { u16be, u32be } from '../bytes.js';
import { L4, TCP_FLAGS } from '../layers/dissection.js';
import { ETHERTYPE } from '../layers/link.js';
import { LINKTYPE } from '../layers/linktypes.js';
import type { FieldKind, FieldSpec, FieldValue } from './field.js';
import { frameProtocols } from './protocols.js';
import type { ViewPacket } from './packet.js';

type Reader = (p: ViewPacket, out: FieldValue[]) => void;

function spec(name: string, kind: FieldKind, read: Reader, hexDigits?: number, text?: (p: ViewPacket) => string): FieldSpec<ViewPacket> {
  return { name, kind, read, hexDigits, text };
}

const isTcp = (p: ViewPacket) => p.d.l4 === L4.TCP;
const isUdp = (p: ViewPacket) => p.d.l4 === L4.UDP;
const isEthernet = (p: ViewPacket) => p.d.linkType === LINKTYPE.ETHERNET && p.d.end - p.d.start >= 14;

/** A uint field present when `when` holds. */
function uint(name: string, when: (p: ViewPacket) => boolean, value: (p: ViewPacket) => number, hexDigits?: number): FieldSpec<ViewPacket> {
  return spec(
    name,
    'uint',
    (p, out) => {
      if (when(p)) out.push(value(p));
    },
    hexDigits,
  );
}

function bool(name: string, when: (p: ViewPacket) => boolean, value: (p: ViewPacket) => boolean): FieldSpec<ViewPacket> {
  return spec(name, 'bool', (p, out) => {
    if (when(p)) out.push(value(p) ? 1 : 0);
  });
}

/** Bytes `[offset(p), offset(p) + length)` of the frame as a zero-copy view. */
function bytesAt(p: ViewPacket, offset: number, length: number): Uint8Array {
  return p.d.buf.subarray(offset, offset + length);
}

/** Two fields `X.src`/`X.dst` and the repeated `X.addr` (source then destination). */
function addressFields(prefix: string, kind: FieldKind, when: (p: ViewPacket) => boolean, width: number, src: (p: ViewPacket) => number, dst: (p: ViewPacket) => number): FieldSpec<ViewPacket>[] {
  return [
    spec(`${prefix}.src`, kind, (p, out) => {
      if (when(p)) out.push(bytesAt(p, src(p), width));
    }),
    spec(`${prefix}.dst`, kind, (p, out) => {
      if (when(p)) out.push(bytesAt(p, dst(p), width));
    }),
    spec(`${prefix}.addr`, kind, (p, out) => {
      if (!when(p)) return;
      out.push(bytesAt(p, src(p), width));
      out.push(bytesAt(p, dst(p), width));
    }),
  ];
}

/** `X.srcport`, `X.dstport` and the repeated `X.port`. */
function portFields(prefix: string, when: (p: ViewPacket) => boolean): FieldSpec<ViewPacket>[] {
  return [
    uint(`${prefix}.srcport`, when, (p) => p.d.srcPort),
    uint(`${prefix}.dstport`, when, (p) => p.d.dstPort),
    spec(`${prefix}.port`, 'uint', (p, out) => {
      if (!when(p)) return;
      out.push(p.d.srcPort);
      out.push(p.d.dstPort);
    }),
  ];
}

/** Epoch seconds with nine decimals, exactly (a double cannot hold them). */
function epochText(p: ViewPacket): string {
  return Number.isNaN(p.timeEpoch) ? '' : `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;
}

const ipv4 = (p: ViewPacket) => p.d.ipVersion === 4;
const ipv6 = (p: ViewPacket) => p.d.ipVersion === 6;

/** The TCP header starts where the IP payload does. */
const tcpHeader = (p: ViewPacket) => p.d.l4Offset;

/**
 * TCP payload length as the IP header declares it (tshark's tcp.len), which
 * is more than the captured bytes when the snap length cut the packet.
 */
export function tcpSegmentLength(p: ViewPacket): number {
  const d = p.d;
  const hl = (d.buf[d.l4Offset + 12]! >> 4) * 4;
  let ipEnd: number;
  if (d.ipVersion === 4) {
    const total = u16be(d.buf, d.ipOffset + 2);
    ipEnd = total === 0 ? d.ipEnd : d.ipOffset + total;
  } else {
    const plen = u16be(d.buf, d.ipOffset + 4);
    ipEnd = plen === 0 ? d.ipEnd : d.ipOffset + 40 + plen;
  }
  return Math.max(0, ipEnd - d.l4Offset - hl);
}

/**
 * Calls `visit(kind, offset, length)` for each TCP option (RFC 9293 section
 * 3.1: kind 0 ends the list, kind 1 is one byte, others carry a length),
 * stopping at a length that does not fit.
 */
export function forEachTcpOption(p: ViewPacket, visit: (kind: number, offset: number, length: number) => void): void {
  const d = p.d;
  const b = d.buf;
  const end = Math.min(d.l4Offset + (b[d.l4Offset + 12]! >> 4) * 4, d.end);
  let o = d.l4Offset + 20;
  while (o < end) {
    const kind = b[o]!;
    if (kind === 0) return;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= end) return;
    const len = b[o + 1]!;
    if (len < 2 || o + len > end) return;
    visit(kind, o, len);
    o += len;
  }
}

/** The twelve bits after the TCP data offset (reserved, AE, CWR ... FIN), as tshark's tcp.flags shows them. */
export function tcpFlagBits(p: ViewPacket): number {
  const b = p.d.buf;
  const o = p.d.l4Offset;
  return ((b[o + 12]! & 0x0f) << 8) | b[o + 13]!;
}

/** The MSS option's value (kind 2, RFC 9293 section 3.7.1), -1 when absent. */
export function tcpMss(p: ViewPacket): number {
  let mss = -1;
  forEachTcpOption(p, (kind, o, len) => {
    if (kind === 2 && len === 4 && mss < 0) mss = u16be(p.d.buf, o + 2);
  });
  return mss;
}

/** The window scale option's shift count (kind 3, RFC 7323 section 2.2), -1 when absent. */
export function tcpWindowShift(p: ViewPacket): number {
  let shift = -1;
  forEachTcpOption(p, (kind, o, len) => {
    if (kind === 3 && len === 3 && shift < 0) shift = Math.min(p.d.buf[o + 2]!, 14);
  });
  return shift;
}

/** 802.1Q tag ids of an Ethernet frame (802.1ad outer tags are ieee8021ad, not vlan). */
function vlanIds(p: ViewPacket, out: FieldValue[]): void {
  const d = p.d;
  if (d.linkType !== LINKTYPE.ETHERNET || d.vlanTags === 0) return;
  for (let i = 0, o = d.start + 12; i < d.vlanTags; i++, o += 4) {
    if (u16be(d.buf, o) === ETHERTYPE.VLAN) out.push(u16be(d.buf, o + 2) & 0x0fff);
  }
}

const hasPayload = (p: ViewPacket) => p.d.payloadLength > 0;

/** The header fields, by name. */
export const HEADER_FIELDS: readonly FieldSpec<ViewPacket>[] = [
  uint('frame.number', () => true, (p) => p.number),
  spec('frame.time_relative', 'float', (p, out) => {
    if (!Number.isNaN(p.timeRelative)) out.push(p.timeRelative);
  }),
  spec(
    'frame.time_epoch',
    'float',
    (p, out) => {
      if (!Number.isNaN(p.timeEpoch)) out.push(p.timeEpoch);
    },
    undefined,
    epochText,
  ),
  spec('frame.time_delta', 'float', (p, out) => {
    if (!Number.isNaN(p.timeDelta)) out.push(p.timeDelta);
  }),
  uint('frame.len', () => true, (p) => p.frameLen),
  uint('frame.cap_len', () => true, (p) => p.capLen),
  spec('frame.protocols', 'string', (p, out) => {
    out.push(frameProtocols(p));
  }),

  ...addressFields('eth', 'ether', isEthernet, 6, (p) => p.d.start + 6, (p) => p.d.start),
  uint('eth.type', (p) => isEthernet(p) && u16be(p.d.buf, p.d.start + 12) > 1500, (p) => u16be(p.d.buf, p.d.start + 12), 4),
  spec('vlan.id', 'uint', vlanIds),

  ...addressFields('ip', 'ipv4', ipv4, 4, (p) => p.d.srcOffset, (p) => p.d.dstOffset),
  uint('ip.version', ipv4, () => 4),
  uint('ip.hdr_len', ipv4, (p) => (p.d.buf[p.d.ipOffset]! & 0x0f) * 4),
  // A total length of 0 (segmentation offload) is shown as the length captured, as tshark does.
  uint('ip.len', ipv4, (p) => u16be(p.d.buf, p.d.ipOffset + 2) || p.d.ipEnd - p.d.ipOffset),
  uint('ip.id', ipv4, (p) => u16be(p.d.buf, p.d.ipOffset + 4), 4),
  bool('ip.flags.df', ipv4, (p) => (p.d.buf[p.d.ipOffset + 6]! & 0x40) !== 0),
  bool('ip.flags.mf', ipv4, (p) => (p.d.buf[p.d.ipOffset + 6]! & 0x20) !== 0),
  uint('ip.frag_offset', ipv4, (p) => p.d.fragOffset),
  uint('ip.ttl', ipv4, (p) => p.d.ttl),
  uint('ip.proto', ipv4, (p) => p.d.buf[p.d.ipOffset + 9]!),

  ...addressFields('ipv6', 'ipv6', ipv6, 16, (p) => p.d.srcOffset, (p) => p.d.dstOffset),
  uint('ipv6.plen', ipv6, (p) => u16be(p.d.buf, p.d.ipOffset + 4)),
  uint('ipv6.nxt', ipv6, (p) => p.d.buf[p.d.ipOffset + 6]!),
  uint('ipv6.hlim', ipv6, (p) => p.d.ttl),

  ...portFields('tcp', isTcp),
  uint('tcp.stream', isTcp, (p) => p.tcpStream),
  uint('tcp.seq', isTcp, (p) => p.tcpSeqRelative),
  uint('tcp.seq_raw', isTcp, (p) => p.d.tcpSeq),
  uint('tcp.ack', isTcp, (p) => p.tcpAckRelative),
  uint('tcp.ack_raw', isTcp, (p) => p.d.tcpAck),
  uint('tcp.len', isTcp, tcpSegmentLength),
  uint('tcp.hdr_len', isTcp, (p) => (p.d.buf[tcpHeader(p) + 12]! >> 4) * 4),
  uint('tcp.flags', isTcp, tcpFlagBits, 4),
  bool('tcp.flags.fin', isTcp, (p) => (p.d.tcpFlags & TCP_FLAGS.FIN) !== 0),
  bool('tcp.flags.syn', isTcp, (p) => (p.d.tcpFlags & TCP_FLAGS.SYN) !== 0),
  bool('tcp.flags.reset', isTcp, (p) => (p.d.tcpFlags & TCP_FLAGS.RST) !== 0),
  bool('tcp.flags.push', isTcp, (p) => (p.d.tcpFlags & TCP_FLAGS.PSH) !== 0),
  bool('tcp.flags.ack', isTcp, (p) => (p.d.tcpFlags & TCP_FLAGS.ACK) !== 0),
  bool('tcp.flags.urg', isTcp, (p) => (p.d.tcpFlags & TCP_FLAGS.URG) !== 0),
  bool('tcp.flags.ece', isTcp, (p) => (p.d.tcpFlags & TCP_FLAGS.ECE) !== 0),
  bool('tcp.flags.cwr', isTcp, (p) => (p.d.tcpFlags & TCP_FLAGS.CWR) !== 0),
  uint('tcp.window_size_value', isTcp, (p) => p.d.tcpWindow),
  uint('tcp.window_size', isTcp, (p) => p.tcpWindowSize),
  uint('tcp.options.mss_val', (p) => isTcp(p) && tcpMss(p) >= 0, tcpMss),
  spec('tcp.payload', 'bytes', (p, out) => {
    // The data of a RST is its reset cause (RFC 9293 section 3.5.3), not payload, for tshark.
    if (isTcp(p) && hasPayload(p) && (p.d.tcpFlags & TCP_FLAGS.RST) === 0) out.push(bytesAt(p, p.d.payloadOffset, p.d.payloadLength));
  }),

  ...portFields('udp', isUdp),
  uint('udp.length', isUdp, (p) => u16be(p.d.buf, p.d.l4Offset + 4)),
  spec('udp.payload', 'bytes', (p, out) => {
    if (isUdp(p) && hasPayload(p)) out.push(bytesAt(p, p.d.payloadOffset, p.d.payloadLength));
  }),

  uint('icmp.type', (p) => p.d.l4 === L4.ICMP, (p) => p.d.icmpType),
  uint('icmp.code', (p) => p.d.l4 === L4.ICMP, (p) => p.d.icmpCode),
  uint('icmpv6.type', (p) => p.d.l4 === L4.ICMPV6, (p) => p.d.icmpType),
  uint('icmpv6.code', (p) => p.d.l4 === L4.ICMPV6, (p) => p.d.icmpCode),
];
