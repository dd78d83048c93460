/**
 * Turns the HOST argument into the one address a scan probes. Like nmap, a
 * name is resolved once before the scan; IPv4 is preferred unless IPv6 is
 * asked for (nmap -6), and the other addresses are reported, not scanned.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { explainSystemError, NetworkError, ERROR_CODES } from '../errors.js';
import type { ProbeTarget } from './probe.js';

export interface ResolvedTarget extends ProbeTarget {
  /** What the user typed. */
  readonly host: string;
  /** Addresses of the name that are not scanned. */
  readonly otherAddresses: readonly string[];
}

/**
 * @param host an IPv4/IPv6 literal (brackets allowed: `[::1]`) or a name
 * @param family 0 (default): IPv4 if the name has one, else IPv6; 4 or 6: only that family
 * @throws NetworkError NETLAB_ERR_UNKNOWN_HOST when the name does not resolve
 *   (to an address of the family asked for)
 */
export async function resolveTarget(host: string, family: 0 | 4 | 6 = 0): Promise<ResolvedTarget> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const literal = isIP(bare);
  if (literal !== 0) {
    if (family !== 0 && family !== literal) {
      throw new NetworkError(ERROR_CODES.UNKNOWN_HOST, `${host} is an IPv${literal} address but IPv${family} was asked for`);
    }
    return { host, address: bare, family: literal as 4 | 6, otherAddresses: [] };
  }
  let found: { address: string; family: number }[];
  try {
    found = await lookup(bare, { all: true, family });
  } catch (err) {
    throw explainSystemError(err, { action: 'connect', transport: 'tcp', host: bare, port: 0 });
  }
  const chosen = found.find((a) => a.family === 4) ?? found[0];
  if (chosen === undefined) {
    throw new NetworkError(ERROR_CODES.UNKNOWN_HOST, `unknown host ${host}: it has no address${family ? ` of IPv${family}` : ''}`);
  }
  return {
    host,
    address: chosen.address,
    family: chosen.family === 6 ? 6 : 4,
    otherAddresses: found.filter((a) => a !== chosen).map((a) => a.address),
  };
}
