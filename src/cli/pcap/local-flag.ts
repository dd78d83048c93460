/** `--local CIDR,...` of `pcap stats` and `pcap report`: the local networks, and the hint when none of a capture's packets matched them. */
import { DEFAULTS } from '../../constants.js';
import { enclosingNetwork, isLocalBlock, NetworkSet } from '../../pcap/cidr.js';
import type { FileStats } from '../../pcap/stats.js';

/**
 * @param values the flag's values as given (repeatable, each comma-separated); default DEFAULTS.pcapLocalNetworks
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT for a value that is not a CIDR block
 */
export function localNetworks(values: readonly string[] | undefined): NetworkSet {
  const cidrs = (values ?? [...DEFAULTS.pcapLocalNetworks]).flatMap((s) => s.split(',')).filter((s) => s.trim() !== '');
  return new NetworkSet(cidrs);
}

/**
 * Says so when no packet of a capture matched the local networks: every
 * packet then counts as `other`, the in/out figures are all zero, and the
 * usual cause is the default 192.168.0.0/16 on a loopback or lab capture.
 * The suggestion names the networks of the capture's top conversations.
 */
export function noLocalMatchHint(r: FileStats, local: NetworkSet): string | undefined {
  if (r.packets === 0 || r.in.packets + r.out.packets > 0) return undefined;
  const networks = new Set<string>();
  for (const c of r.conversations) {
    for (const address of [c.a, c.b]) {
      const network = enclosingNetwork(address);
      if (network !== undefined) networks.add(network);
    }
  }
  const held = [...networks].slice(0, 6);
  // Loopback and private blocks are what a lab means by local; suggest those
  // when there are any, since naming every network would make all traffic out.
  const privateOnes = held.filter(isLocalBlock);
  const suggested = privateOnes.length > 0 ? privateOnes : held;
  const where = held.length === 0 ? 'this capture holds no IP conversations' : `this capture's addresses are in ${held.join(', ')}`;
  const tryIt = suggested.length === 0 ? '' : `: try --local ${suggested.join(',')}`;
  return `no packet matched --local ${local.text.join(',')}, so every packet counts as other and the in/out figures are zero; ${where}${tryIt}`;
}

