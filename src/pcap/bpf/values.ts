/** Address and protocol values of capture filters, read as libpcap reads them. */
import { isIPv6 } from 'node:net';

/**
 * libpcap's __pcap_atoin: 1 to 4 decimal parts of 0-255, each 8 bits.
 * @returns the value of the parts and how many bits they fill (8-32), or null
 */
export function ipv4Value(s: string): { value: number; bits: number } | null {
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  let value = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    value = ((value << 8) | n) >>> 0;
  }
  return { value, bits: parts.length * 8 };
}

/** An IPv6 address as four big-endian 32-bit words (the embedded IPv4 form included), or null. */
export function ipv6Words(s: string): number[] | null {
  if (!isIPv6(s)) return null;
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const a = ipv4Value(v4[1]!);
    if (a === null) return null;
    text = `${text.slice(0, v4.index)}${(a.value >>> 16).toString(16)}:${(a.value & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return null;
  const words = [0, 0, 0, 0];
  for (let i = 0; i < 8; i++) {
    const g = Number.parseInt(groups[i]!, 16);
    words[i >> 1] = i % 2 === 0 ? (g << 16) >>> 0 : (words[i >> 1]! | g) >>> 0;
  }
  return words;
}

/**
 * IP protocol names for `proto \name` (the names of /etc/protocols, which
 * tcpdump looks up with getprotobyname; netlab carries its own copy so the
 * result does not depend on the machine).
 */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  ip: 0, hopopt: 0, icmp: 1, igmp: 2, ggp: 3, ipencap: 4, st: 5, tcp: 6, egp: 8, igp: 9, pup: 12, udp: 17, hmp: 20,
  'xns-idp': 22, rdp: 27, 'iso-tp4': 29, dccp: 33, xtp: 36, ddp: 37, 'idpr-cmtp': 38, ipv6: 41, 'ipv6-route': 43,
  'ipv6-frag': 44, idrp: 45, rsvp: 46, gre: 47, esp: 50, ah: 51, skip: 57, 'ipv6-icmp': 58, 'ipv6-nonxt': 59,
  'ipv6-opts': 60, rspf: 73, vmtp: 81, eigrp: 88, ospf: 89, 'ax.25': 93, ipip: 94, etherip: 97, encap: 98, pim: 103,
  ipcomp: 108, vrrp: 112, l2tp: 115, isis: 124, sctp: 132, fc: 133, 'mobility-header': 135, udplite: 136,
  'mpls-in-ip': 137, manet: 138, hip: 139, shim6: 140, wesp: 141, rohc: 142, ethernet: 143,
});
