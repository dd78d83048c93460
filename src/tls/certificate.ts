/**
 * Self-signed certificates, what `openssl req -x509 -newkey ... -nodes` makes
 * in the labs: ECDSA P-256 (default) or RSA 2048, SHA-256 signatures, and SANs
 * for the CN, localhost, 127.0.0.1 and ::1 so a client that trusts the file as
 * its CA verifies `localhost` and `127.0.0.1` alike.
 */
import { webcrypto, X509Certificate, randomBytes } from 'node:crypto';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';
import { DEFAULTS } from '../constants.js';
import { FileError, UsageError } from '../errors.js';
import { oneOf, positiveInteger } from '../util/validate.js';

export type KeyType = 'ec' | 'rsa';

export interface CertificateOptions {
  /** Subject common name. Default `localhost`. */
  commonName?: string;
  /** Extra SANs: host names or IP literals (`DNS:`/`IP:` prefixes accepted). */
  subjectAltNames?: string[];
  /** Validity in days. Default 365. */
  days?: number;
  /** `ec` (P-256, default) or `rsa` (2048 bits). */
  keyType?: KeyType;
}

export interface GeneratedCertificate {
  certPem: string;
  /** PKCS#8 PEM, unencrypted (like `-nodes`). */
  keyPem: string;
  /** SHA-256 of the DER certificate, `AB:CD:...` as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint256: string;
  subjectAltNames: string[];
  notAfter: Date;
}

const ALGORITHMS: Record<KeyType, webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams> = {
  ec: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

const SIGNING: Record<KeyType, webcrypto.Algorithm & { hash: string }> = {
  ec: { name: 'ECDSA', hash: 'SHA-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};

/** Tolerates a client clock slightly behind ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

let x509Module: typeof X509 | undefined;

/**
 * Loads @peculiar/x509 on first use, not at start-up (it is the heaviest
 * module netlab has). It needs the Reflect metadata API first (its README).
 */
async function x509Library(): Promise<typeof X509> {
  if (x509Module === undefined) {
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    lib.cryptoProvider.set(webcrypto as unknown as Parameters<typeof lib.cryptoProvider.set>[0]);
    x509Module = lib;
  }
  return x509Module;
}

function parseSan(value: string): { type: 'dns' | 'ip'; value: string } {
  const match = /^(dns|ip):(.*)$/i.exec(value.trim());
  const name = (match?.[2] ?? value).trim().replace(/^\[(.*)\]$/, '$1');
  if (name === '' || /\s/.test(name)) throw new UsageError(`"${value}" is not a host name or IP address for options.subjectAltNames`);
  const isIp = net.isIP(name) !== 0;
  if (match?.[1]?.toLowerCase() === 'ip' && !isIp) throw new UsageError(`"${value}" is not an IP address`);
  return { type: isIp ? 'ip' : 'dns', value: name };
}

function toPem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Colon-separated SHA-256 fingerprint of a PEM certificate. */
export function fingerprint256(certPem: string | Buffer): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * Makes a key pair and a self-signed certificate.
 * @throws (the promise rejects) UsageError NETLAB_ERR_INVALID_ARGUMENT for a
 *   bad SAN, day count, key type or common name
 */
export async function createSelfSignedCertificate(options: CertificateOptions = {}): Promise<GeneratedCertificate> {
  const keyType = options.keyType === undefined ? 'ec' : oneOf<KeyType>(['ec', 'rsa'])(options.keyType, 'options.keyType');
  const days = options.days ?? DEFAULTS.certificateDays;
  positiveInteger(days, 'options.days');
  const commonName = options.commonName ?? 'localhost';
  if (commonName === '' || /[,=+<>#;"\\]/.test(commonName)) throw new UsageError(`"${commonName}" is not a usable common name`);

  const names = new Map<string, { type: 'dns' | 'ip'; value: string }>();
  for (const raw of [commonName, 'localhost', '127.0.0.1', '::1', ...(options.subjectAltNames ?? [])]) {
    const san = parseSan(raw);
    names.set(`${san.type}:${san.value.toLowerCase()}`, san);
  }

  const x509 = await x509Library();
  const keys = (await webcrypto.subtle.generateKey(ALGORITHMS[keyType], true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f; // RFC 5280 §4.1.2.2: a positive integer
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${commonName}`,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: SIGNING[keyType],
    keys,
    extensions: [
      // CA:TRUE like `openssl req -x509`, so the file can be passed as --ca.
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([...names.values()]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  const keyPem = toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    certPem,
    keyPem,
    fingerprint256: fingerprint256(certPem),
    subjectAltNames: [...names.values()].map((n) => `${n.type === 'ip' ? 'IP' : 'DNS'}:${n.value}`),
    notAfter: cert.notAfter,
  };
}

/**
 * Writes `cert.pem` (0644) and `key.pem` (0600) into `dir`, creating it.
 * @throws FileError when the directory or files cannot be written
 */
export async function writeCertificateFiles(cert: GeneratedCertificate, dir: string): Promise<{ certPath: string; keyPath: string }> {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(certPath, cert.certPem, { mode: 0o644 });
    await writeFile(keyPath, cert.keyPem, { mode: 0o600 });
    // mode only applies to new files; an existing key.pem must not stay readable.
    await chmod(keyPath, 0o600);
  } catch (err) {
    throw new FileError(`could not write the certificate into ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return { certPath, keyPath };
}
