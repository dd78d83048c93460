/** Renders `pcap stats` results: the contract's CSV, JSON, and the human summary. */
import type { FileStats, PacketRow } from '../../pcap/stats.js';
import { linkTypeName } from '../../pcap/layers/linktypes.js';
import { csvNumber, csvText, isoTime, seconds } from './format.js';

/** The CSV header, exactly as the contract gives it. */
export const STATS_CSV_HEADER =
  'file,packets_in,packets_out,bytes_in,bytes_out,time_in_mean,time_in_median,time_in_std,time_out_mean,time_out_median,time_out_std';

/** One CSV row for one file. */
export function statsCsvRow(s: FileStats): string {
  return [
    csvText(s.file),
    s.in.packets,
    s.out.packets,
    s.in.bytes,
    s.out.bytes,
    csvNumber(s.in.iat.mean),
    csvNumber(s.in.iat.median),
    csvNumber(s.in.iat.std),
    csvNumber(s.out.iat.mean),
    csvNumber(s.out.iat.median),
    csvNumber(s.out.iat.std),
  ].join(',');
}

/** Header of `--packets-csv` files. */
export const PACKETS_CSV_HEADER = 'index,time,src,dst,protocol,sport,dport,length,direction';

/** One `--packets-csv` row. */
export function packetCsvRow(r: PacketRow): string {
  return [
    r.index,
    r.timeText,
    csvText(r.src),
    csvText(r.dst),
    r.protocol,
    r.sport ?? '',
    r.dport ?? '',
    r.length,
    r.direction,
  ].join(',');
}

function pct(n: number, total: number): string {
  return total === 0 ? '0%' : `${((n * 100) / total).toFixed(1)}%`;
}

/** The human summary of one file. */
export function statsText(s: FileStats): string {
  const lines: string[] = [];
  lines.push(`${s.file}  (${s.format}, ${s.linktypes.map(linkTypeName).join(' + ') || 'no interfaces'})`);
  lines.push(`  packets    ${s.packets}  (in ${s.in.packets}, out ${s.out.packets}, other ${s.other.packets})`);
  lines.push(`  bytes      ${s.bytes} captured, ${s.wire_bytes} on the wire`);
  if (s.first !== null && s.last !== null) {
    lines.push(`  time       ${isoTime(s.first)} .. ${isoTime(s.last)}  (duration ${seconds(s.duration)})`);
  } else {
    lines.push('  time       no timestamps');
  }
  for (const dir of ['in', 'out'] as const) {
    const d = s[dir];
    lines.push(
      `  ${dir.padEnd(10)} ${d.packets} packets, ${d.bytes} bytes; inter-arrival mean ${seconds(d.iat.mean)}, median ${seconds(d.iat.median)}, std ${seconds(d.iat.std)}`,
    );
  }
  const protos = Object.entries(s.protocols);
  if (protos.length > 0) {
    lines.push(`  protocols  ${protos.map(([name, n]) => `${name} ${n} (${pct(n, s.packets)})`).join(', ')}`);
  }
  if (s.conversations.length > 0) {
    lines.push('  top conversations (by bytes)');
    const width = Math.max(...s.conversations.map((c) => `${c.a} <-> ${c.b}`.length));
    for (const c of s.conversations) {
      lines.push(`    ${`${c.a} <-> ${c.b}`.padEnd(width)}  ${String(c.packets).padStart(8)} packets  ${String(c.bytes).padStart(12)} bytes`);
    }
  }
  return lines.join('\n');
}
