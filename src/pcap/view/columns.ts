/**
 * The packet list's columns, as tshark's default output prints them:
 *   No. Time Source → Destination Protocol Length Info
 * Protocol and Info come from the highest layer understood: an
 * application-layer layer when one completed on the packet, else the
 * transport (with tshark's relative sequence numbers), ICMP or ARP.
 */
import { u16be, u32be } from '../bytes.js';
import { formatIp, formatIpv4 } from '../layers/address.js';
import { ARP, arpOffset } from '../layers/arp.js';
import { infoColumn, protocolColumn } from '../layers/app-layers.js';
import { protocolKeyName } from '../layers/dissect.js';
import { L4, TCP_FLAGS } from '../layers/dissection.js';
import { formatEther } from './format.js';
import { forEachTcpOption, tcpFlagBits, tcpSegmentLength } from './header-fields.js';
import type { ViewPacket } from './packet.js';

/** The columns of one packet line. */
export interface PacketColumns {
  number: number;
  /** Seconds since the first packet (null without timestamp). */
  time: number | null;
  src: string;
  dst: string;
  protocol: string;
  /** Frame length on the wire. */
  length: number;
  info: string;
}

/** What tshark appends to a segment whose bytes belong to a message later segments complete. */
const SEGMENT = '[TCP segment of a reassembled PDU]';

const FLAG_NAMES: [number, string][] = [
  [TCP_FLAGS.FIN, 'FIN'],
  [TCP_FLAGS.SYN, 'SYN'],
  [TCP_FLAGS.RST, 'RST'],
  [TCP_FLAGS.PSH, 'PSH'],
  [TCP_FLAGS.ACK, 'ACK'],
  [TCP_FLAGS.URG, 'URG'],
  [TCP_FLAGS.ECE, 'ECE'],
  [TCP_FLAGS.CWR, 'CWR'],
  [TCP_FLAGS.AE, 'AE'],
  [0xe00, 'Reserved'],
];

export const ICMP_TYPES: Record<number, string> = {
  0: 'Echo (ping) reply',
  3: 'Destination unreachable',
  5: 'Redirect',
  8: 'Echo (ping) request',
  11: 'Time-to-live exceeded',
};
export const ICMPV6_TYPES: Record<number, string> = {
  1: 'Destination Unreachable',
  2: 'Packet Too Big',
  3: 'Time Exceeded',
  128: 'Echo (ping) request',
  129: 'Echo (ping) reply',
  133: 'Router Solicitation',
  134: 'Router Advertisement',
  135: 'Neighbor Solicitation',
  136: 'Neighbor Advertisement',
};

/** The TCP flags as tshark's Info names them, e.g. "PSH, ACK". */
export function tcpFlagNames(flags: number): string {
  return FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0)
    .map(([, n]) => n)
    .join(', ');
}

/**
 * The columns of `p`, made once per packet: the list line, `-e _ws.col.*`
 * and a filter on them all read the same object (a new one for each packet,
 * so a caller may keep it).
 */
export function packetColumns(p: ViewPacket): PacketColumns {
  p.columns ??= makeColumns(p);
  return p.columns;
}

function makeColumns(p: ViewPacket): PacketColumns {
  const d = p.d;
  const c: PacketColumns = { number: p.number, time: Number.isNaN(p.timeRelative) ? null : p.timeRelative, src: '', dst: '', protocol: '', length: p.frameLen, info: '' };
  if (d.ipVersion !== 0) {
    c.src = formatIp(d.buf, d.srcOffset, d.ipVersion);
    c.dst = formatIp(d.buf, d.dstOffset, d.ipVersion);
  } else if (d.linkType === 1 && d.end - d.start >= 12) {
    c.src = formatEther(d.buf.subarray(d.start + 6, d.start + 12));
    c.dst = formatEther(d.buf.subarray(d.start, d.start + 6));
  }
  if (p.layers.length > 0) {
    c.protocol = protocolColumn(p.layers);
    c.info = infoColumn(p.layers, p.partialInfo);
  } else {
    c.protocol = displayName(protocolKeyName(d.protoKey));
    // tshark appends the mark with a space after whatever Info holds, and HTTP's own Info ends in one:
    // "GET / HTTP/1.1  [TCP segment of a reassembled PDU]".
    c.info = p.segmentOfPdu ? `${p.partialInfo === '' ? transportInfo(p) : p.partialInfo} ${SEGMENT}` : transportInfo(p);
  }
  // As tshark marks it; -V says what was cut or wrong.
  if (d.failure !== '') c.info += d.truncated ? '[Packet size limited during capture]' : '[Malformed Packet]';
  return c;
}

function transportInfo(p: ViewPacket): string {
  const d = p.d;
  switch (d.l4) {
    case L4.TCP: {
      let info = `${d.srcPort} → ${d.dstPort} [${tcpFlagNames(tcpFlagBits(p))}] Seq=${p.tcpSeqRelative}`;
      if ((d.tcpFlags & TCP_FLAGS.ACK) !== 0) info += ` Ack=${p.tcpAckRelative}`;
      info += ` Win=${p.tcpWindowSize}`;
      if ((d.tcpFlags & TCP_FLAGS.URG) !== 0) info += ` Urg=${u16be(d.buf, d.l4Offset + 18)}`;
      return `${info} Len=${tcpSegmentLength(p)}${tcpOptionsInfo(p)}`;
    }
    case L4.UDP:
      return `${d.srcPort} → ${d.dstPort} Len=${d.payloadLength}`;
    case L4.ICMP:
    case L4.ICMPV6: {
      const names = d.l4 === L4.ICMP ? ICMP_TYPES : ICMPV6_TYPES;
      const name = names[d.icmpType] ?? `Type ${d.icmpType}`;
      const echo = d.l4 === L4.ICMP ? d.icmpType === 0 || d.icmpType === 8 : d.icmpType === 128 || d.icmpType === 129;
      if (echo && d.payloadOffset + 4 <= d.end) {
        const id = `id=0x${u16be(d.buf, d.payloadOffset).toString(16).padStart(4, '0')}`;
        const seq = u16be(d.buf, d.payloadOffset + 2);
        // tshark: ICMP shows the sequence number big- and little-endian and the TTL; ICMPv6 the hop limit.
        if (d.l4 === L4.ICMPV6) return `${name} ${id}, seq=${seq}, hop limit=${d.ttl}`;
        return `${name}  ${id}, seq=${seq}/${((seq & 0xff) << 8) | (seq >> 8)}, ttl=${d.ttl}`;
      }
      return name;
    }
    case L4.SCTP:
      return `${d.srcPort} → ${d.dstPort}`;
  }
  const arp = arpOffset(d);
  if (arp >= 0) return arpInfo(p, arp);
  if (d.etherType === 0x0806) return 'ARP';
  if (d.fragment && d.fragOffset > 0) return `Fragmented IP protocol (proto=${protocolKeyName(d.ipProto)} ${d.ipProto}, off=${d.fragOffset})`;
  return '';
}

/** The options tshark names in the Info column, in packet order: " MSS=1460 SACK_PERM TSval=1 TSecr=0 WS=128". */
function tcpOptionsInfo(p: ViewPacket): string {
  const b = p.d.buf;
  let s = '';
  forEachTcpOption(p, (kind, o, len) => {
    if (kind === 2 && len === 4) s += ` MSS=${u16be(b, o + 2)}`;
    else if (kind === 3 && len === 3) s += ` WS=${2 ** Math.min(b[o + 2]!, 14)}`;
    else if (kind === 4 && len === 2) s += ' SACK_PERM';
    else if (kind === 8 && len === 10) s += ` TSval=${u32be(b, o + 2)} TSecr=${u32be(b, o + 6)}`;
    else if (kind === 5 && len >= 10) {
      // SACK blocks, relative to the other side's base like the acknowledgement number.
      const base = p.tcpAckBase;
      for (let e = o + 2; e + 8 <= o + len; e += 8) s += ` SLE=${(u32be(b, e) - base) >>> 0} SRE=${(u32be(b, e + 4) - base) >>> 0}`;
    }
  });
  return s;
}

function arpInfo(p: ViewPacket, o: number): string {
  const b = p.d.buf;
  const op = u16be(b, o + ARP.OPCODE);
  const senderIp = formatIpv4(b, o + ARP.SENDER_IP);
  const targetIp = formatIpv4(b, o + ARP.TARGET_IP);
  if (op === 1) return `Who has ${targetIp}? Tell ${senderIp}`;
  if (op === 2) return `${senderIp} is at ${formatEther(b.subarray(o + ARP.SENDER_MAC, o + ARP.SENDER_MAC + 6))}`;
  return `ARP opcode ${op}`;
}

/** tshark's spelling of the protocol column. */
function displayName(name: string): string {
  if (name === 'icmpv6') return 'ICMPv6';
  if (name === 'ipv4') return 'IPv4';
  if (name === 'ipv6') return 'IPv6';
  return name.includes('-') ? name : name.toUpperCase();
}

/** The tshark-like text line of the columns. */
export function columnsLine(c: PacketColumns): string {
  const time = c.time === null ? '' : c.time.toFixed(6);
  return `${String(c.number).padStart(5)} ${time.padStart(11)} ${c.src} → ${c.dst} ${c.protocol} ${c.length} ${c.info}`.trimEnd();
}
