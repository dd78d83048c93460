/** Builds a TCP conversation as Ethernet frames (handshake, data segments, close) for dissector tests against tshark. */
import { buildPcap, tcpFrame, type RecordSpec } from './pcap.js';

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

/** One segment: which side sends it (0 client, 1 server) and its payload. */
export interface Segment {
  side: 0 | 1;
  data: Uint8Array | string;
}

/**
 * A pcap of one connection client:cport -> server:sport: SYN, SYN-ACK, ACK,
 * the segments in order (each PSH/ACK), then FIN from each side.
 * @returns the pcap bytes and, for each segment, its frame number (from 1)
 */
export function tcpConversation(segments: Segment[], opts: { cport?: number; sport?: number } = {}): { pcap: Buffer; frames: number[] } {
  const cport = opts.cport ?? 40000;
  const sport = opts.sport ?? 80;
  const ip = ['10.0.0.1', '10.0.0.2'] as const;
  const port = [cport, sport] as const;
  const seq = [1000, 5000];
  const recs: RecordSpec[] = [];
  let t = 0;
  const emit = (side: 0 | 1, flags: number, data: Uint8Array = new Uint8Array(0)): number => {
    const other = side === 0 ? 1 : 0;
    recs.push({ sec: 1, frac: t++, data: tcpFrame(ip[side], ip[other], port[side], port[other], seq[side]!, seq[other]!, flags, data) });
    seq[side] = (seq[side]! + data.length + ((flags & (SYN | FIN)) !== 0 ? 1 : 0)) >>> 0;
    return recs.length;
  };
  emit(0, SYN);
  emit(1, SYN | ACK);
  emit(0, ACK);
  const frames: number[] = [];
  for (const s of segments) frames.push(emit(s.side, PSH | ACK, typeof s.data === 'string' ? Buffer.from(s.data, 'latin1') : s.data));
  emit(0, FIN | ACK);
  emit(1, FIN | ACK);
  emit(0, ACK);
  return { pcap: buildPcap(recs), frames };
}
