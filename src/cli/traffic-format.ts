/** How servers' lifecycles read on the terminal: connection-log lines, the listening event, the final totals. */
import type { TrafficRecord } from '../policies/traffic-log.js';
import type { Server, ServerTotals } from '../server/server.js';
import { formatEndpoint } from '../util/endpoint.js';
import { formatBytes } from './format.js';

/** The human line of one connection-log record (the NDJSON form is the record itself). */

export function describeTraffic(record: TrafficRecord): string {
  const head = `${record.time} ${record.event.padEnd(7)} ${record.transport} ${record.peer}`;
  switch (record.event) {
    case 'connect':
      return head;
    case 'close': {
      const why = record.error ? ` (${record.error.message})` : '';
      return `${head} after ${record.duration_ms} ms: ${formatBytes(record.bytes_in)} in, ${formatBytes(record.bytes_out)} out, ${record.reads} reads, ${record.writes} writes${why}`;
    }
    case 'refused':
      return `${head}: ${record.reason}`;
    case 'peer_error':
      return `${head}: ${record.message}`;
  }
}

/** The `listening` NDJSON event of a server that has just bound. */
export function listeningEvent(server: Server, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'listening',
    transport: server.transport,
    address: formatEndpoint(server.address),
    ...extra,
    time: new Date().toISOString(),
    ...(server.certificate ? { fingerprint256: server.certificate.fingerprint256, ephemeral_certificate: server.certificate.ephemeral } : {}),
  };
}

/** The human summary line printed when servers stop. */
export function describeTotals(why: string, t: ServerTotals, extra: Record<string, number> = {}): string {
  return (
    `stopped (${why}): ${t.connections} connection${t.connections === 1 ? '' : 's'} (${t.refused} refused), ` +
    `${formatBytes(t.bytes_in)} in, ${formatBytes(t.bytes_out)} out, ${t.reads} reads, ${t.writes} writes` +
    Object.entries(extra)
      .map(([k, v]) => `, ${k.replace(/_/g, ' ')} ${v}`)
      .join('')
  );
}
