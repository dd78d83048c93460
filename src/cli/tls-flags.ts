/** The TLS flags shared by `serve tls` and `connect tls`, turned into TlsOptions. */
import { UsageError } from '../errors.js';
import { KeyLogWriter, keyLogPath } from '../tls/keylog.js';
import type { TlsOptions } from '../transports/types.js';
import { readUserFile } from './files.js';

export interface TlsFlags {
  cert?: string;
  key?: string;
  ca?: string;
  insecure?: boolean;
  servername?: string;
  keylog?: string;
}

const TLS_ONLY: (keyof TlsFlags)[] = ['cert', 'key', 'ca', 'insecure', 'servername', 'keylog'];

/**
 * @throws UsageError when a TLS flag is given for another transport
 */
export function rejectTlsFlags(transport: string, flags: TlsFlags): void {
  const given = TLS_ONLY.filter((name) => flags[name] !== undefined && flags[name] !== false);
  if (given.length > 0) {
    throw new UsageError(`--${given[0]} only applies to the tls transport, not ${transport}`);
  }
}

/**
 * Loads the PEM files and opens the key log (--keylog, else SSLKEYLOGFILE).
 * @returns the options and the key-log writer to close at the end, if any
 * @throws FileError when a file cannot be read or the key log opened
 */
export function tlsOptionsFrom(flags: TlsFlags): { tls: TlsOptions; keylog: KeyLogWriter | undefined } {
  const tls: TlsOptions = {};
  if (flags.cert !== undefined) tls.cert = readUserFile(flags.cert, '--cert');
  if (flags.key !== undefined) tls.key = readUserFile(flags.key, '--key');
  if (flags.ca !== undefined) tls.ca = readUserFile(flags.ca, '--ca');
  if (flags.insecure === true) tls.insecure = true;
  if (flags.servername !== undefined) tls.servername = flags.servername;
  const path = keyLogPath(flags.keylog);
  const keylog = path === undefined ? undefined : new KeyLogWriter(path);
  if (keylog !== undefined) tls.onKeylog = (line) => keylog.write(line);
  return { tls, keylog };
}
