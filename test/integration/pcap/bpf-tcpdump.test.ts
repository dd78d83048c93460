/**
 * Capture filters against tcpdump: for every capture tcpdump reads (the
 * fixtures, and frames built here to reach the corners: VLAN tags, ARP,
 * IPv4 fragments and options, IPv6 fragment and hop-by-hop headers,
 * cooked, loopback, raw and PPP links, cut frames), and about 100 expressions
 * whose hosts, nets and ports come from the capture itself, the frames
 * netlab's filter keeps are the frames `tcpdump -r FILE -w - EXPR` keeps,
 * in order; and when tcpdump refuses an expression on a file, netlab
 * refuses it too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCaptureFilter } from '../../../src/pcap/bpf/index.js';
import { Dissection, dissectFrame } from '../../../src/pcap/layers/dissect.js';
import { FIXTURES, buildPcap, readAll, sampleFiles, type ReadPacket } from '../../helpers/pcap.js';
import { tempDir } from '../../helpers/temp.js';

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function tcpdump(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('tcpdump', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', (e) => reject(new Error(`tcpdump could not run (apt-get install tcpdump): ${e.message}`)));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
  });
}

/** Runs `jobs` with at most `limit` at a time. */
async function bounded<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/**
 * A packet as tcpdump -w writes it back: its lengths and bytes (compared in
 * order). Not the time: tcpdump rewrites times to microseconds and garbles
 * the out-of-range fractions of tcpdump-timestamp_invalid_nano.pcap.
 */
function key(p: ReadPacket): string {
  return `${p.capLen}/${p.origLen} ${Buffer.from(p.data).toString('hex')}`;
}

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  yield b;
}

interface Values {
  a4: string;
  b4: string;
  a6: string;
  p1: number;
  p2: number;
  vid: number;
  mac: string;
}

const ip4 = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
function ip6(b: Uint8Array, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[o + i]! << 8) | b[o + i + 1]!).toString(16));
  return g.join(':');
}

/** The most frequent addresses and ports of the capture, so the expressions select something. */
function valuesOf(packets: ReadPacket[]): Values {
  const count = new Map<string, number>();
  const bump = (k: string): void => void count.set(k, (count.get(k) ?? 0) + 1);
  const d = new Dissection();
  for (const p of packets) {
    dissectFrame(d, p.data, 0, p.data.length, p.linkType);
    if (d.ipVersion === 4) {
      bump(`4 ${ip4(d.buf, d.srcOffset)}`);
      bump(`4 ${ip4(d.buf, d.dstOffset)}`);
    } else if (d.ipVersion === 6) bump(`6 ${ip6(d.buf, d.srcOffset)}`);
    if (d.srcPort !== 0) bump(`p ${d.srcPort}`);
    if (d.dstPort !== 0) bump(`p ${d.dstPort}`);
    if (d.vlanId >= 0) bump(`v ${d.vlanId}`);
    if (p.linkType === 1 && p.data.length >= 12) bump(`m ${Buffer.from(p.data.subarray(6, 12)).toString('hex').match(/../g)!.join(':')}`);
  }
  const top = (prefix: string): string[] =>
    [...count.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([k]) => k.slice(prefix.length));
  const v4 = top('4 ');
  const ports = top('p ');
  return {
    a4: v4[0] ?? '192.0.2.1',
    b4: v4[1] ?? '192.0.2.2',
    a6: top('6 ')[0] ?? '2001:db8::1',
    p1: Number(ports[0] ?? 80),
    p2: Number(ports[1] ?? 443),
    vid: Number(top('v ')[0] ?? 100),
    mac: top('m ')[0] ?? '00:11:22:33:44:55',
  };
}

function expressions(v: Values): string[] {
  const [o1, o2, o3] = v.a4.split('.');
  return [
    'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'igmp',
    `host ${v.a4}`, `src host ${v.a4}`, `dst host ${v.a4}`, `host ${v.a4} or ${v.b4}`, `src ${v.a4} and dst ${v.b4}`,
    `src and dst host ${v.a4}`, `src or dst ${v.b4}`, `ip host ${v.a4}`, `arp host ${v.a4}`, `host ${v.a4} and not ${v.b4}`,
    `net ${o1}.${o2}.0.0/16`, `net ${o1}`, `net ${o1}.${o2}`, `net ${o1}.${o2}.${o3}.0 mask 255.255.255.0`, `src net ${o1}.${o2}.0.0/16 and not dst net ${o1}.${o2}.0.0/16`,
    `port ${v.p1}`, `port ${v.p1} or ${v.p2}`, `tcp port ${v.p1} or ${v.p2}`, `udp dst port ${v.p1}`, `tcp src port ${v.p1}`,
    `src port ${v.p1} and dst port ${v.p2}`, 'portrange 1-1023', `tcp portrange 1024-65535`, `udp portrange ${v.p1}-${v.p2}`, `sctp port ${v.p1}`,
    `host ${v.a6}`, `ip6 host ${v.a6}`, `src host ${v.a6}`, `ip6 net ${v.a6.split(':').slice(0, 4).join(':')}::/64`, 'ip6 host ::1',
    `ip host ${v.a4} and tcp`, 'not tcp and not udp', `(tcp or udp) and not port ${v.p1}`, `! (host ${v.a4}) && (port ${v.p1} || port ${v.p2})`,
    `dst port ${v.p1} or src port ${v.p2} and tcp`, `host ${v.a4} and (port ${v.p1} or (${v.p2}))`, `not (ip or ip6)`,
    'ip proto 17', 'ip6 proto 6', 'proto \\udp', 'ip proto \\tcp', 'proto 47',
    'greater 100', 'less 64', 'greater 60 and less 200',
    'vlan', 'vlan and ip', `vlan and host ${v.a4}`, `vlan ${v.vid}`, `vlan and vlan and tcp`, `ip or vlan and ip`, `vlan and udp port ${v.p1}`,
    `ether host ${v.mac}`, `ether src ${v.mac} and not ip6`,
    'not ip', 'ip and not udp', `tcp and port ${v.p1}`,
    'tcp[tcpflags] & tcp-syn != 0', 'tcp[13] & 0x12 = 0x12 or tcp[13] & tcp-rst != 0', 'ip[0] & 0xf > 5', 'ip[8] < 64',
    'len > 100', `udp[0:2] = ${v.p1} or udp[2:2] = ${v.p1}`, 'ether[12:2] = 0x800', 'icmp[icmptype] = icmp-echo',
    'ip6[6] = 17', '(tcp[12] >> 4) * 4 > 20', 'ip[2:2] - 20 > 100', 'icmp6[0] = icmp6-echo', 'ip[6:2] & 0x1fff != 0',
    `vlan and ip[9] = 17`, 'arp[6:2] = 1', 'tcp[100:4] = 0 or not tcp', '5 > 3', 'ether[0] & 1 = 1',
    'broadcast', 'multicast', 'ip multicast', 'ip6 multicast', 'ip broadcast', 'ether proto 0x88cc', 'ether proto \\arp',
    'ether proto 0x800 and udp', 'vlan and ether proto 0x800', 'ether broadcast or ip6 multicast',
    'inbound', 'outbound', `outbound and port ${v.p1}`,
  ];
}

const mac = (s: string): number[] => s.split(':').map((x) => Number.parseInt(x, 16));
const v4b = (s: string): number[] => s.split('.').map(Number);
function v6b(s: string): number[] {
  const w = s.split(':').map((x) => Number.parseInt(x || '0', 16));
  return w.flatMap((x) => [x >> 8, x & 0xff]);
}
const u16 = (v: number): number[] => [v >> 8, v & 0xff];

function ipv4(proto: number, src: string, dst: string, l4: number[], opts: { frag?: number; ihlWords?: number; badLen?: boolean } = {}): number[] {
  const ihl = opts.ihlWords ?? 5;
  const h = [0x40 | ihl, 0, ...u16(ihl * 4 + l4.length), 0x12, 0x34, ...u16(opts.frag ?? 0), 64, proto, 0, 0, ...v4b(src), ...v4b(dst)];
  while (h.length < ihl * 4) h.push(1);
  return [...h, ...l4];
}
function ipv6(next: number, src: string, dst: string, rest: number[]): number[] {
  return [0x60, 0, 0, 0, ...u16(rest.length), next, 64, ...v6b(src), ...v6b(dst), ...rest];
}
const tcp = (sp: number, dp: number): number[] => [...u16(sp), ...u16(dp), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0];
const udp = (sp: number, dp: number): number[] => [...u16(sp), ...u16(dp), 0, 12, 0, 0, 1, 2, 3, 4];
const eth = (type: number, payload: number[], tags: number[][] = []): number[] => [
  ...mac('02:00:00:00:00:01'), ...mac('02:00:00:00:00:02'), ...tags.flat(), ...u16(type), ...payload,
];
const tag = (tpid: number, vid: number): number[] => [...u16(tpid), ...u16(vid)];
function arp(op: number, spa: string, tpa: string): number[] {
  return [0, 1, 8, 0, 6, 4, 0, op, ...mac('02:00:00:00:00:02'), ...v4b(spa), 0, 0, 0, 0, 0, 0, ...v4b(tpa)];
}

/** Network-layer packets every synthetic capture carries, then per link type framing. */
function networkPackets(): { type: 'ip' | 'ip6' | 'arp'; bytes: number[] }[] {
  const A = '10.1.2.3';
  const B = '10.1.9.9';
  const C = '192.168.7.1';
  return [
    { type: 'ip', bytes: ipv4(6, A, B, tcp(40000, 80)) },
    { type: 'ip', bytes: ipv4(6, B, A, tcp(80, 40000)) },
    { type: 'ip', bytes: ipv4(17, A, C, udp(5353, 53)) },
    { type: 'ip', bytes: ipv4(17, C, A, udp(53, 5353)) },
    { type: 'ip', bytes: ipv4(1, A, C, [8, 0, 0, 0, 0, 1, 0, 1]) },
    // A non-first fragment: ports must not match; a first fragment (MF set): they do.
    { type: 'ip', bytes: ipv4(17, A, C, udp(53, 53), { frag: 0x0010 }) },
    { type: 'ip', bytes: ipv4(6, A, C, tcp(443, 1234), { frag: 0x2000 }) },
    // IPv4 options: the ports sit behind a 24-byte header.
    { type: 'ip', bytes: ipv4(6, C, B, tcp(8080, 22), { ihlWords: 6 }) },
    { type: 'ip', bytes: ipv4(132, A, B, [...u16(2905), ...u16(2905), 0, 0, 0, 0, 0, 0, 0, 0]) },
    { type: 'ip', bytes: ipv4(47, A, B, [0, 0, 8, 0]) },
    { type: 'ip6', bytes: ipv6(6, 'fe80:0:0:0:0:0:0:1', '2001:db8:0:0:0:0:0:2', tcp(50000, 443)) },
    { type: 'ip6', bytes: ipv6(17, '2001:db8:0:0:0:0:0:2', 'fe80:0:0:0:0:0:0:1', udp(53, 50001)) },
    { type: 'ip6', bytes: ipv6(58, '0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1', [128, 0, 0, 0, 0, 1, 0, 1]) },
    // Fragment header then TCP: `tcp` matches (gen_proto), `port` does not.
    { type: 'ip6', bytes: ipv6(44, 'fe80:0:0:0:0:0:0:1', '2001:db8:0:0:0:0:0:2', [6, 0, 0, 1, 0, 0, 0, 7, ...tcp(50000, 80)]) },
    // Hop-by-hop then UDP: neither `udp` nor `port` looks past it.
    { type: 'ip6', bytes: ipv6(0, 'fe80:0:0:0:0:0:0:1', '2001:db8:0:0:0:0:0:2', [17, 0, 1, 4, 0, 0, 0, 0, ...udp(53, 53)]) },
    { type: 'arp', bytes: arp(1, A, B) },
    { type: 'arp', bytes: arp(2, B, A) },
    // A cut IPv4 header: loads past the capture reject the frame.
    { type: 'ip', bytes: ipv4(6, A, B, tcp(1, 2)).slice(0, 16) },
  ];
}

interface Synthetic {
  name: string;
  linkType: number;
  frames: number[][];
  /** Write the file big-endian (the loopback family is then compared big-endian by libpcap). */
  bigEndian?: boolean;
}

function synthetic(): Synthetic[] {
  const net = networkPackets();
  const ethType = { ip: 0x0800, ip6: 0x86dd, arp: 0x0806 };
  const family = { ip: 2, ip6: 30, arp: 99 };
  const le32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, 0, 0];
  const be32 = (v: number): number[] => [0, 0, (v >> 8) & 0xff, v & 0xff];
  const ipOnly = net.filter((p) => p.type !== 'arp');
  const ether = net.flatMap((p) => [
    eth(ethType[p.type], p.bytes),
    eth(ethType[p.type], p.bytes, [tag(0x8100, 100)]),
    eth(ethType[p.type], p.bytes, [tag(0x88a8, 200), tag(0x8100, 100)]),
  ]);
  ether.push(eth(0x9100, [0, 5, ...u16(0x0800), ...ipv4(17, '10.1.2.3', '10.9.9.9', udp(1, 2))]), eth(0x0806, []).slice(0, 10), eth(0x86dd, [0x60, 0, 0]));
  return [
    { name: 'ethernet', linkType: 1, frames: ether },
    // Every other frame sent by the capturing host (packet type 4, PACKET_OUTGOING): `inbound`/`outbound`.
    { name: 'sll', linkType: 113, frames: net.map((p, i) => [0, i % 2 === 0 ? 0 : 4, 0, 1, 0, 6, ...mac('02:00:00:00:00:02'), 0, 0, ...u16(ethType[p.type]), ...p.bytes]) },
    { name: 'sll2', linkType: 276, frames: net.map((p, i) => [...u16(ethType[p.type]), 0, 0, 0, 0, 0, 2, 0, 1, i % 2 === 0 ? 0 : 4, 6, ...mac('02:00:00:00:00:02'), 0, 0, ...p.bytes]) },
    { name: 'null-le', linkType: 0, frames: net.map((p) => [...le32(family[p.type]), ...p.bytes]) },
    { name: 'null-be', linkType: 0, bigEndian: true, frames: net.map((p) => [...be32(p.type === 'ip6' ? 28 : family[p.type]), ...p.bytes]) },
    { name: 'null-linux-v6', linkType: 0, frames: ipOnly.map((p) => [...le32(p.type === 'ip' ? 2 : 10), ...p.bytes]) },
    { name: 'loop', linkType: 108, frames: net.map((p) => [...be32(p.type === 'ip6' ? 24 : family[p.type]), ...p.bytes]) },
    { name: 'raw', linkType: 101, frames: ipOnly.map((p) => p.bytes) },
    { name: 'raw-ipv4', linkType: 228, frames: net.filter((p) => p.type === 'ip').map((p) => p.bytes) },
    { name: 'raw-ipv6', linkType: 229, frames: net.filter((p) => p.type === 'ip6').map((p) => p.bytes) },
    {
      name: 'ppp',
      linkType: 9,
      frames: ipOnly.flatMap((p) => [[0xff, 0x03, ...u16(p.type === 'ip' ? 0x21 : 0x57), ...p.bytes], [...u16(p.type === 'ip' ? 0x21 : 0x57), ...p.bytes]]),
    },
  ];
}

async function netlabKeeps(packets: ReadPacket[], linkTypes: number[], expr: string): Promise<{ error: string } | { keys: string[] }> {
  const c = compileCaptureFilter(expr);
  if (!c.ok) return { error: c.error.message };
  for (const lt of linkTypes) {
    const e = c.checkLinkType(lt);
    if (e !== null) return { error: e.message };
  }
  const d = new Dissection();
  const keys: string[] = [];
  for (const p of packets) {
    dissectFrame(d, p.data, 0, p.data.length, p.linkType);
    if (c.filter(d, p.origLen)) keys.push(key(p));
  }
  return { keys };
}

test('the frames netlab -f keeps are the frames tcpdump keeps, on every capture tcpdump reads', async (t) => {
  const dir = tempDir(t, 'netlab-bpf-');
  const files: string[] = sampleFiles().map((f) => join(FIXTURES, f));
  for (const s of synthetic()) {
    const path = join(dir, `${s.name}.pcap`);
    writeFileSync(path, buildPcap(s.frames.map((f, i) => ({ sec: 1_700_000_000 + i, frac: i * 1000, data: Uint8Array.from(f) })), { linkType: s.linkType, le: s.bigEndian !== true }));
    files.push(path);
  }
  const readable = (await bounded(files.map((f) => async () => ((await tcpdump(['-r', f, '-w', '/dev/null'])).code === 0 ? f : null)), 4)).filter((f): f is string => f !== null);
  assert.ok(readable.length >= 25, `tcpdump read only ${readable.length} captures`);

  const jobs: (() => Promise<string | null>)[] = [];
  let compared = 0;
  let selectedSomething = 0;
  for (const file of readable) {
    const { packets, info } = await readAll(file);
    const values = valuesOf(packets);
    for (const expr of new Set(expressions(values))) {
      jobs.push(async () => {
        const ref = await tcpdump(['-r', file, '-w', '-', expr]);
        const mine = await netlabKeeps(packets, info.linkTypes, expr);
        const where = `${file.split('/').pop()} '${expr}'`;
        if (ref.code !== 0) {
          const why = ref.stderr.split('\n').find((l) => l.startsWith('tcpdump:')) ?? ref.stderr;
          return 'error' in mine ? null : `${where}: tcpdump refuses it (${why}) but netlab keeps ${mine.keys.length} frames`;
        }
        if ('error' in mine) return `${where}: tcpdump accepts it but netlab says: ${mine.error}`;
        const theirs = (await readAll(once(ref.stdout))).packets.map(key);
        compared++;
        if (theirs.length > 0) selectedSomething++;
        if (theirs.length !== mine.keys.length || theirs.some((k, i) => k !== mine.keys[i])) {
          return `${where}: tcpdump keeps ${theirs.length} frames, netlab ${mine.keys.length} (first difference at ${theirs.findIndex((k, i) => k !== mine.keys[i])})`;
        }
        return null;
      });
    }
  }
  const failures = (await bounded(jobs, 4)).filter((f): f is string => f !== null);
  t.diagnostic(`${readable.length} captures, ${jobs.length} runs, ${compared} compared, ${selectedSomething} selecting frames`);
  assert.deepEqual(failures.slice(0, 40), [], `${failures.length} differences`);
  assert.ok(compared > 500, `only ${compared} comparisons ran`);
  assert.ok(selectedSomething > 200, `only ${selectedSomething} comparisons selected any frame`);
});

/** Syntax corners and qualifier inheritance (tried on Ethernet). */
const SYNTAX = [
  '', 'host 1.2.3.4', '1.2.3.4', '80', 'tcp or 80', 'tcp and 80', 'port 80 or 443', 'tcp port 80 or 443',
  'host 1.2.3.4 or (5.6.7.8)', 'host 1.2.3.4 or (5.6.7.8 or 9.9.9.9)', 'host 1.2.3.4 or not 5.6.7.8',
  'src host 1.2.3.4 or 5.6.7.8', '(port 80) or 443', 'port 80 or (443)', 'port 80 or (443 or 22)',
  'port 80 or (443 or host 1.2.3.4)', 'ip or 1.2.3.4', 'host 10', '10', 'src 1.2.3.4', 'src 10', 'tcp src 80',
  'tcp 80', 'ip 1.2.3.4', 'tcp src 1.2.3.4', 'ip6 1.2.3.4', 'net 10.1.2.3/8', 'net 10.1.2.0 mask 255.255.255.0',
  'portrange 80-70', 'port 70000', 'ip proto tcp', 'ip proto \\tcp', 'proto 300', 'src or dst port 80',
  'src and dst host 1.2.3.4', 'dst or src port 80', 'dst and src net 10', 'src or port 80', 'vlan 5000', 'vlan 4095',
  'host 1.2.3.4 or ((5.6.7.8))', 'host 1.2.3.4 or (5.6.7.8 or (1.1.1.1))', 'port 80 or (host 1.2.3.4) or 443',
  'host (1.2.3.4 or 5.6.7.8)', 'proto \\udp', 'proto \\gre', 'ether', 'ip6 proto \\tcp', 'port 80 or not (443)',
  'not port 80 or 443', 'port 0x50', 'port 010', 'port 08', 'host 10.1', 'net 10.1.2.3 mask 255.0.0.0', 'net fe80::/10',
  'host fe80::/10', 'ip6 net fe80::/10', 'ip6 host 1.2.3.4', 'ip host ::1', 'arp host 1.2.3.4', 'tcp proto 6',
  'src proto 6', 'vlan (5)', 'less (5)', 'portrange 80', 'greater 0x10', 'not not tcp', '! ! ! ip', '((tcp))',
  '(tcp', 'tcp)', 'tcp and', 'and tcp', 'tcp or or udp', 'host', 'port', 'src', 'host 1.2.3.4.5', 'host 256.1.1.1',
  'net 10/8', 'net 10.0.0.0/33', 'net ::/129', 'port 65535', 'port 65536', 'portrange 1-65536', 'icmp6 or icmp',
  'ip6 host ::1 or ::2', 'src net 10 or 11', 'tcp src port 80 or 81 and dst 443', 'vlan 1 or 2', 'vlan and (1)',
  'ether host 1.2.3.4', 'host 1:2:3:4:5:6', 'pim', 'ah or esp', 'vrrp', 'tcp portrange 1-1024 or 2000',
  'udp port 53 and not 54', 'not tcp port 80', 'ip6 proto 58 or icmp6', 'port 80 and port 81', 'less 10 and greater 20',
];

/** What the link type decides: refusals ("no VLAN support", NFLOG) and contradictions ("rejects all packets"). */
const LINK_SENSITIVE = [
  'ip', 'ip6', 'arp', 'rarp', 'not arp', 'igmp', 'icmp6', 'tcp port 80', 'host 1.2.3.4', 'net 10', 'ip6 host ::1',
  'greater 100', 'less 100', 'vlan', 'vlan and ip', 'ip and vlan', 'ip or vlan', 'ether host 1:2:3:4:5:6',
  'ether src 1:2:3:4:5:6', 'tcp and udp', 'ip and ip6', 'arp and tcp', 'tcp and not ip and not ip6', 'ip and not ip',
  'tcp and icmp', 'icmp6 and ip', 'ip proto 6 and ip proto 17', 'vlan 1 and vlan 2', 'not (ip or not ip)',
  'ip6 and icmp', 'udp and ip6 proto 6', 'port 80 and arp', 'ip6 host ::1 and ip', 'host 1.2.3.4 and ip6',
  'tcp and (udp or icmp)', 'src host 1.2.3.4 and src host 1.2.3.5', 'tcp src port 80 and tcp src port 81',
  'ether src 1:2:3:4:5:6 and ether src 1:2:3:4:5:7', 'not tcp and tcp',
  'tcp[13] & 2 != 0', 'ether[0] = 1', 'ip[0] = 0x45', 'len > 60', 'icmp6[0] = 128', '1 = 2', '1 = 1', 'ip[0] / 0 = 1',
  'ip[0] / (1 - 1) = 1', 'tcp[0] << 32 = 0', 'tcp[0:3] = 1', 'esp[0] = 1', 'arp[7] = 2', 'len - 1 > 2 % 3 + 1',
  'broadcast', 'multicast', 'ip multicast', 'ip6 multicast', 'ip broadcast', 'ether proto 0x88cc', 'ether proto \\ip6',
  'ether proto 0x800', 'tcp multicast', 'ip6 broadcast', 'ether multicast and ip broadcast',
  'inbound', 'outbound', 'inbound and outbound', 'ether host 01-02-03-04-05-06', 'ether src 0102.0304.0506', 'ether dst 010203040506', 'host 010203040506', 'port 123456789012',
];

/**
 * Contradictions whose refusal depends on how libpcap's optimizer threads
 * facts through the three-way address-family test of BSD loopback (0, 108);
 * netlab's check (src/pcap/bpf/logic.ts) does not model that, so on those
 * link types these few differ: netlab then compiles a filter that keeps no
 * frame, or refuses one that keeps none. Documented in docs/capture-filters.md.
 */
const LOOPBACK_OPTIMIZER = new Set(['tcp and icmp', 'ip6 and icmp', 'udp and ip6 proto 6']);

/** An empty capture of each link type, for tcpdump -d. */
const LINK_TYPES = [1, 113, 276, 0, 108, 9, 50, 101, 12, 14, 228, 229, 239];

test('netlab accepts and refuses the expressions tcpdump accepts and refuses, on every link type', async (t) => {
  const dir = tempDir(t, 'netlab-bpf-d-');
  const jobs: (() => Promise<string | null>)[] = [];
  for (const lt of LINK_TYPES) {
    const file = join(dir, `lt${lt}.pcap`);
    writeFileSync(file, buildPcap([], { linkType: lt }));
    for (const expr of lt === 1 ? [...SYNTAX, ...LINK_SENSITIVE] : LINK_SENSITIVE) {
      if ((lt === 0 || lt === 108) && LOOPBACK_OPTIMIZER.has(expr)) continue;
      jobs.push(async () => {
        const ref = await tcpdump(['-r', file, '-d', expr]);
        const c = compileCaptureFilter(expr);
        const error = !c.ok ? c.error.message : c.checkLinkType(lt)?.message;
        const theirs = ref.stderr.split('\n').find((l) => l.startsWith('tcpdump:'));
        if ((ref.code === 0) === (error === undefined)) return null;
        return `link type ${lt} '${expr}': tcpdump ${ref.code === 0 ? 'accepts it' : `says ${theirs}`}, netlab ${error === undefined ? 'accepts it' : `says ${error}`}`;
      });
    }
  }
  const failures = (await bounded(jobs, 4)).filter((f): f is string => f !== null);
  assert.deepEqual(failures.slice(0, 40), [], `${failures.length} differences`);
});
