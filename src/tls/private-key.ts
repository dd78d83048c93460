/**
 * Encrypted PEM private keys. `openssl req -newkey rsa:2048 -keyout
 * domain.key` (the Twisted lab's recipe) asks for a passphrase and writes the
 * key encrypted, as PKCS#8 `ENCRYPTED PRIVATE KEY` or, from older tools, a
 * traditional key with `Proc-Type: 4,ENCRYPTED`. TLS needs it decrypted; it
 * is decrypted in memory only and never written anywhere.
 */
import { createPrivateKey } from 'node:crypto';
import { ERROR_CODES, NetlabError } from '../errors.js';

/** Whether a PEM key is passphrase-protected. */
export function isEncryptedPem(pem: string | Uint8Array): boolean {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('latin1');
  return text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(text);
}

/**
 * Decrypts a passphrase-protected PEM key; a key that is not encrypted is
 * returned as it is.
 *
 * @param pem the key file's contents
 * @param passphrase the passphrase; needed only when the key is encrypted
 * @param name what to call the key in messages, e.g. its path
 * @returns the key, unencrypted, as PKCS#8 PEM (or `pem` itself)
 * @throws NetlabError NETLAB_ERR_KEY_PASSPHRASE when the key is encrypted and
 *   the passphrase is missing or wrong
 */
export function decryptPrivateKey(pem: string | Buffer, passphrase: string | undefined, name = 'the key'): string | Buffer {
  if (!isEncryptedPem(pem)) return pem;
  if (passphrase === undefined) {
    throw new NetlabError(ERROR_CODES.KEY_PASSPHRASE, `${name} is encrypted and no passphrase was given`);
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase }).export({ type: 'pkcs8', format: 'pem' });
  } catch (err) {
    throw new NetlabError(ERROR_CODES.KEY_PASSPHRASE, `the passphrase for ${name} is wrong (it does not decrypt the key)`, { cause: err });
  }
}
