/** Reading captures with tshark, the reference dissector. */
import { runProcess } from './cli.js';
import { tsharkFields } from './pcap.js';
import { tsharkFollowRaw } from './tshark-follow.js';

const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

/**
 * Frames tshark flags: bad checksums, malformed packets, expert warnings or errors.
 * @param extra more tshark options (e.g. the lab tests' labDissectors())
 */
export async function tsharkComplaints(file: string, extra: readonly string[] = []): Promise<string> {
  // A RST is a warning in tshark's expert info, but a deliberate one (a
  // connect scan resets every open port it finds), not a flaw of the frames.
  const filter =
    '(_ws.expert.severity >= 0x600000 && !tcp.connection.rst) || _ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0';
  const result = await runProcess('tshark', ['-r', file, ...CHECKSUMS, ...extra, '-Y', filter]);
  if (result.code !== 0) throw new Error(`tshark failed on ${file}: ${result.stderr}`);
  return result.stdout.trim();
}

/** How many frames tshark reads from the file. */
export async function tsharkFrameCount(file: string): Promise<number> {
  return tsharkFields(file, ['frame.number']).length;
}

/** Each direction's bytes of TCP stream `index` as `tshark -z follow,tcp,raw` reassembles them. */
export async function tsharkFollowTcp(file: string, index = 0): Promise<{ client: Buffer; server: Buffer }> {
  const follow = tsharkFollowRaw(file, index);
  return { client: Buffer.from(follow.node0, 'hex'), server: Buffer.from(follow.node1, 'hex') };
}

/** UDP payloads in capture order, with their source ports. */
export async function tsharkUdpPayloads(file: string): Promise<{ srcport: number; data: Buffer }[]> {
  const result = await runProcess('tshark', ['-r', file, '-Y', 'udp', '-T', 'fields', '-e', 'udp.srcport', '-e', 'data.data']);
  if (result.code !== 0) throw new Error(`tshark failed on ${file}: ${result.stderr}`);
  return result.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [port, hex] = l.split('\t');
      return { srcport: Number(port), data: Buffer.from(hex ?? '', 'hex') };
    });
}
