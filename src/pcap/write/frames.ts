/**
 * Synthesised Ethernet / IPv4 / IPv6 / TCP / UDP frames with valid lengths
 * and checksums, for captures of traffic that never passed a NIC (the
 * socket tap). Only what Wireshark needs to dissect and follow a stream.
 */

export interface FrameEndpoint {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const ETHERNET_BYTES = 14;
const IPV4_BYTES = 20;
const IPV6_BYTES = 40;
const TCP_BYTES = 20;
const UDP_BYTES = 8;
/** Locally administered MAC addresses: the tap has no real interfaces. */
const MAC_A = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
const MAC_B = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map((part) => Number(part)));
}

/** Expands `::`-compressed IPv6 text (and an embedded IPv4 tail) to 16 bytes. */
function ipv6Bytes(address: string): Buffer {
  const out = Buffer.alloc(16);
  let text = address.split('%')[0] as string;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1] as string);
    text = `${text.slice(0, -(v4[1] as string).length)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves.length < 2 || halves[1] === '' ? [] : (halves[1] as string).split(':');
  const groups = halves.length < 2 ? head : [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
  groups.slice(0, 8).forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}

/** RFC 1071 one's-complement sum of 16-bit words, not yet complemented. */
function sum16(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i < end) sum += (bytes[i] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function finish(sum: number): number {
  return ~sum & 0xffff;
}

/**
 * One frame from `src` to `dst` carrying a TCP segment or a UDP datagram.
 * `srcIsA` picks the MAC pair so each direction keeps its own addresses.
 */
export function buildFrame(
  src: FrameEndpoint,
  dst: FrameEndpoint,
  srcIsA: boolean,
  transport: { kind: 'tcp'; seq: number; ack: number; flags: number; window?: number } | { kind: 'udp' },
  payload: Uint8Array,
): Buffer {
  const v6 = src.family === 'IPv6';
  const ipBytes = v6 ? IPV6_BYTES : IPV4_BYTES;
  const l4Bytes = transport.kind === 'tcp' ? TCP_BYTES : UDP_BYTES;
  const frame = Buffer.alloc(ETHERNET_BYTES + ipBytes + l4Bytes + payload.length);
  (srcIsA ? MAC_B : MAC_A).copy(frame, 0); // destination MAC
  (srcIsA ? MAC_A : MAC_B).copy(frame, 6); // source MAC
  frame.writeUInt16BE(v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, 12);

  const ip = ETHERNET_BYTES;
  const l4 = ip + ipBytes;
  const proto = transport.kind === 'tcp' ? PROTO_TCP : PROTO_UDP;
  const l4Length = l4Bytes + payload.length;
  const srcAddr = v6 ? ipv6Bytes(src.address) : ipv4Bytes(src.address);
  const dstAddr = v6 ? ipv6Bytes(dst.address) : ipv4Bytes(dst.address);
  if (v6) {
    frame.writeUInt32BE(0x60000000, ip); // version 6, no traffic class or flow label
    frame.writeUInt16BE(l4Length, ip + 4);
    frame[ip + 6] = proto;
    frame[ip + 7] = 64; // hop limit
    srcAddr.copy(frame, ip + 8);
    dstAddr.copy(frame, ip + 24);
  } else {
    frame[ip] = 0x45; // version 4, IHL 5
    frame.writeUInt16BE(IPV4_BYTES + l4Length, ip + 2);
    frame.writeUInt16BE(0x4000, ip + 6); // don't fragment
    frame[ip + 8] = 64; // TTL
    frame[ip + 9] = proto;
    srcAddr.copy(frame, ip + 12);
    dstAddr.copy(frame, ip + 16);
    frame.writeUInt16BE(finish(sum16(frame, ip, ip + IPV4_BYTES)), ip + 10);
  }

  frame.writeUInt16BE(src.port, l4);
  frame.writeUInt16BE(dst.port, l4 + 2);
  if (transport.kind === 'tcp') {
    frame.writeUInt32BE(transport.seq >>> 0, l4 + 4);
    frame.writeUInt32BE(transport.ack >>> 0, l4 + 8);
    frame[l4 + 12] = (TCP_BYTES / 4) << 4;
    frame[l4 + 13] = transport.flags;
    frame.writeUInt16BE(transport.window ?? 65535, l4 + 14);
  } else {
    frame.writeUInt16BE(l4Length, l4 + 4);
  }
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).copy(frame, l4 + l4Bytes);

  // RFC 793 §3.1 / RFC 768 / RFC 8200 §8.1: checksum over a pseudo-header
  // (addresses, protocol, length) and the whole segment.
  const pseudo = Buffer.alloc(v6 ? 40 : 12);
  srcAddr.copy(pseudo, 0);
  dstAddr.copy(pseudo, srcAddr.length);
  if (v6) {
    pseudo.writeUInt32BE(l4Length, 32);
    pseudo[39] = proto;
  } else {
    pseudo[9] = proto;
    pseudo.writeUInt16BE(l4Length, 10);
  }
  let checksum = finish(sum16(frame, l4, frame.length, sum16(pseudo, 0, pseudo.length)));
  if (transport.kind === 'udp' && checksum === 0) checksum = 0xffff; // RFC 768: 0 means "no checksum"
  frame.writeUInt16BE(checksum, l4 + (transport.kind === 'tcp' ? 16 : 6));
  return frame;
}
