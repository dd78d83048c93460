/**
 * Turning logged secrets into record keys.
 *
 * TLS 1.3 (RFC 8446 §7.1, §7.3): each traffic secret yields
 *   key = HKDF-Expand-Label(secret, "key", "", key_length)
 *   iv  = HKDF-Expand-Label(secret, "iv",  "", 12)
 * and a KeyUpdate replaces it with
 *   next = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length).
 *
 * TLS 1.2 (RFC 5246 §5, §6.3): the master secret expands through the PRF
 *   key_block = PRF(master_secret, "key expansion", server_random + client_random)
 * into client/server MAC keys (none for AEAD), write keys and IVs.
 */
import { createHmac } from 'node:crypto';
import type { SupportedSuite } from './suites.js';
import { invalidOption } from '../../util/validate.js';

type Hash = 'sha256' | 'sha384';

const HASH_BYTES: Readonly<Record<Hash, number>> = { sha256: 32, sha384: 48 };

/**
 * HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i).
 * node:crypto's hkdf() always runs Extract first, so Expand is done here.
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when more than 255 blocks are asked for
 */
export function hkdfExpand(hash: Hash, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks = Math.ceil(length / HASH_BYTES[hash]);
  if (blocks > 255) throw invalidOption('length', `at most ${255 * HASH_BYTES[hash]} bytes (255 ${hash} blocks, RFC 5869 §2.3)`, length);
  const out: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; i <= blocks; i++) {
    previous = createHmac(hash, prk).update(previous).update(info).update(Buffer.of(i)).digest();
    out.push(previous);
  }
  return Buffer.concat(out).subarray(0, length);
}

/**
 * HKDF-Expand-Label (RFC 8446 §7.1):
 *   struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } HkdfLabel;
 * @param hash the suite's hash
 * @param secret the traffic secret
 * @param label without the "tls13 " prefix, e.g. "key"
 * @param context usually empty for traffic keys
 * @param length output bytes
 */
export function hkdfExpandLabel(hash: Hash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.alloc(2 + 1 + fullLabel.length + 1 + context.length);
  info.writeUInt16BE(length, 0);
  info[2] = fullLabel.length;
  fullLabel.copy(info, 3);
  info[3 + fullLabel.length] = context.length;
  Buffer.from(context).copy(info, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}

/** A write key and IV for one direction. */
export interface TrafficKeys {
  key: Buffer;
  iv: Buffer;
}

/** TLS 1.3 key and IV from a traffic secret (RFC 8446 §7.3). */
export function tls13TrafficKeys(suite: SupportedSuite, secret: Uint8Array): TrafficKeys {
  return {
    key: hkdfExpandLabel(suite.hash, secret, 'key', Buffer.alloc(0), suite.keyBytes),
    iv: hkdfExpandLabel(suite.hash, secret, 'iv', Buffer.alloc(0), 12),
  };
}

/** The traffic secret after a KeyUpdate (RFC 8446 §7.2). */
export function nextTrafficSecret(suite: SupportedSuite, secret: Uint8Array): Buffer {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', Buffer.alloc(0), HASH_BYTES[suite.hash]);
}

/**
 * The TLS 1.2 PRF (RFC 5246 §5): PRF(secret, label, seed) = P_hash(secret, label + seed),
 * P_hash = HMAC(secret, A(1) + seed') | HMAC(secret, A(2) + seed') | ..., A(0) = seed', A(i) = HMAC(secret, A(i-1)).
 */
export function tls12Prf(hash: Hash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const fullSeed = Buffer.concat([Buffer.from(label, 'ascii'), seed]);
  const out: Buffer[] = [];
  let produced = 0;
  let a: Buffer = fullSeed;
  while (produced < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(fullSeed).digest();
    out.push(block);
    produced += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** Both directions' TLS 1.2 write keys. */
export interface Tls12Keys {
  client: TrafficKeys;
  server: TrafficKeys;
}

/**
 * Splits the TLS 1.2 key block (RFC 5246 §6.3): client_write_MAC_key,
 * server_write_MAC_key (both empty for AEAD suites), client_write_key,
 * server_write_key, client_write_IV, server_write_IV. The PRF hash is the
 * suite's (SHA-384 for the *_SHA384 suites, RFC 5289 §3).
 */
export function tls12KeyBlock(suite: SupportedSuite, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Tls12Keys {
  const k = suite.keyBytes;
  const iv = suite.fixedIvBytes;
  const block = tls12Prf(suite.hash, masterSecret, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * k + 2 * iv);
  return {
    client: { key: block.subarray(0, k), iv: block.subarray(2 * k, 2 * k + iv) },
    server: { key: block.subarray(k, 2 * k), iv: block.subarray(2 * k + iv, 2 * k + 2 * iv) },
  };
}
