/**
 * The result of dissecting one packet: a flat, reused record filled layer by
 * layer (the DecodingLayerParser idea of gopacket, without an object per
 * layer). Addresses and payloads are offsets into `buf` (zero-copy); the
 * record is valid until the next packet is dissected into it.
 *
 * A malformed or short packet never throws: `truncated` says the capture cut
 * a header short, `failure` names what was wrong (gopacket's DecodeFailure),
 * and the layers decoded before it stay filled.
 */

/** Transport kinds, in `l4`. */
export const L4 = Object.freeze({ NONE: 0, TCP: 6, UDP: 17, ICMP: 1, ICMPV6: 58, SCTP: 132 } as const);

/** TCP flag bits (RFC 9293 section 3.1), in `tcpFlags`. */
export const TCP_FLAGS = Object.freeze({ FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, AE: 0x100 } as const);

/** Protocol-mix key spaces: IP protocol numbers are 0-255 as they are. */
export const PROTO_KEY = Object.freeze({
  /** + ethertype: a non-IP frame (ARP, LLDP...). */
  ETHERTYPE: 0x10000,
  /** + link type: a link layer netlab does not dissect. */
  LINKTYPE: 0x20000,
  /** 802.3 length field with LLC payload. */
  LLC: 0x30000,
  /** An IPv4 packet whose header is cut short or malformed. */
  IPV4: 0x30004,
  /** An IPv6 packet whose header is cut short or malformed. */
  IPV6: 0x30006,
  /** A link header cut short or malformed. */
  MALFORMED_LINK: 0x30001,
} as const);

export class Dissection {
  buf: Uint8Array = new Uint8Array(0);
  /** First byte of the frame in `buf`. */
  start = 0;
  /** End of the captured bytes in `buf`. */
  end = 0;
  linkType = 0;
  /** EtherType (or SLL protocol / PPP-mapped type) of the network layer; -1 when none. */
  etherType = -1;
  /** 802.1Q/802.1ad tags passed over. */
  vlanTags = 0;
  /** Outer VLAN id, -1 when untagged. */
  vlanId = -1;
  /** 4 or 6 when an IP header was decoded, else 0. */
  ipVersion = 0;
  ipOffset = 0;
  /** Offsets of the source and destination addresses in `buf` (4 or 16 bytes). */
  srcOffset = 0;
  dstOffset = 0;
  /** Transport protocol number after IPv6 extension headers. */
  ipProto = -1;
  ttl = 0;
  /** End of the IP packet in `buf`: total length bounded by the captured bytes (Ethernet padding excluded). */
  ipEnd = 0;
  /**
   * Bytes of the IP packet its header declares beyond the captured end (cut
   * by the snap length), 0 when it was captured whole. They all belong to the
   * transport payload once its header was captured: a TCP segment declares
   * `payloadLength + ipUncaptured` bytes.
   */
  ipUncaptured = 0;
  /** Start of the IP payload (transport header) in `buf`. */
  l4Offset = 0;
  /** The packet is a fragment (more-fragments set, or a non-zero offset). */
  fragment = false;
  /** Fragment offset in bytes; transport headers are decoded only at offset 0. */
  fragOffset = 0;
  /** L4.* kind decoded, L4.NONE when none. */
  l4 = 0;
  srcPort = 0;
  dstPort = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpFlags = 0;
  tcpWindow = 0;
  icmpType = 0;
  icmpCode = 0;
  /** Transport payload in `buf` (TCP/UDP data), bounded by IP length and capture. */
  payloadOffset = 0;
  payloadLength = 0;
  /** Key for the protocol mix: see PROTO_KEY. */
  protoKey = 0;
  /** The capture cut this packet short (headers or payload beyond the snap length). */
  truncated = false;
  /** Empty when the packet decoded cleanly, else what was wrong. */
  failure = '';

  /** Resets every field before a new packet. */
  reset(buf: Uint8Array, start: number, end: number, linkType: number): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.linkType = linkType;
    this.etherType = -1;
    this.vlanTags = 0;
    this.vlanId = -1;
    this.ipVersion = 0;
    this.ipProto = -1;
    this.ipUncaptured = 0;
    this.fragment = false;
    this.fragOffset = 0;
    this.l4 = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.payloadOffset = end;
    this.payloadLength = 0;
    this.protoKey = PROTO_KEY.LINKTYPE + (linkType & 0xffff);
    this.truncated = false;
    this.failure = '';
  }

  /** Records a decode failure (first one wins) and whether it is a short capture. */
  fail(message: string, truncated: boolean): void {
    if (this.failure === '') this.failure = message;
    if (truncated) this.truncated = true;
  }
}
