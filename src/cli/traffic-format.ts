/** The human line of one connection-log record (the NDJSON form is the record itself). */
import type { TrafficRecord } from '../policies/traffic-log.js';
import { formatBytes } from './format.js';

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
