/**
 * Well-known service names and the default port sets, from the generated
 * table (scripts/gen-services.mjs, derived from nmap's nmap-services; see the
 * header of services.generated.ts for the source and its licence terms).
 */
import { TCP_SERVICE_NAMES, TOP_TCP_PORTS, TOP_UDP_PORTS, UDP_SERVICE_NAMES } from './services.generated.js';
import { integerIn } from '../util/validate.js';

export type ScanProto = 'tcp' | 'udp';

function indexNames(pairs: readonly string[]): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of pairs) {
    for (const pair of line.split(' ')) {
      const colon = pair.indexOf(':');
      names.set(Number(pair.slice(0, colon)), pair.slice(colon + 1));
    }
  }
  return names;
}

let tcpNames: Map<number, string> | undefined;
let udpNames: Map<number, string> | undefined;

/**
 * The usual service on a port, as nmap names it (`22` -> `ssh`), or
 * `unknown` (nmap's word) when the table has none.
 *
 * @param port 1-65535
 * @param proto `tcp` or `udp`
 */
export function serviceName(port: number, proto: ScanProto): string {
  const names = proto === 'tcp' ? (tcpNames ??= indexNames(TCP_SERVICE_NAMES)) : (udpNames ??= indexNames(UDP_SERVICE_NAMES));
  return names.get(port) ?? 'unknown';
}

/**
 * The `count` most frequently open ports (nmap's `--top-ports`), ascending.
 * The default scan uses the top 1000, the same set as nmap's default scan.
 *
 * @param proto `tcp` or `udp`
 * @param count 1-1000 (default 1000)
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when count is outside 1-1000 (a programming error)
 */
export function topPorts(proto: ScanProto, count = 1000): number[] {
  const list = proto === 'tcp' ? TOP_TCP_PORTS : TOP_UDP_PORTS;
  integerIn(1, list.length)(count, 'count');
  return list.slice(0, count).sort((a, b) => a - b);
}
