/** The TLS flags shared by `serve tls` and `connect tls`, turned into TlsOptions. */
import { ERROR_CODES, NetlabError, UsageError } from '../errors.js';
import { KeyLogWriter, keyLogPath } from '../tls/keylog.js';
import { decryptPrivateKey, isEncryptedPem } from '../tls/private-key.js';
import { passphraseFrom, promptPassphrase } from './key-pass.js';
import type { TlsOptions } from '../transports/types.js';
import { readUserFile } from './files.js';

export interface TlsFlags {
  cert?: string;
  key?: string;
  keyPass?: string;
  ca?: string;
  insecure?: boolean;
  servername?: string;
  keylog?: string;
}

const TLS_ONLY: (keyof TlsFlags)[] = ['cert', 'key', 'keyPass', 'ca', 'insecure', 'servername', 'keylog'];

/**
 * @throws UsageError when a TLS flag is given for another transport
 */
export function rejectTlsFlags(transport: string, flags: TlsFlags): void {
  const given = TLS_ONLY.filter((name) => flags[name] !== undefined && flags[name] !== false);
  if (given.length > 0) {
    const flag = given[0] === 'keyPass' ? 'key-pass' : given[0];
    throw new UsageError(`--${flag} only applies to the tls transport, not ${transport}`);
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
  if (flags.key !== undefined) tls.key = keyFrom(flags.key, flags.keyPass);
  else if (flags.keyPass !== undefined) throw new UsageError('--key-pass is the passphrase of --key: give --key too');
  if (flags.ca !== undefined) tls.ca = readUserFile(flags.ca, '--ca');
  if (flags.insecure === true) tls.insecure = true;
  if (flags.servername !== undefined) tls.servername = flags.servername;
  const path = keyLogPath(flags.keylog);
  const keylog = path === undefined ? undefined : new KeyLogWriter(path);
  if (keylog !== undefined) tls.onKeylog = (line) => keylog.write(line);
  return { tls, keylog };
}

/**
 * Reads `--key`, decrypting it when it is passphrase-protected: the
 * passphrase comes from `--key-pass`, else from a no-echo prompt on the
 * terminal.
 * @throws NetlabError NETLAB_ERR_KEY_PASSPHRASE for a missing or wrong passphrase
 */
function keyFrom(path: string, keyPass: string | undefined): Buffer | string {
  const pem = readUserFile(path, '--key');
  if (!isEncryptedPem(pem)) return pem;
  const passphrase = keyPass !== undefined ? passphraseFrom(keyPass) : promptPassphrase(`Enter the passphrase for ${path}: `);
  if (passphrase === undefined) {
    throw new NetlabError(
      ERROR_CODES.KEY_PASSPHRASE,
      `${path} is encrypted and there is no terminal to ask for its passphrase; give it with --key-pass env:VAR, file:PATH or pass:TEXT`,
    );
  }
  try {
    return decryptPrivateKey(pem, passphrase, path);
  } catch (err) {
    if (err instanceof NetlabError && keyPass !== undefined) {
      throw new NetlabError(err.code, `${err.message}; check --key-pass ${keyPass.split(':', 1)[0]}:...`, { cause: err });
    }
    throw err;
  }
}
