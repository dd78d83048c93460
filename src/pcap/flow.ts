/**
 * Direction-independent TCP flow keys: both directions of a connection map
 * to the same key (gopacket's FastHash collides with the reverse flow on
 * purpose for the same reason), and `forward` says which side sent this one.
 */
import type { Dissection } from './layers/dissection.js';

/** Text of the address at `o` as a compact key part (not for display). */
function addrKey(b: Uint8Array, o: number, version: number): string {
  if (version === 4) return String(((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0);
  let s = '';
  for (let i = 0; i < 16; i += 2) s += ((b[o + i]! << 8) | b[o + i + 1]!).toString(16) + ':';
  return s;
}

/** A flow key and the direction of the packet it came from. */
export interface FlowKey {
  key: string;
  /** True when the packet goes from the lower endpoint to the higher one. */
  forward: boolean;
}

/**
 * The direction-independent key of a TCP/UDP packet's 4-tuple.
 * @param d a dissection with an IP layer and ports
 * @param out reused result
 */
export function flowKey(d: Dissection, out: FlowKey): FlowKey {
  const a = `${addrKey(d.buf, d.srcOffset, d.ipVersion)}/${d.srcPort}`;
  const b = `${addrKey(d.buf, d.dstOffset, d.ipVersion)}/${d.dstPort}`;
  out.forward = a <= b;
  out.key = out.forward ? `${a} ${b}` : `${b} ${a}`;
  return out;
}
