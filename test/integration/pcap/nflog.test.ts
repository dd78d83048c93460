/**
 * NFLOG captures (`tcpdump -i nflog`) against tshark: the sample fixture and
 * written captures carrying TCP, IPv6 and big-endian TLVs; then `pcap stats`
 * as a user runs it, whose protocol mix must be tshark's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dissectFrame } from '../../../src/pcap/layers/dissect.js';
import { Dissection, L4 } from '../../../src/pcap/layers/dissection.js';
import { formatIp } from '../../../src/pcap/layers/address.js';
import { ipv6Bytes } from '../../../src/pcap/cidr.js';
import { buildPcap, FIXTURES, readAll, tcpFrame, tsharkFields, udpFrame } from '../../helpers/pcap.js';
import { nflogFrame, nflogTlv } from '../../helpers/nflog.js';
import { tempDir } from '../../helpers/temp.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const FIXTURE = join(FIXTURES, 'tcpdump-nflog.pcap');
const FIELDS = ['frame.number', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'udp.srcport', 'udp.dstport'];

/** netlab's dissection printed as the tshark fields above. */
async function netlabFields(file: string): Promise<string[][]> {
  const { packets } = await readAll(file);
  const d = new Dissection();
  return packets.map((p, i) => {
    dissectFrame(d, p.data, 0, p.data.length, p.linkType);
    const v4 = d.ipVersion === 4;
    const v6 = d.ipVersion === 6;
    const src = d.ipVersion === 0 ? '' : formatIp(d.buf, d.srcOffset, d.ipVersion);
    const dst = d.ipVersion === 0 ? '' : formatIp(d.buf, d.dstOffset, d.ipVersion);
    const tcp = d.l4 === L4.TCP;
    const udp = d.l4 === L4.UDP;
    return [
      String(i + 1),
      v4 ? src : '',
      v4 ? dst : '',
      v6 ? src : '',
      v6 ? dst : '',
      tcp ? String(d.srcPort) : '',
      tcp ? String(d.dstPort) : '',
      tcp ? String(d.payloadLength) : '',
      udp ? String(d.srcPort) : '',
      udp ? String(d.dstPort) : '',
    ];
  });
}

/** tshark's rows padded to every column (it drops empty trailing fields). */
function tsharkRows(file: string): string[][] {
  return tsharkFields(file, FIELDS).map((r) => FIELDS.map((_, i) => r[i] ?? ''));
}

function ipv6Tcp(): Buffer {
  const tcp = tcpFrame('1.1.1.1', '2.2.2.2', 40000, 443, 1, 1, 0x18, Buffer.from('abcdef')).subarray(34);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(tcp.length, 4);
  h[6] = 6;
  h[7] = 64;
  Buffer.from(ipv6Bytes('2001:db8::1')).copy(h, 8);
  Buffer.from(ipv6Bytes('2001:db8::2')).copy(h, 24);
  return Buffer.concat([h, tcp]);
}

test('the NFLOG sample: addresses and ports of every packet equal tshark -T fields', async () => {
  const ours = await netlabFields(FIXTURE);
  assert.ok(ours.every((r) => r[1] !== ''), 'every packet of the sample reaches IPv4');
  assert.deepEqual(ours, tsharkRows(FIXTURE));
});

test('written NFLOG captures (TCP over IPv4 and IPv6, big-endian TLVs, padding) equal tshark -T fields', async (t) => {
  const dir = tempDir(t, 'netlab-nflog-');
  const file = join(dir, 'nflog.pcap');
  const v4tcp = tcpFrame('192.168.0.2', '93.184.216.34', 51000, 80, 100, 200, 0x18, Buffer.from('GET / HTTP/1.1\r\n\r\n')).subarray(14);
  const v4udp = udpFrame('192.168.0.2', '8.8.8.8', 5353, 53, Buffer.from('q')).subarray(14);
  const hdr = nflogTlv(1, Buffer.from([0x08, 0x00, 1, 0]));
  const frames = [
    nflogFrame(2, [hdr, nflogTlv(10, Buffer.from('drop\0')), nflogTlv(9, v4tcp)]),
    nflogFrame(10, [nflogTlv(1, Buffer.from([0x86, 0xdd, 3, 0])), nflogTlv(9, ipv6Tcp()), nflogTlv(4, Buffer.alloc(4))]),
    nflogFrame(2, [nflogTlv(10, Buffer.from('abc')), nflogTlv(9, v4udp)]),
  ];
  writeFileSync(file, buildPcap(frames.map((data, i) => ({ sec: 1_700_000_000 + i, frac: 0, data })), { linkType: 239 }));
  // A big-endian host writes the file header and the TLV headers big-endian (libpcap writes host order).
  const beFile = join(dir, 'nflog-be.pcap');
  const beFrames = [nflogFrame(2, [nflogTlv(1, Buffer.from([0x08, 0x00, 1, 0]), false), nflogTlv(10, Buffer.from('x'), false), nflogTlv(9, v4tcp, false)])];
  writeFileSync(beFile, buildPcap(beFrames.map((data) => ({ sec: 1_700_000_000, frac: 0, data })), { linkType: 239, le: false }));
  for (const f of [file, beFile]) {
    const ref = tsharkRows(f);
    assert.ok(ref.every((r) => r[1] !== '' || r[3] !== ''), `tshark dissects every written packet to IP: ${JSON.stringify(ref)}`);
    assert.deepEqual(await netlabFields(f), ref);
  }
});

test('pcap stats --json on the NFLOG sample: the protocol mix is tshark\'s, no undissected link type', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'pcap', 'stats', FIXTURE, '--json', '--local', '10.0.0.0/8'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const file = JSON.parse(r.stdout).files[0];
  assert.deepEqual(file.linktypes, [239]);
  const mix: Record<string, number> = {};
  for (const [protocols] of tsharkFields(FIXTURE, ['frame.protocols'])) {
    const transport = protocols!.split(':').find((p) => p === 'tcp' || p === 'udp' || p === 'icmp' || p === 'icmpv6') ?? protocols!;
    mix[transport] = (mix[transport] ?? 0) + 1;
  }
  assert.deepEqual(file.protocols, mix);
  // The sample's DNS answers come in to 10.0.0.20, its queries go out from it.
  assert.equal(file.in.packets + file.out.packets, file.packets);
});
