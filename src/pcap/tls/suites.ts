/**
 * Cipher suites netlab can decrypt, and names for common ones it cannot
 * (so the report says "TLS_RSA_WITH_AES_128_CBC_SHA uses CBC" rather than a
 * bare number). Code points from the IANA TLS Cipher Suites registry.
 */

/** The AEAD algorithms implemented with node:crypto. */
export type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** A suite netlab decrypts. */
export interface SupportedSuite {
  id: number;
  name: string;
  /** 'tls13' suites only with TLS 1.3, 'tls12' suites only with TLS 1.2. */
  protocol: 'tls13' | 'tls12';
  aead: AeadName;
  /** The suite's hash: HKDF hash for TLS 1.3, PRF hash for TLS 1.2. */
  hash: 'sha256' | 'sha384';
  keyBytes: number;
  /**
   * TLS 1.2 fixed IV bytes from the key block: 4 for GCM (RFC 5288 §3, the
   * salt; the other 8 nonce bytes travel in each record), 12 for
   * ChaCha20-Poly1305 (RFC 7905 §2, nothing explicit on the wire).
   */
  fixedIvBytes: number;
}

const TLS13: SupportedSuite[] = [
  { id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', protocol: 'tls13', aead: 'aes-128-gcm', hash: 'sha256', keyBytes: 16, fixedIvBytes: 12 },
  { id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', protocol: 'tls13', aead: 'aes-256-gcm', hash: 'sha384', keyBytes: 32, fixedIvBytes: 12 },
  { id: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', protocol: 'tls13', aead: 'chacha20-poly1305', hash: 'sha256', keyBytes: 32, fixedIvBytes: 12 },
];

function gcm12(id: number, name: string, bits: 128 | 256): SupportedSuite {
  return {
    id,
    name,
    protocol: 'tls12',
    aead: bits === 128 ? 'aes-128-gcm' : 'aes-256-gcm',
    hash: bits === 128 ? 'sha256' : 'sha384',
    keyBytes: bits / 8,
    fixedIvBytes: 4,
  };
}

function chacha12(id: number, name: string): SupportedSuite {
  return { id, name, protocol: 'tls12', aead: 'chacha20-poly1305', hash: 'sha256', keyBytes: 32, fixedIvBytes: 12 };
}

/**
 * TLS 1.2 AEAD suites. Only the master secret matters for decryption, so the
 * key exchange (ECDHE, DHE, RSA) makes no difference once CLIENT_RANDOM is
 * in the key log.
 */
const TLS12: SupportedSuite[] = [
  gcm12(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 128),
  gcm12(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 256),
  gcm12(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 128),
  gcm12(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 256),
  gcm12(0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 128),
  gcm12(0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 256),
  gcm12(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 128),
  gcm12(0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 256),
  chacha12(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'),
  chacha12(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'),
  chacha12(0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'),
];

const SUPPORTED = new Map<number, SupportedSuite>([...TLS13, ...TLS12].map((s) => [s.id, s]));

/** Names of suites seen in the wild that netlab does not decrypt, with why. */
const UNSUPPORTED_NAMES = new Map<number, string>([
  [0x1304, 'TLS_AES_128_CCM_SHA256'],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x0005, 'TLS_RSA_WITH_RC4_128_SHA'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  [0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA'],
  [0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA'],
  [0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256'],
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM'],
  [0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM'],
]);

/** The decryptable suite with this code point, if any. */
export function supportedSuite(id: number): SupportedSuite | undefined {
  return SUPPORTED.get(id);
}

/** A readable name for any suite: its IANA name when known, else `0xNNNN`. */
export function cipherSuiteName(id: number): string {
  return SUPPORTED.get(id)?.name ?? UNSUPPORTED_NAMES.get(id) ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** Every suite netlab decrypts (for docs and tests). */
export function supportedSuites(): readonly SupportedSuite[] {
  return [...SUPPORTED.values()];
}
