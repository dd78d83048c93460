/**
 * Top talkers: per address, what it sent and received, summed from every
 * IP conversation StatsAccumulator tracked (so the same packets and bytes
 * as the conversations table, no second count per packet).
 */
import type { Conversation } from '../conversations.js';
import type { Talker } from './types.js';

/**
 * @param conversations every conversation (not only the top ones)
 * @param n rows returned, most bytes first
 */
export function topTalkers(conversations: readonly Conversation[], n: number): Talker[] {
  const byAddress = new Map<string, Talker>();
  const talker = (address: string): Talker => {
    let t = byAddress.get(address);
    if (t === undefined) {
      t = { address, packets: 0, bytes: 0, packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0 };
      byAddress.set(address, t);
    }
    return t;
  };
  for (const c of conversations) {
    const a = talker(c.a);
    a.packets += c.packets;
    a.bytes += c.bytes;
    if (c.b === c.a) {
      // Loopback to itself: the address sent and received every packet, once each.
      a.packetsSent += c.packets;
      a.bytesSent += c.bytes;
      a.packetsReceived += c.packets;
      a.bytesReceived += c.bytes;
      continue;
    }
    const b = talker(c.b);
    b.packets += c.packets;
    b.bytes += c.bytes;
    const packetsBtoA = c.packets - c.packetsAtoB;
    const bytesBtoA = c.bytes - c.bytesAtoB;
    a.packetsSent += c.packetsAtoB;
    a.bytesSent += c.bytesAtoB;
    a.packetsReceived += packetsBtoA;
    a.bytesReceived += bytesBtoA;
    b.packetsSent += packetsBtoA;
    b.bytesSent += bytesBtoA;
    b.packetsReceived += c.packetsAtoB;
    b.bytesReceived += c.bytesAtoB;
  }
  const all = [...byAddress.values()];
  all.sort((x, y) => y.bytes - x.bytes || y.packets - x.packets || (x.address < y.address ? -1 : x.address > y.address ? 1 : 0));
  return all.slice(0, n);
}
