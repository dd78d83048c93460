/**
 * Opening protected records with node:crypto's AEADs: AES-128/256-GCM and
 * ChaCha20-Poly1305. One opener per direction and key; it counts the
 * 64-bit record sequence number that every nonce and (in TLS 1.2) the
 * additional data depend on.
 *
 * A record that fails authentication yields no plaintext at all: the AEAD
 * tag is checked before anything is returned, so a wrong key or a tampered
 * byte can never turn into wrong plaintext.
 */
import { createDecipheriv, type CipherGCMTypes, type CipherChaCha20Poly1305Types } from 'node:crypto';
import type { SupportedSuite } from './suites.js';
import type { TrafficKeys } from './key-schedule.js';

const TAG_BYTES = 16;
const TLS12_EXPLICIT_NONCE_BYTES = 8;
/** RFC 8446 §5.2 / RFC 5246 §6.2.1: plaintext fragments carry at most 2^14 bytes. */
const MAX_PLAINTEXT = 2 ** 14;

/** The result of opening one record. */
export type OpenResult =
  | { ok: true; type: number; content: Buffer }
  | { ok: false; reason: 'authentication' | 'too-short' | 'no-content-type' | 'too-long' };

/** The record's header fields the AEAD binds. */
export interface ProtectedRecord {
  type: number;
  version: number;
  header: Buffer;
  fragment: Buffer;
}

/** XORs the 64-bit sequence number, left-padded to the IV length, into the IV (RFC 8446 §5.3, RFC 7905 §2). */
function xorNonce(iv: Buffer, seq: number): Buffer {
  const nonce = Buffer.from(iv);
  const seqBytes = sequenceBytes(seq);
  for (let i = 0; i < 8; i++) nonce[nonce.length - 8 + i] = (nonce[nonce.length - 8 + i] as number) ^ (seqBytes[i] as number);
  return nonce;
}

function sequenceBytes(seq: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32BE(Math.floor(seq / 2 ** 32), 0);
  out.writeUInt32BE(seq % 2 ** 32, 4);
  return out;
}

function aeadOpen(suite: SupportedSuite, key: Buffer, nonce: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer | undefined {
  try {
    const decipher =
      suite.aead === 'chacha20-poly1305'
        ? createDecipheriv(suite.aead as CipherChaCha20Poly1305Types, key, nonce, { authTagLength: TAG_BYTES })
        : createDecipheriv(suite.aead as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad, { plaintextLength: ciphertext.length });
    decipher.setAuthTag(tag);
    const head = decipher.update(ciphertext);
    const tail = decipher.final(); // throws when the tag does not match
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    return undefined;
  }
}

/** Opens TLS 1.3 records (RFC 8446 §5.2–5.4) of one direction under one traffic secret. */
export class Tls13RecordOpener {
  readonly #suite: SupportedSuite;
  readonly #keys: TrafficKeys;
  #seq = 0;

  constructor(suite: SupportedSuite, keys: TrafficKeys) {
    this.#suite = suite;
    this.#keys = keys;
  }

  /** Records opened (or tried) under these keys: the next sequence number. */
  get sequence(): number {
    return this.#seq;
  }

  /**
   * Opens one TLSCiphertext. The sequence number advances whether or not it
   * authenticates, so one damaged record does not shift the nonces of the next.
   */
  open(record: ProtectedRecord): OpenResult {
    const seq = this.#seq++;
    const { fragment } = record;
    if (fragment.length < TAG_BYTES + 1) return { ok: false, reason: 'too-short' };
    // RFC 8446 §5.2: additional_data = TLSCiphertext.opaque_type || legacy_record_version || length, i.e. the header.
    const plain = aeadOpen(
      this.#suite,
      this.#keys.key,
      xorNonce(this.#keys.iv, seq),
      record.header,
      fragment.subarray(0, fragment.length - TAG_BYTES),
      fragment.subarray(fragment.length - TAG_BYTES),
    );
    if (plain === undefined) return { ok: false, reason: 'authentication' };
    // RFC 8446 §5.4: TLSInnerPlaintext = content || ContentType type || zeros;
    // "the receiving implementation scans the field from the end toward the
    // beginning until it finds a non-zero octet. This non-zero octet is the
    // content type of the message." All zeros is unexpected_message.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) return { ok: false, reason: 'no-content-type' };
    if (end > MAX_PLAINTEXT) return { ok: false, reason: 'too-long' };
    return { ok: true, type: plain[end] as number, content: plain.subarray(0, end) };
  }
}

/**
 * Opens TLS 1.2 AEAD records (RFC 5246 §6.2.3.3) of one direction:
 * AES-GCM with an 8-byte explicit nonce on the wire after a 4-byte salt
 * (RFC 5288 §3), or ChaCha20-Poly1305 with the IV XOR sequence (RFC 7905 §2).
 */
export class Tls12RecordOpener {
  readonly #suite: SupportedSuite;
  readonly #keys: TrafficKeys;
  #seq = 0;

  constructor(suite: SupportedSuite, keys: TrafficKeys) {
    this.#suite = suite;
    this.#keys = keys;
  }

  get sequence(): number {
    return this.#seq;
  }

  /** Opens one record; the sequence number advances either way. */
  open(record: ProtectedRecord): OpenResult {
    const seq = this.#seq++;
    const { fragment } = record;
    const gcm = this.#suite.aead !== 'chacha20-poly1305';
    const explicit = gcm ? TLS12_EXPLICIT_NONCE_BYTES : 0;
    if (fragment.length < explicit + TAG_BYTES) return { ok: false, reason: 'too-short' };
    const nonce = gcm ? Buffer.concat([this.#keys.iv, fragment.subarray(0, explicit)]) : xorNonce(this.#keys.iv, seq);
    const ciphertext = fragment.subarray(explicit, fragment.length - TAG_BYTES);
    if (ciphertext.length > MAX_PLAINTEXT) return { ok: false, reason: 'too-long' };
    // RFC 5246 §6.2.3.3: additional_data = seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length
    const aad = Buffer.alloc(13);
    sequenceBytes(seq).copy(aad, 0);
    aad[8] = record.type;
    aad.writeUInt16BE(record.version, 9);
    aad.writeUInt16BE(ciphertext.length, 11);
    const plain = aeadOpen(this.#suite, this.#keys.key, nonce, aad, ciphertext, fragment.subarray(fragment.length - TAG_BYTES));
    if (plain === undefined) return { ok: false, reason: 'authentication' };
    return { ok: true, type: record.type, content: plain };
  }
}

/** Either opener. */
export type RecordOpener = Tls13RecordOpener | Tls12RecordOpener;
