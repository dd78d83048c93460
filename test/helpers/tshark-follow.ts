/** tshark's view of TCP streams, for the differential tests of `pcap follow`. */
import { tool, tsharkFields } from './pcap.js';

/** `tshark -q -z follow,tcp,raw,N` split into the bytes each node sent. */
export function tsharkFollowRaw(file: string, stream: number): { node0: string; node1: string; client: string; server: string } {
  const text = tool('tshark', ['-r', file, '-q', '-z', `follow,tcp,raw,${stream}`]);
  let node0 = '';
  let node1 = '';
  let client = '';
  let server = '';
  let inBody = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('Node 0: ')) client = line.slice(8);
    else if (line.startsWith('Node 1: ')) {
      server = line.slice(8);
      inBody = true;
    } else if (line.startsWith('=====')) inBody = false;
    else if (inBody && line !== '') {
      if (line.startsWith('\t')) node1 += line.slice(1);
      else node0 += line;
    }
  }
  return { node0, node1, client, server };
}

/** tcp.stream numbers with the endpoints of each stream's first packet. */
export function tsharkStreams(file: string): Map<number, { client: string; packets: number }> {
  const rows = tsharkFields(file, ['tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport']);
  const out = new Map<number, { client: string; packets: number }>();
  for (const r of rows) {
    if (r[0] === undefined || r[0] === '') continue;
    const n = Number(r[0]);
    const ip = r[1] || r[2] || '';
    const s = out.get(n);
    if (s === undefined) out.set(n, { client: ip.includes(':') ? `[${ip}]:${r[3]}` : `${ip}:${r[3]}`, packets: 1 });
    else s.packets++;
  }
  return out;
}
