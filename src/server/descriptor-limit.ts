/**
 * Fits the connection cap to the open-file limit. Every session (and every
 * TLS socket in its handshake) is a descriptor; a cap above what the process
 * may open means accepts fail (EMFILE) before a peer can be told the server
 * is full. Node already raises the soft RLIMIT_NOFILE to the hard limit at
 * start-up, so the limit read here is the most this process can get.
 */
import { readFileSync } from 'node:fs';
import { DEFAULTS } from '../constants.js';

/**
 * The soft "Max open files" limit of this process, from /proc/self/limits;
 * undefined where that file does not exist (not Linux) or says "unlimited".
 */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  // "Max open files            1024                 4096                 files"
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (match === null || match[1] === 'unlimited') return undefined;
  return Number(match[1]);
}

export interface ConnectionCapFit {
  /** The cap to use per listener. */
  maxConnections: number;
  /** What to tell the user on stderr, when the cap was lowered or does not fit. */
  warning?: string;
}

/**
 * The per-listener cap that fits `fileLimit` descriptors, less
 * DEFAULTS.descriptorReserve for listeners, stdio, logs, key log and pcap.
 * A default cap (`explicit` false) that does not fit is lowered; an explicit
 * one is kept, with a warning.
 * @param requested the cap asked for (or the default), per listener
 * @param listeners listeners sharing the process (chat serve: one per transport)
 * @param fileLimit the open-file limit; undefined (unknown) keeps `requested`
 */
export function fitConnectionCap(requested: number, explicit: boolean, listeners: number, fileLimit: number | undefined): ConnectionCapFit {
  if (fileLimit === undefined) return { maxConnections: requested };
  const fits = Math.max(1, Math.floor((fileLimit - DEFAULTS.descriptorReserve) / Math.max(1, listeners)));
  if (requested <= fits) return { maxConnections: requested };
  if (!explicit) {
    return { maxConnections: fits, warning: `--max-conns lowered to ${fits}: this process may open only ${fileLimit} files (ulimit -n)` };
  }
  return {
    maxConnections: requested,
    warning:
      `--max-conns ${requested} does not fit: this process may open only ${fileLimit} files (ulimit -n), ` +
      `so peers past about ${fits}${listeners > 1 ? ' per listener' : ''} may fail to connect instead of being told the server is full`,
  };
}
