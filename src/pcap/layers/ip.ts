/**
 * IPv4 (RFC 791) with options and fragments, and IPv6 (RFC 8200) with its
 * extension header chain.
 */
import { u16be } from '../bytes.js';
import { Dissection, PROTO_KEY } from './dissection.js';

/**
 *   0 version(4) IHL(4)  1 DSCP/ECN  2 total length  4 id  6 flags(3) fragment offset(13)
 *   8 TTL  9 protocol  10 checksum  12 source  16 destination  20 options (IHL*4 - 20)
 * @returns offset of the transport header, or -1 when there is none to decode
 */
export function decodeIpv4(d: Dissection, o: number): number {
  const b = d.buf;
  d.protoKey = PROTO_KEY.IPV4;
  if (d.end - o < 20) {
    d.fail('IPv4 header cut short', true);
    return -1;
  }
  const vihl = b[o]!;
  const hl = (vihl & 0x0f) * 4;
  if (vihl >> 4 !== 4 || hl < 20) {
    d.fail(`bad IPv4 header (version ${vihl >> 4}, header length ${hl})`, false);
    return -1;
  }
  d.ipVersion = 4;
  d.ipOffset = o;
  d.srcOffset = o + 12;
  d.dstOffset = o + 16;
  d.ttl = b[o + 8]!;
  const proto = b[o + 9]!;
  d.ipProto = proto;
  d.protoKey = proto;
  const total = u16be(b, o + 2);
  // A total length of 0 is what TCP segmentation offload leaves; use what was captured.
  let end = total === 0 ? d.end : o + total;
  if (total !== 0 && total < hl) {
    d.fail(`IPv4 total length ${total} is shorter than its header`, false);
    end = o + hl;
  }
  if (end > d.end) {
    // Cut by the snap length: the payload is what was captured.
    d.ipUncaptured = end - d.end;
    end = d.end;
    d.truncated = true;
  }
  d.ipEnd = end;
  const frag = u16be(b, o + 6);
  d.fragOffset = (frag & 0x1fff) * 8;
  d.fragment = (frag & 0x2000) !== 0 || d.fragOffset !== 0;
  if (d.end - o < hl) {
    d.fail('IPv4 options cut short', true);
    return -1;
  }
  d.l4Offset = o + hl;
  return d.fragOffset === 0 ? o + hl : -1;
}

/** Extension headers walked before giving up (a loop bound against crafted chains). */
const MAX_EXTENSIONS = 16;

/**
 *   0 version(4) class(8) flow(20)  4 payload length  6 next header  7 hop limit
 *   8 source (16)  24 destination (16)  40 extension headers, then the upper layer
 * @returns offset of the transport header, or -1 when there is none to decode
 */
export function decodeIpv6(d: Dissection, o: number): number {
  const b = d.buf;
  d.protoKey = PROTO_KEY.IPV6;
  if (d.end - o < 40) {
    d.fail('IPv6 header cut short', true);
    return -1;
  }
  if (b[o]! >> 4 !== 6) {
    d.fail(`bad IPv6 header (version ${b[o]! >> 4})`, false);
    return -1;
  }
  d.ipVersion = 6;
  d.ipOffset = o;
  d.srcOffset = o + 8;
  d.dstOffset = o + 24;
  d.ttl = b[o + 7]!;
  const plen = u16be(b, o + 4);
  // Payload length 0 with a Jumbo Payload option (RFC 2675, BIG TCP): use what was captured.
  let end = plen === 0 ? d.end : o + 40 + plen;
  if (end > d.end) {
    d.ipUncaptured = end - d.end;
    end = d.end;
    d.truncated = true;
  }
  d.ipEnd = end;
  let next = b[o + 6]!;
  let p = o + 40;
  for (let i = 0; i < MAX_EXTENSIONS; i++) {
    let len: number;
    switch (next) {
      case 0: // Hop-by-Hop Options
      case 43: // Routing
      case 60: // Destination Options
      case 135: // Mobility
      case 139: // HIP
      case 140: // Shim6
        if (end - p < 2) return cut(d, next, p);
        len = (b[p + 1]! + 1) * 8;
        break;
      case 44: {
        // Fragment: next(1) reserved(1) offset(13) res(2) M(1) identification(4)
        if (end - p < 8) return cut(d, next, p);
        const f = u16be(b, p + 2);
        d.fragOffset = f & 0xfff8;
        d.fragment = true;
        len = 8;
        break;
      }
      case 51: // Authentication Header: length in 4-octet units, minus 2 (RFC 4302)
        if (end - p < 2) return cut(d, next, p);
        len = (b[p + 1]! + 2) * 4;
        break;
      default:
        d.ipProto = next;
        d.protoKey = next;
        d.l4Offset = p;
        return d.fragOffset === 0 && next !== 59 ? p : -1;
    }
    if (end - p < len) return cut(d, next, p);
    next = b[p]!;
    p += len;
    if (d.fragOffset !== 0) break;
  }
  d.ipProto = next;
  d.protoKey = next;
  d.l4Offset = p;
  if (d.fragOffset === 0) d.fail('too many IPv6 extension headers', false);
  return -1;
}

function cut(d: Dissection, header: number, p: number): number {
  d.ipProto = header;
  d.protoKey = PROTO_KEY.IPV6;
  d.l4Offset = p;
  d.fail(`IPv6 extension header ${header} cut short`, p >= d.end);
  return -1;
}
