/**
 * One-line packet summaries like tshark's default output:
 *   No. Time Source → Destination Protocol Length Info
 * Stateful only for TCP relative sequence numbers (per direction, from the
 * first segment seen, as tshark's tcp.relative_sequence_numbers does).
 * Used by `pcap packets` and by live capture.
 */
import { u16be, u32be } from './bytes.js';
import { formatIp } from './layers/address.js';
import { dissect, protocolKeyName } from './layers/dissect.js';
import { Dissection, L4, TCP_FLAGS } from './layers/dissection.js';
import { ETHERTYPE } from './layers/link.js';
import type { PacketRecord } from './read/packet.js';

/** The columns of one packet line. */
export interface PacketSummary {
  no: number;
  /** Seconds since the first packet (null without timestamp). */
  time: number | null;
  source: string;
  destination: string;
  protocol: string;
  /** Frame length on the wire. */
  length: number;
  info: string;
}

const FLAG_NAMES: [number, string][] = [
  [TCP_FLAGS.FIN, 'FIN'],
  [TCP_FLAGS.SYN, 'SYN'],
  [TCP_FLAGS.RST, 'RST'],
  [TCP_FLAGS.PSH, 'PSH'],
  [TCP_FLAGS.ACK, 'ACK'],
  [TCP_FLAGS.URG, 'URG'],
  [TCP_FLAGS.ECE, 'ECE'],
  [TCP_FLAGS.CWR, 'CWR'],
];

const ICMP_TYPES: Record<number, string> = {
  0: 'Echo (ping) reply',
  3: 'Destination unreachable',
  5: 'Redirect',
  8: 'Echo (ping) request',
  11: 'Time-to-live exceeded',
};
const ICMPV6_TYPES: Record<number, string> = {
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

/** Bound on the relative-sequence table (oldest forgotten first). */
const MAX_TCP_BASES = 100_000;

export class PacketSummarizer {
  readonly #d = new Dissection();
  readonly #seqBase = new Map<string, number>();
  #t0Sec = 0;
  #t0Nsec = 0;
  #haveT0 = false;

  /** Summarises one packet (the reader's reused record). */
  summarize(p: PacketRecord): PacketSummary {
    const d = dissect(this.#d, p);
    let time: number | null = null;
    if (p.hasTimestamp) {
      if (!this.#haveT0) {
        this.#haveT0 = true;
        this.#t0Sec = p.tsSec;
        this.#t0Nsec = p.tsNsec;
      }
      time = p.tsSec - this.#t0Sec + (p.tsNsec - this.#t0Nsec) / 1e9;
    }
    const s: PacketSummary = { no: p.index, time, source: '', destination: '', protocol: '', length: p.origLen, info: '' };
    if (d.ipVersion !== 0) {
      s.source = formatIp(d.buf, d.srcOffset, d.ipVersion);
      s.destination = formatIp(d.buf, d.dstOffset, d.ipVersion);
    } else if (d.linkType === 1 && d.end - d.start >= 12) {
      s.source = mac(d.buf, d.start + 6);
      s.destination = mac(d.buf, d.start);
    }
    s.protocol = displayName(protocolKeyName(d.protoKey));
    s.info = this.#info(d, s);
    if (d.failure !== '') s.info += ` [${d.truncated ? 'Packet size limited during capture' : 'Malformed'}: ${d.failure}]`;
    return s;
  }

  #info(d: Dissection, s: PacketSummary): string {
    switch (d.l4) {
      case L4.TCP:
        return this.#tcp(d, s);
      case L4.UDP:
        return `${d.srcPort} → ${d.dstPort} Len=${d.payloadLength}`;
      case L4.ICMP:
      case L4.ICMPV6: {
        const names = d.l4 === L4.ICMP ? ICMP_TYPES : ICMPV6_TYPES;
        const name = names[d.icmpType] ?? `Type ${d.icmpType}`;
        const echo = d.l4 === L4.ICMP ? d.icmpType === 0 || d.icmpType === 8 : d.icmpType === 128 || d.icmpType === 129;
        if (echo && d.payloadOffset + 4 <= d.end) {
          return `${name}  id=0x${u16be(d.buf, d.payloadOffset).toString(16).padStart(4, '0')}, seq=${u16be(d.buf, d.payloadOffset + 2)}`;
        }
        return name;
      }
      case L4.SCTP:
        return `${d.srcPort} → ${d.dstPort}`;
    }
    if (d.etherType === ETHERTYPE.ARP) return arp(d);
    if (d.fragment && d.fragOffset > 0) return `Fragmented IP protocol (proto=${protocolKeyName(d.ipProto)} ${d.ipProto}, off=${d.fragOffset})`;
    return '';
  }

  #tcp(d: Dissection, s: PacketSummary): string {
    const key = `${s.source}:${d.srcPort}>${s.destination}:${d.dstPort}`;
    let base = this.#seqBase.get(key);
    if (base === undefined) {
      base = d.tcpSeq;
      if (this.#seqBase.size >= MAX_TCP_BASES) this.#seqBase.delete(this.#seqBase.keys().next().value as string);
      this.#seqBase.set(key, base);
    }
    const back = this.#seqBase.get(`${s.destination}:${d.dstPort}>${s.source}:${d.srcPort}`);
    const flags = FLAG_NAMES.filter(([bit]) => (d.tcpFlags & bit) !== 0).map(([, n]) => n);
    let info = `${d.srcPort} → ${d.dstPort} [${flags.join(', ')}] Seq=${(d.tcpSeq - base) >>> 0}`;
    if ((d.tcpFlags & TCP_FLAGS.ACK) !== 0) info += ` Ack=${back === undefined ? d.tcpAck : (d.tcpAck - back) >>> 0}`;
    return `${info} Win=${d.tcpWindow} Len=${d.payloadLength}`;
  }
}

/** tshark's spelling of the protocol column. */
function displayName(name: string): string {
  if (name === 'icmpv6') return 'ICMPv6';
  if (name === 'ipv4') return 'IPv4';
  if (name === 'ipv6') return 'IPv6';
  return name.includes('-') ? name : name.toUpperCase();
}

function mac(b: Uint8Array, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(b[o + i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** ARP for IPv4 over Ethernet (RFC 826): op 1 request, 2 reply. */
function arp(d: Dissection): string {
  const b = d.buf;
  const o = d.end - d.start >= 14 ? d.start + 14 + d.vlanTags * 4 : d.end;
  if (d.end - o < 28 || u16be(b, o + 2) !== 0x0800) return 'ARP';
  const op = u16be(b, o + 6);
  const senderIp = formatIp(b, o + 14, 4);
  const targetIp = formatIp(b, o + 24, 4);
  if (op === 1) return `Who has ${targetIp}? Tell ${senderIp}`;
  if (op === 2) return `${senderIp} is at ${mac(b, o + 8)}`;
  return `ARP opcode ${op} (${u32be(b, o) >>> 0})`;
}

/** The tshark-like text line of a summary. */
export function summaryLine(s: PacketSummary): string {
  const time = s.time === null ? '' : s.time.toFixed(6);
  return `${String(s.no).padStart(5)} ${time.padStart(11)} ${s.source} → ${s.destination} ${s.protocol} ${s.length} ${s.info}`.trimEnd();
}
