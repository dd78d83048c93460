/** Reading captures with tshark, the reference dissector. */
import { runProcess } from './cli.js';
import { tool, tsharkFields } from './pcap.js';
import { tsharkFollowRaw } from './tshark-follow.js';

/** The dissectors of what netlab's labs, servers and taps send (and the layers its packet view names). */
const NETLAB_PROTOCOLS = new Set(
  'frame,eth,ethertype,sll,ip,ipv6,tcp,udp,icmp,icmpv6,arp,dns,tls,x509af,x509ce,x509if,x509sat,pkix1explicit,pkix1implicit,pkcs-1,ber,http,websocket,data-text-lines,media,data'.split(','),
);
let netlabDissectorOptions: readonly string[] | undefined;

/**
 * tshark options that leave only NETLAB_PROTOCOLS on. Test ports are random,
 * and tshark reads some ports as the protocol registered for them, and some
 * bytes as what a heuristic claims (LBMSRS takes TCP from 127.0.0.1),
 * whatever they are: netlab's packet is then another Protocol, or
 * "malformed". tshark 4.0 takes one protocol per `--disable-protocol` and
 * silently ignores "ALL" and comma lists, so every other protocol it knows
 * (`tshark -G protocols`) is named, once per process.
 */
export function netlabDissectors(): readonly string[] {
  netlabDissectorOptions ??= Object.freeze(
    tool('tshark', ['-G', 'protocols'])
      .split('\n')
      .map((line) => line.split('\t')[2] ?? '')
      .filter((name) => name !== '' && !name.startsWith('_ws.') && !NETLAB_PROTOCOLS.has(name))
      .flatMap((name) => ['--disable-protocol', name]),
  );
  return netlabDissectorOptions;
}

/**
 * tshark options that read every TCP port as TLS. Test ports are random: one
 * that tshark maps to another protocol (it tries port tables before the TLS
 * heuristic) would hide the records.
 */
export const EVERY_PORT_AS_TLS: readonly string[] = Object.freeze(['-d', 'tcp.port==1-65535,tls']);

const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

/**
 * Frames tshark flags: bad checksums, malformed packets, expert warnings or
 * errors, read with netlab's dissectors only (netlabDissectors).
 */
export async function tsharkComplaints(file: string): Promise<string> {
  // A RST is a warning in tshark's expert info, but a deliberate one (a
  // connect scan resets every open port it finds), not a flaw of the frames.
  const filter =
    '(_ws.expert.severity >= 0x600000 && !tcp.connection.rst) || _ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0';
  const result = await runProcess('tshark', ['-r', file, ...CHECKSUMS, ...netlabDissectors(), '-Y', filter]);
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
