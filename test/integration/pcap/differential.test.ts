/**
 * netlab's reader and course metrics against tshark/capinfos on every sample
 * capture: packet counts, byte totals, first/last timestamps, and the
 * in/out/inter-arrival metrics recomputed independently from tshark fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { captureStats } from '../../../src/pcap/stats.js';
import { FIXTURES, readAll, sampleFiles, tool, tsharkFields } from '../../helpers/pcap.js';

/** Files whose timestamps are invalid on purpose (fractions >= 1 s): tshark prints nonsense for them. */
const INVALID_TIMES = new Set(['tcpdump-timestamp_invalid_nano.pcap']);

/** Every tshark field the tests below read: one tshark run per file serves them all. */
const TSHARK_FIELDS = [
  'frame.cap_len', 'frame.time_epoch', 'frame.interface_id', 'frame.protocols',
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'udp.srcport', 'udp.dstport',
];
const tsharkRuns = new Map<string, string[][]>();

/** tshark -T fields columns of `file`, in the order asked. */
function tsharkColumns(file: string, fields: string[]): string[][] {
  let rows = tsharkRuns.get(file);
  if (rows === undefined) {
    rows = tsharkFields(file, TSHARK_FIELDS);
    tsharkRuns.set(file, rows);
  }
  const at = fields.map((f) => TSHARK_FIELDS.indexOf(f));
  return rows.map((r) => at.map((i) => r[i] ?? ''));
}

function capinfos(file: string): { packets: number; wireBytes: number; first: string; last: string } {
  const line = tool('capinfos', ['-T', '-M', '-r', '-c', '-d', '-a', '-e', '-S', file]).trim();
  const [, packets, bytes, first, last] = line.split('\t');
  return { packets: Number(packets), wireBytes: Number(bytes), first: first!, last: last! };
}

for (const name of sampleFiles()) {
  test(`${name}: packets, bytes and first/last time equal capinfos and tshark`, async () => {
    const file = join(FIXTURES, name);
    const ref = capinfos(file);
    const { packets, info } = await readAll(file);
    assert.equal(packets.length, ref.packets, 'packet count (capinfos -c)');
    assert.equal(
      packets.reduce((s, p) => s + p.origLen, 0),
      ref.wireBytes,
      'sum of original lengths (capinfos -d)',
    );
    // tshark also shows pcapng custom blocks as frames; compare the packet records only.
    const rows = tsharkColumns(file, ['frame.cap_len', 'frame.time_epoch', 'frame.interface_id', 'frame.protocols']);
    const packetRows = rows.filter((r) => !(r[3] === 'data' && r[2] === '' && info.format === 'pcapng'));
    assert.deepEqual(
      packets.map((p) => p.capLen),
      packetRows.map((r) => Number(r[0])),
      'captured length of every packet (tshark frame.cap_len)',
    );
    if (!INVALID_TIMES.has(name)) {
      packets.forEach((p, i) => {
        const t = packetRows[i]![1]!;
        if (t === '') assert.equal(p.hasTimestamp, false, `packet ${i + 1} has no timestamp in tshark`);
        else assert.equal(`${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`, t, `timestamp of packet ${i + 1}`);
      });
      const stats = await captureStats(file);
      if (ref.first !== 'n/a') {
        assert.equal(stats.first?.toFixed(6), Number(ref.first).toFixed(6), 'first (capinfos -a)');
        assert.equal(stats.last?.toFixed(6), Number(ref.last).toFixed(6), 'last (capinfos -e)');
      }
    }
  });
}

/** The course metrics computed the plain way from tshark's own dissection. */
function referenceMetrics(file: string, isLocal: (ip: string) => boolean) {
  const rows = tsharkColumns(file, ['frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'frame.cap_len', 'frame.interface_id', 'frame.protocols']);
  const dirs = { in: { packets: 0, bytes: 0, times: [] as number[] }, out: { packets: 0, bytes: 0, times: [] as number[] } };
  for (const r of rows) {
    if (r[7] === 'data' && r[6] === '' && file.endsWith('.pcapng')) continue;
    const src = r[1] || r[3] || '';
    const dst = r[2] || r[4] || '';
    const dir = src !== '' && isLocal(src) ? 'out' : dst !== '' && isLocal(dst) ? 'in' : null;
    if (dir === null) continue;
    dirs[dir].packets++;
    dirs[dir].bytes += Number(r[5]);
    if (r[0] !== '') dirs[dir].times.push(Number(r[0]));
  }
  const summary = (times: number[]) => {
    const iat = times.slice(1).map((t, i) => t - times[i]!);
    if (iat.length === 0) return { mean: null, median: null, std: null };
    const mean = iat.reduce((a, b) => a + b, 0) / iat.length;
    const sorted = [...iat].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    const std = Math.sqrt(iat.reduce((a, b) => a + (b - mean) ** 2, 0) / iat.length);
    return { mean, median, std };
  };
  return {
    in: { packets: dirs.in.packets, bytes: dirs.in.bytes, iat: summary(dirs.in.times) },
    out: { packets: dirs.out.packets, bytes: dirs.out.bytes, iat: summary(dirs.out.times) },
  };
}

function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) return assert.equal(actual, expected, what);
  assert.ok(Math.abs(actual - expected) <= 1e-6 + 1e-9 * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

for (const name of sampleFiles().filter((n) => !INVALID_TIMES.has(n))) {
  test(`${name}: course metrics equal an independent computation from tshark fields`, async () => {
    const file = join(FIXTURES, name);
    // Both the default local network and one that makes the sample's own hosts local.
    for (const local of [['192.168.0.0/16'], ['10.0.0.0/8', '172.16.0.0/12', '2001:db8::/32', 'fe80::/10']]) {
      const isLocal = (ip: string) =>
        local.some((c) => {
          if (c === '192.168.0.0/16') return ip.startsWith('192.168.');
          if (c === '10.0.0.0/8') return ip.startsWith('10.');
          if (c === '172.16.0.0/12') return /^172\.(1[6-9]|2\d|3[01])\./.test(ip);
          if (c === '2001:db8::/32') return ip.startsWith('2001:db8:');
          return /^fe[89ab][0-9a-f]:/.test(ip);
        });
      const ref = referenceMetrics(file, isLocal);
      const got = await captureStats(file, { local });
      for (const dir of ['in', 'out'] as const) {
        assert.equal(got[dir].packets, ref[dir].packets, `${dir} packets with --local ${local}`);
        assert.equal(got[dir].bytes, ref[dir].bytes, `${dir} bytes with --local ${local}`);
        close(got[dir].iat.mean, ref[dir].iat.mean, `${dir} mean`);
        close(got[dir].iat.median, ref[dir].iat.median, `${dir} median`);
        close(got[dir].iat.std, ref[dir].iat.std, `${dir} std`);
      }
    }
  });
}

for (const name of sampleFiles()) {
  test(`${name}: addresses, ports and TCP payload lengths equal tshark's dissection`, async () => {
    const file = join(FIXTURES, name);
    const rows = tsharkColumns(file, ['ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'udp.srcport', 'udp.dstport', 'frame.interface_id', 'frame.protocols']);
    const packetRows = rows.filter((r) => !(r[10] === 'data' && r[9] === '' && name.endsWith('.pcapng')));
    const { packets } = await readAll(file);
    const { Dissection, L4, PROTO_KEY } = await import('../../../src/pcap/layers/dissection.js');
    const { dissectFrame } = await import('../../../src/pcap/layers/dissect.js');
    const { formatIp } = await import('../../../src/pcap/layers/address.js');
    const d = new Dissection();
    packets.forEach((p, i) => {
      const r = packetRows[i]!;
      dissectFrame(d, p.data, 0, p.data.length, p.linkType);
      const src = r[0] || r[1] || '';
      // Every link type tshark dissects down to IP, netlab does too (NFLOG, SLL2, null...).
      // (tshark prints no protocols at all for a frame it calls malformed at the first layer.)
      const tsharkIp = /(^|:)ipv?6?(:|$)/.test(r[10]!);
      if (r[10] !== '') assert.equal(d.ipVersion !== 0 || d.protoKey === PROTO_KEY.IPV4 || d.protoKey === PROTO_KEY.IPV6, tsharkIp, `packet ${i + 1} reaches IP (tshark: ${r[10]})`);
      if (d.ipVersion !== 0 && src !== '' && !(d.fragment && d.fragOffset > 0)) {
        assert.equal(formatIp(d.buf, d.srcOffset, d.ipVersion), src, `source of packet ${i + 1}`);
        assert.equal(formatIp(d.buf, d.dstOffset, d.ipVersion), r[2] || r[3], `destination of packet ${i + 1}`);
      }
      // tshark's tcp.len is the length the IP header declares; ours is what was captured.
      if (d.l4 === L4.TCP && d.failure === '' && !d.truncated && r[4] !== '') {
        assert.equal(`${d.srcPort} ${d.dstPort} ${d.payloadLength}`, `${r[4]} ${r[5]} ${r[6]}`, `TCP ports and length of packet ${i + 1}`);
      }
      if (d.l4 === L4.UDP && r[7] !== '') {
        assert.equal(`${d.srcPort} ${d.dstPort}`, `${r[7]} ${r[8]}`, `UDP ports of packet ${i + 1}`);
      }
    });
  });
}
