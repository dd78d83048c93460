/**
 * The packet-details sections of the frame and its headers (Frame, the link
 * layer, IPv4/IPv6, TCP/UDP/ICMP, Data) in Wireshark's words, built only for
 * packets that are printed with `-V` or `--json`. Each line carries the
 * field name and value `-e` and filters use, so `--json` can be read off
 * the same tree.
 */
import { u16be, u32be } from '../bytes.js';
import { formatIpv4, formatIpv6 } from '../layers/address.js';
import { ARP, arpOffset } from '../layers/arp.js';
import { L4, TCP_FLAGS } from '../layers/dissection.js';
import { ETHERTYPE } from '../layers/link.js';
import { LINKTYPE, linkTypeName } from '../layers/linktypes.js';
import { ipProtocolName } from '../layers/names.js';
import type { ProtoField, ProtoLayer } from '../layers/tree.js';
import { ICMP_TYPES, ICMPV6_TYPES, tcpFlagNames } from './columns.js';
import { formatEther } from './format.js';
import { tcpMss, tcpSegmentLength } from './header-fields.js';
import type { ViewPacket } from './packet.js';
import { dataBytes, frameProtocols } from './protocols.js';

function f(name: string, label: string, value?: ProtoField['value'], children?: ProtoField[]): ProtoField {
  const field: ProtoField = { name, label };
  if (value !== undefined) field.value = value;
  if (children !== undefined) field.children = children;
  return field;
}

function layer(name: string, title: string, fields: ProtoField[]): ProtoLayer {
  return { name, title, protocol: name.toUpperCase(), info: '', fields };
}

const hex = (v: number, digits: number) => `0x${v.toString(16).padStart(digits, '0')}`;
const bits = (n: number) => `${n} bytes (${n * 8} bits)`;
const setOrNot = (on: boolean) => (on ? 'Set' : 'Not set');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Dec  9, 2014 17:16:09.924505488 UTC", as Wireshark's Arrival Time. */
function arrival(p: ViewPacket): string {
  const t = new Date(p.tsSec * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2)}, ${t.getUTCFullYear()} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())}.${String(p.tsNsec).padStart(9, '0')} UTC`;
}

function frame(p: ViewPacket): ProtoLayer {
  const fields: ProtoField[] = [f('', `Encapsulation type: ${linkTypeName(p.d.linkType)}`)];
  if (!Number.isNaN(p.timeEpoch)) {
    fields.push(
      f('frame.time', `Arrival Time: ${arrival(p)}`),
      f('frame.time_epoch', `Epoch Time: ${p.tsSec}.${String(p.tsNsec).padStart(9, '0')} seconds`, p.timeEpoch),
      f('frame.time_delta', `[Time delta from previous captured frame: ${p.timeDelta.toFixed(9)} seconds]`, p.timeDelta),
      f('frame.time_relative', `[Time since reference or first frame: ${p.timeRelative.toFixed(9)} seconds]`, p.timeRelative),
    );
  }
  fields.push(
    f('frame.number', `Frame Number: ${p.number}`, p.number),
    f('frame.len', `Frame Length: ${bits(p.frameLen)}`, p.frameLen),
    f('frame.cap_len', `Capture Length: ${bits(p.capLen)}`, p.capLen),
    f('frame.protocols', `[Protocols in frame: ${frameProtocols(p)}]`, frameProtocols(p)),
  );
  return layer('frame', `Frame ${p.number}: ${p.frameLen} bytes on wire (${p.frameLen * 8} bits), ${p.capLen} bytes captured (${p.capLen * 8} bits)`, fields);
}

function ethernet(p: ViewPacket): ProtoLayer[] {
  const d = p.d;
  const b = d.buf;
  const dst = b.subarray(d.start, d.start + 6);
  const src = b.subarray(d.start + 6, d.start + 12);
  const fields = [f('eth.dst', `Destination: ${formatEther(dst)}`, dst), f('eth.src', `Source: ${formatEther(src)}`, src)];
  let type = u16be(b, d.start + 12);
  fields.push(f('eth.type', `Type: ${etherTypeLabel(type)} (${hex(type, 4)})`, type));
  const layers = [layer('eth', `Ethernet II, Src: ${formatEther(src)}, Dst: ${formatEther(dst)}`, fields)];
  for (let i = 0, o = d.start + 14; i < d.vlanTags; i++, o += 4) {
    const tci = u16be(b, o);
    const outer = type !== ETHERTYPE.VLAN;
    type = u16be(b, o + 2);
    const id = tci & 0x0fff;
    const tag = [
      f('', `Priority: ${tci >> 13}`),
      f('', `DEI: ${(tci >> 12) & 1}`),
      f(outer ? 'ieee8021ad.id' : 'vlan.id', `ID: ${id}`, id),
      f(outer ? 'ieee8021ad.etype' : 'vlan.etype', `Type: ${etherTypeLabel(type)} (${hex(type, 4)})`, type),
    ];
    layers.push(outer ? layer('ieee8021ad', `IEEE 802.1ad, ID: ${id}`, tag) : layer('vlan', `802.1Q Virtual LAN, PRI: ${tci >> 13}, DEI: ${(tci >> 12) & 1}, ID: ${id}`, tag));
  }
  return layers;
}

const ETHERTYPE_LABELS: Record<number, string> = {
  0x0800: 'IPv4',
  0x86dd: 'IPv6',
  0x0806: 'ARP',
  0x8100: '802.1Q Virtual LAN',
  0x88a8: '802.1ad Provider Bridge (Q-in-Q)',
};

function etherTypeLabel(type: number): string {
  return ETHERTYPE_LABELS[type] ?? 'Unknown';
}

function linkLayers(p: ViewPacket): ProtoLayer[] {
  const d = p.d;
  if (d.linkType === LINKTYPE.ETHERNET && d.end - d.start >= 14) return ethernet(p);
  if (d.linkType === LINKTYPE.LINUX_SLL && d.end - d.start >= 16) {
    const type = u16be(d.buf, d.start + 14);
    return [layer('sll', 'Linux cooked capture v1', [f('sll.pkttype', `Packet type: ${u16be(d.buf, d.start)}`, u16be(d.buf, d.start)), f('sll.etype', `Protocol: ${etherTypeLabel(type)} (${hex(type, 4)})`, type)])];
  }
  if (d.linkType === LINKTYPE.LINUX_SLL2 && d.end - d.start >= 20) {
    const type = u16be(d.buf, d.start);
    return [layer('sll', 'Linux cooked capture v2', [f('sll.etype', `Protocol: ${etherTypeLabel(type)} (${hex(type, 4)})`, type), f('sll.ifindex', `Interface index: ${u32be(d.buf, d.start + 4)}`, u32be(d.buf, d.start + 4))])];
  }
  return [];
}

function ipv4(p: ViewPacket): ProtoLayer {
  const d = p.d;
  const b = d.buf;
  const o = d.ipOffset;
  const src = formatIpv4(b, d.srcOffset);
  const dst = formatIpv4(b, d.dstOffset);
  const flags = b[o + 6]! >> 5;
  const id = u16be(b, o + 4);
  const proto = b[o + 9]!;
  const flagNames = [(flags & 2) !== 0 ? "Don't fragment" : '', (flags & 1) !== 0 ? 'More fragments' : ''].filter((x) => x !== '').join(', ');
  return layer('ip', `Internet Protocol Version 4, Src: ${src}, Dst: ${dst}`, [
    f('ip.version', 'Version: 4', 4),
    f('ip.hdr_len', `Header Length: ${(b[o]! & 0x0f) * 4} bytes (${b[o]! & 0x0f})`, (b[o]! & 0x0f) * 4),
    f('ip.dsfield', `Differentiated Services Field: ${hex(b[o + 1]!, 2)}`, b[o + 1]!),
    u16be(b, o + 2) === 0
      ? f('ip.len', `[Total Length: ${d.ipEnd - o} bytes (reported as 0, presumed to be because of "TCP segmentation offload" (TSO))]`, d.ipEnd - o)
      : f('ip.len', `Total Length: ${u16be(b, o + 2)}`, u16be(b, o + 2)),
    f('ip.id', `Identification: ${hex(id, 4)} (${id})`, id),
    f('ip.flags', `Flags: ${hex(flags, 1)}${flagNames === '' ? '' : `, ${flagNames}`}`, flags, [
      f('ip.flags.rb', `Reserved bit: ${setOrNot((flags & 4) !== 0)}`, (flags >> 2) & 1),
      f('ip.flags.df', `Don't fragment: ${setOrNot((flags & 2) !== 0)}`, (flags >> 1) & 1),
      f('ip.flags.mf', `More fragments: ${setOrNot((flags & 1) !== 0)}`, flags & 1),
    ]),
    f('ip.frag_offset', `Fragment Offset: ${d.fragOffset}`, d.fragOffset),
    f('ip.ttl', `Time to Live: ${d.ttl}`, d.ttl),
    f('ip.proto', `Protocol: ${protocolLabel(proto)} (${proto})`, proto),
    f('ip.checksum', `Header Checksum: ${hex(u16be(b, o + 10), 4)} [validation disabled]`, u16be(b, o + 10)),
    f('ip.src', `Source Address: ${src}`, b.subarray(d.srcOffset, d.srcOffset + 4)),
    f('ip.dst', `Destination Address: ${dst}`, b.subarray(d.dstOffset, d.dstOffset + 4)),
  ]);
}

/** Wireshark's names of IP protocol numbers where they are not the upper-case short name. */
const PROTOCOL_LABELS: Record<number, string> = {
  0: 'IPv6 Hop-by-Hop Option',
  41: 'IPv6',
  43: 'Routing Header for IPv6',
  44: 'Fragment Header for IPv6',
  58: 'ICMPv6',
  59: 'No Next Header for IPv6',
  60: 'Destination Options for IPv6',
};

function protocolLabel(proto: number): string {
  return PROTOCOL_LABELS[proto] ?? ipProtocolName(proto).toUpperCase();
}

function ipv6(p: ViewPacket): ProtoLayer {
  const d = p.d;
  const b = d.buf;
  const o = d.ipOffset;
  const src = formatIpv6(b, d.srcOffset);
  const dst = formatIpv6(b, d.dstOffset);
  const next = b[o + 6]!;
  return layer('ipv6', `Internet Protocol Version 6, Src: ${src}, Dst: ${dst}`, [
    f('ipv6.version', 'Version: 6', 6),
    f('ipv6.tclass', `Traffic Class: ${hex((u16be(b, o) >> 4) & 0xff, 2)}`, (u16be(b, o) >> 4) & 0xff),
    f('ipv6.flow', `Flow Label: ${hex(u32be(b, o) & 0xfffff, 5)}`, u32be(b, o) & 0xfffff),
    f('ipv6.plen', `Payload Length: ${u16be(b, o + 4)}`, u16be(b, o + 4)),
    f('ipv6.nxt', `Next Header: ${protocolLabel(next)} (${next})`, next),
    f('ipv6.hlim', `Hop Limit: ${d.ttl}`, d.ttl),
    f('ipv6.src', `Source Address: ${src}`, b.subarray(d.srcOffset, d.srcOffset + 16)),
    f('ipv6.dst', `Destination Address: ${dst}`, b.subarray(d.dstOffset, d.dstOffset + 16)),
  ]);
}

const TCP_FLAG_LINES: [number, string, string][] = [
  [TCP_FLAGS.CWR, 'tcp.flags.cwr', 'Congestion Window Reduced'],
  [TCP_FLAGS.ECE, 'tcp.flags.ece', 'ECN-Echo'],
  [TCP_FLAGS.URG, 'tcp.flags.urg', 'Urgent'],
  [TCP_FLAGS.ACK, 'tcp.flags.ack', 'Acknowledgment'],
  [TCP_FLAGS.PSH, 'tcp.flags.push', 'Push'],
  [TCP_FLAGS.RST, 'tcp.flags.reset', 'Reset'],
  [TCP_FLAGS.SYN, 'tcp.flags.syn', 'Syn'],
  [TCP_FLAGS.FIN, 'tcp.flags.fin', 'Fin'],
];

function tcp(p: ViewPacket): ProtoLayer {
  const d = p.d;
  const b = d.buf;
  const o = d.l4Offset;
  const len = tcpSegmentLength(p);
  const hl = (b[o + 12]! >> 4) * 4;
  const hasAck = (d.tcpFlags & TCP_FLAGS.ACK) !== 0;
  const fields = [
    f('tcp.srcport', `Source Port: ${d.srcPort}`, d.srcPort),
    f('tcp.dstport', `Destination Port: ${d.dstPort}`, d.dstPort),
    f('tcp.stream', `[Stream index: ${p.tcpStream}]`, p.tcpStream),
    f('tcp.len', `[TCP Segment Len: ${len}]`, len),
    f('tcp.seq', `Sequence Number: ${p.tcpSeqRelative}    (relative sequence number)`, p.tcpSeqRelative),
    f('tcp.seq_raw', `Sequence Number (raw): ${d.tcpSeq}`, d.tcpSeq),
    f('tcp.ack', `Acknowledgment Number: ${p.tcpAckRelative}${hasAck ? '    (relative ack number)' : ''}`, p.tcpAckRelative),
    f('tcp.ack_raw', `Acknowledgment number (raw): ${d.tcpAck}`, d.tcpAck),
    f('tcp.hdr_len', `Header Length: ${hl} bytes (${hl / 4})`, hl),
    f(
      'tcp.flags',
      `Flags: ${hex(d.tcpFlags, 3)} (${tcpFlagNames(d.tcpFlags)})`,
      d.tcpFlags,
      TCP_FLAG_LINES.map(([bit, name, label]) => f(name, `${label}: ${setOrNot((d.tcpFlags & bit) !== 0)}`, (d.tcpFlags & bit) !== 0 ? 1 : 0)),
    ),
    f('tcp.window_size_value', `Window: ${d.tcpWindow}`, d.tcpWindow),
    f('tcp.checksum', `Checksum: ${hex(u16be(b, o + 16), 4)} [unverified]`, u16be(b, o + 16)),
    f('tcp.urgent_pointer', `Urgent Pointer: ${u16be(b, o + 18)}`, u16be(b, o + 18)),
  ];
  const mss = tcpMss(p);
  if (hl > 20) fields.push(f('', `Options: (${hl - 20} bytes)`, undefined, mss >= 0 ? [f('tcp.options.mss_val', `MSS Value: ${mss}`, mss)] : undefined));
  if (d.payloadLength > 0) fields.push(f('tcp.payload', `TCP payload (${d.payloadLength} byte${d.payloadLength === 1 ? '' : 's'})`, b.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength)));
  let title = `Transmission Control Protocol, Src Port: ${d.srcPort}, Dst Port: ${d.dstPort}, Seq: ${p.tcpSeqRelative}`;
  if (hasAck) title += `, Ack: ${p.tcpAckRelative}`;
  return layer('tcp', `${title}, Len: ${len}`, fields);
}

function udp(p: ViewPacket): ProtoLayer {
  const d = p.d;
  const b = d.buf;
  const o = d.l4Offset;
  const fields = [
    f('udp.srcport', `Source Port: ${d.srcPort}`, d.srcPort),
    f('udp.dstport', `Destination Port: ${d.dstPort}`, d.dstPort),
    f('udp.length', `Length: ${u16be(b, o + 4)}`, u16be(b, o + 4)),
    f('udp.checksum', `Checksum: ${hex(u16be(b, o + 6), 4)} [unverified]`, u16be(b, o + 6)),
  ];
  if (d.payloadLength > 0) fields.push(f('udp.payload', `UDP payload (${d.payloadLength} byte${d.payloadLength === 1 ? '' : 's'})`, b.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength)));
  return layer('udp', `User Datagram Protocol, Src Port: ${d.srcPort}, Dst Port: ${d.dstPort}`, fields);
}

function icmp(p: ViewPacket): ProtoLayer {
  const d = p.d;
  const v6 = d.l4 === L4.ICMPV6;
  const name = v6 ? 'icmpv6' : 'icmp';
  const type = (v6 ? ICMPV6_TYPES : ICMP_TYPES)[d.icmpType] ?? 'Unknown';
  // ICMP puts the number first, ICMPv6 the name first, in Wireshark's words.
  const typeLabel = v6 ? `Type: ${type} (${d.icmpType})` : `Type: ${d.icmpType} (${type})`;
  const fields = [f(`${name}.type`, typeLabel, d.icmpType), f(`${name}.code`, `Code: ${d.icmpCode}`, d.icmpCode), f(`${name}.checksum`, `Checksum: ${hex(u16be(d.buf, d.l4Offset + 2), 4)} [unverified]`, u16be(d.buf, d.l4Offset + 2))];
  const echo = v6 ? d.icmpType === 128 || d.icmpType === 129 : d.icmpType === 0 || d.icmpType === 8;
  if (echo && d.payloadLength >= 4) {
    const id = u16be(d.buf, d.payloadOffset);
    const seq = u16be(d.buf, d.payloadOffset + 2);
    if (v6) fields.push(f('icmpv6.echo.identifier', `Identifier: ${hex(id, 4)}`, id), f('icmpv6.echo.sequence_number', `Sequence: ${seq}`, seq));
    else fields.push(f('icmp.ident', `Identifier (BE): ${id} (${hex(id, 4)})`, id), f('icmp.seq', `Sequence Number (BE): ${seq} (${hex(seq, 4)})`, seq));
  }
  return layer(name, v6 ? 'Internet Control Message Protocol v6' : 'Internet Control Message Protocol', fields);
}

function arp(p: ViewPacket, o: number): ProtoLayer {
  const b = p.d.buf;
  const op = u16be(b, o + ARP.OPCODE);
  const mac = (at: number) => b.subarray(at, at + 6);
  const ip = (at: number) => b.subarray(at, at + 4);
  return layer(`arp`, `Address Resolution Protocol (${op === 1 ? 'request' : op === 2 ? 'reply' : op})`, [
    f('arp.opcode', `Opcode: ${op === 1 ? 'request' : op === 2 ? 'reply' : 'unknown'} (${op})`, op),
    f('arp.src.hw_mac', `Sender MAC address: ${formatEther(mac(o + ARP.SENDER_MAC))}`, mac(o + ARP.SENDER_MAC)),
    f('arp.src.proto_ipv4', `Sender IP address: ${formatIpv4(b, o + ARP.SENDER_IP)}`, ip(o + ARP.SENDER_IP)),
    f('arp.dst.hw_mac', `Target MAC address: ${formatEther(mac(o + ARP.TARGET_MAC))}`, mac(o + ARP.TARGET_MAC)),
    f('arp.dst.proto_ipv4', `Target IP address: ${formatIpv4(b, o + ARP.TARGET_IP)}`, ip(o + ARP.TARGET_IP)),
  ]);
}

/** Data: the payload no protocol claimed, shown as text where it is printable. */
function data(bytes: Uint8Array): ProtoLayer {
  const fields = [f('data.data', `Data: ${Buffer.from(bytes).toString('hex')}`, bytes), f('data.len', `[Length: ${bytes.length}]`, bytes.length)];
  const text = printable(bytes);
  if (text !== undefined) fields.push(f('', `[Text: ${text}]`));
  return { name: 'data', title: `Data (${bytes.length} byte${bytes.length === 1 ? '' : 's'})`, protocol: 'DATA', info: '', fields };
}

/** The bytes as text when they are printable UTF-8 (tabs and line ends shown escaped), else undefined. */
export function printable(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes).toString('utf8');
  if (text.includes('\ufffd') || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return undefined;
  return text.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** Every section of `p`'s details tree, outermost first (application layers included). */
export function detailLayers(p: ViewPacket): ProtoLayer[] {
  const d = p.d;
  const layers = [frame(p), ...linkLayers(p)];
  if (d.ipVersion === 4) layers.push(ipv4(p));
  else if (d.ipVersion === 6) layers.push(ipv6(p));
  else {
    const o = arpOffset(d);
    if (o >= 0) layers.push(arp(p, o));
  }
  if (d.l4 === L4.TCP) layers.push(tcp(p));
  else if (d.l4 === L4.UDP) layers.push(udp(p));
  else if (d.l4 === L4.ICMP || d.l4 === L4.ICMPV6) layers.push(icmp(p));
  layers.push(...p.layers);
  const payload = dataBytes(p);
  if (payload !== undefined) layers.push(data(payload));
  if (d.failure !== '') {
    const what = d.truncated ? 'Packet size limited during capture' : 'Malformed Packet';
    layers.push({ name: d.truncated ? '_ws.short' : '_ws.malformed', title: `[${what}: ${d.failure}]`, protocol: '', info: '', fields: [] });
  }
  return layers;
}
