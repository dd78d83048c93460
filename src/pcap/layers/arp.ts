/** ARP for IPv4 over Ethernet (RFC 826), after the link header of a frame. */
import { u16be } from '../bytes.js';
import type { Dissection } from './dissection.js';

/**
 *   0 hardware type  2 protocol type  4 hw size  5 proto size  6 opcode (1 request, 2 reply)
 *   8 sender MAC  14 sender IPv4  18 target MAC  24 target IPv4
 * @returns offset of the ARP message in `d.buf`, or -1 when it is not a whole IPv4-over-Ethernet ARP message
 */
export function arpOffset(d: Dissection): number {
  if (d.etherType !== 0x0806) return -1;
  const linkLength = d.linkType === 1 ? 14 + d.vlanTags * 4 : d.linkType === 113 ? 16 : d.linkType === 276 ? 20 : -1;
  if (linkLength < 0) return -1;
  const o = d.start + linkLength;
  if (d.end - o < 28 || u16be(d.buf, o + 2) !== 0x0800) return -1;
  return o;
}

export const ARP = Object.freeze({ OPCODE: 6, SENDER_MAC: 8, SENDER_IP: 14, TARGET_MAC: 18, TARGET_IP: 24 } as const);
