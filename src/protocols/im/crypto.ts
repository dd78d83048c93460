/**
 * The IM lab's encrypted modes.
 *
 * `course` (the default; wire-compatible with the course clients), MAC-then-
 * encrypt:
 *     confKey = SHA-256(UTF-8(-c))          authKey = SHA-256(UTF-8(-a))
 *     im   = IM{nickname, message} bytes
 *     mac  = HMAC-SHA256(authKey, im)   (or over PKCS#7(im, 16): course clients
 *            differ; `macOver` picks what we send, receipt accepts both)
 *     pmac = PlaintextAndMAC{paddedPlaintext = PKCS#7(im, 16), mac}
 *     frame payload = EncryptedPackage{iv, AES-256-CBC(confKey, iv, PKCS#7(pmac))}
 *
 * `etm` (`--suite etm`), encrypt-then-MAC with derived keys and replay
 * protection; see docs/chat-and-im.md for the design and its reasons:
 *     encKey = HKDF-SHA256(UTF-8(-c), salt = LABEL, info = "enc")
 *     macKey = HKDF-SHA256(UTF-8(-a), salt = LABEL, info = "mac")
 *     ciphertext = AES-256-CBC(encKey, iv, PKCS#7(IM bytes))
 *     mac = HMAC-SHA256(macKey, LABEL || u8 version || sender(8) || u64be seq || iv(16) || ciphertext)
 *     frame payload = EtmPackage{version, sender, seq, iv, ciphertext, mac}
 *
 * Opening never throws and never says why it failed: every failure (bad
 * protobuf, bad padding, bad MAC, replay) is the same `undefined`, so a peer
 * cannot tell the causes apart from our answers. MACs are compared with
 * crypto.timingSafeEqual. The course suite also does the same work for every
 * failure once the ciphertext is decrypted (see CourseCipher.open).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  decodeChatMessage,
  decodeEncryptedPackage,
  decodeEtmPackage,
  encodeChatMessage,
  encodeEncryptedPackage,
  encodeEtmPackage,
  encodePlaintextAndMac,
  fieldNumbers,
  scanTwoFields,
  type ChatMessage,
  type TwoFields,
} from './messages.js';
import { UsageError } from '../../errors.js';
import { bytesOfLength, invalidOption, oneOf, optional, stringValue, validateOptions } from '../../util/validate.js';

/** AES block size and CBC IV length, in bytes. */
export const AES_BLOCK_BYTES = 16;
/** HMAC-SHA256 output length, in bytes. */
export const MAC_BYTES = 32;
/** Domain-separation label of the etm suite (HKDF salt and MAC prefix). */
export const ETM_LABEL = 'netlab-im-etm-v1';
export const ETM_VERSION = 1;
/** Length of an etm sender id, in bytes. */
export const ETM_SENDER_BYTES = 8;
/** Senders whose sequence numbers an etm receiver remembers. */
export const ETM_MAX_TRACKED_SENDERS = 4096;

/** The uniform notice for any frame that does not open. */
export const NOT_AUTHENTICATED_NOTICE = 'message could not be authenticated';

/** Turns messages into frame payloads and back, for one mode. */
export interface ImCipher {
  readonly suite: 'plain' | 'course' | 'etm';
  /**
   * @param message what to send
   * @param iv a fixed IV (test vectors only); random by default
   */
  seal(message: ChatMessage, iv?: Uint8Array): Buffer;
  /** @returns the message, or undefined for anything that does not open (never throws) */
  open(payload: Uint8Array): ChatMessage | undefined;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** PKCS#7 (RFC 5652 §6.3): pad to a multiple of `block`, always at least one byte. */
export function pkcs7Pad(data: Uint8Array, block = AES_BLOCK_BYTES): Buffer {
  const n = block - (data.byteLength % block);
  const out = Buffer.alloc(data.byteLength + n, n);
  out.set(data, 0);
  return out;
}

/** @returns the unpadded bytes, or undefined when the padding is not valid PKCS#7 */
export function pkcs7Unpad(data: Uint8Array, block = AES_BLOCK_BYTES): Buffer | undefined {
  if (data.byteLength === 0 || data.byteLength % block !== 0) return undefined;
  const n = data[data.byteLength - 1] as number;
  if (n < 1 || n > block) return undefined;
  let bad = 0;
  for (let i = data.byteLength - n; i < data.byteLength; i++) bad |= (data[i] as number) ^ n;
  if (bad !== 0) return undefined;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength - n);
}

function macEquals(expected: Buffer, received: Uint8Array): boolean {
  // timingSafeEqual needs equal lengths; the length of a MAC is no secret.
  return received.byteLength === expected.byteLength && timingSafeEqual(expected, received);
}

function aesCbc(mode: 'encrypt' | 'decrypt', key: Buffer, iv: Uint8Array, data: Uint8Array): Buffer | undefined {
  try {
    const c = mode === 'encrypt' ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
    return Buffer.concat([c.update(data), c.final()]);
  } catch {
    // Wrong IV length, ciphertext not a whole number of blocks, bad padding.
    return undefined;
  }
}

const ivBytes = bytesOfLength(AES_BLOCK_BYTES);

function checkIv(iv: Uint8Array | undefined): Uint8Array {
  const value = iv ?? randomBytes(AES_BLOCK_BYTES);
  return ivBytes(value, 'iv');
}

/** Plain mode: `Message{nickname, message}` in the clear. */
export class PlainCipher implements ImCipher {
  readonly suite = 'plain' as const;

  seal(message: ChatMessage): Buffer {
    return encodeChatMessage(message, 'Message');
  }

  open(payload: Uint8Array): ChatMessage | undefined {
    return decodeChatMessage(payload, 'Message');
  }
}

/** What the course suite's MAC covers when sending: the IM bytes, or PKCS#7(IM bytes, 16). */
export type ImMacOver = 'im' | 'padded';
/** What the MAC of a sent course frame may cover. */
export const IM_MAC_KINDS: readonly ImMacOver[] = Object.freeze(['im', 'padded']);

/**
 * The PKCS#7 pad length of `data` (1..block), or 0 when the padding is not
 * valid. The last `block` bytes are all read whatever they hold, so the time
 * does not say where the padding broke. The length itself is public (it is
 * the ciphertext's, or follows from where a protobuf field ends).
 */
function padLength(data: Uint8Array, block = AES_BLOCK_BYTES): number {
  const len = data.byteLength;
  if (len === 0 || len % block !== 0) return 0;
  const n = data[len - 1] as number;
  // 1 when n < 1 or n > block.
  let bad = ((n - 1) >>> 31) | ((block - n) >>> 31);
  for (let i = 1; i <= block; i++) {
    const inPad = (i - n - 1) >>> 31; // 1 while i <= n
    const differs = (((data[len - i] as number) ^ n) + 0xff) >>> 8; // 1 when the byte is not n
    bad |= inPad & differs;
  }
  return bad === 0 ? n : 0;
}

const EMPTY = Buffer.alloc(0);
/** Stands in for a MAC that is missing or of the wrong length: it matches nothing. */
const NO_MAC = Buffer.alloc(MAC_BYTES);
/** Hashed to top the MAC work up to a length fixed by the ciphertext (see CourseCipher.open). */
const FILLER = Buffer.alloc(4096);

/**
 * A hash that is fed and never finished: topping up costs the compression
 * work alone, not a new hash object per frame.
 */
let sink: ReturnType<typeof createHash> | undefined;

function hashFiller(bytes: number): void {
  sink ??= createHash('sha256');
  for (let left = bytes; left > 0; left -= FILLER.length) sink.update(left >= FILLER.length ? FILLER : FILLER.subarray(0, left));
}

function decryptRaw(key: Buffer, iv: Uint8Array, data: Uint8Array): Buffer {
  // No automatic unpadding: its failure is an exception, which costs more
  // than success and would tell bad outer padding apart by its time.
  const d = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  const first = d.update(data);
  const last = d.final();
  return last.byteLength === 0 ? first : Buffer.concat([first, last]);
}

/** The course's MAC-then-encrypt mode, byte-compatible with its clients. */
export class CourseCipher implements ImCipher {
  readonly suite = 'course' as const;
  readonly macOver: ImMacOver;
  readonly #confKey: Buffer;
  readonly #authKey: Buffer;
  readonly #fields: TwoFields = { first: undefined, second: undefined };

  /**
   * @param confidentialityKey the -c string (its SHA-256 is the AES key)
   * @param authenticityKey the -a string (its SHA-256 is the HMAC key)
   * @param options macOver: what the MAC of sent frames covers, `im` (default) or `padded`
   */
  constructor(confidentialityKey: string, authenticityKey: string, options: { macOver?: ImMacOver } = {}) {
    this.#confKey = sha256(confidentialityKey);
    this.#authKey = sha256(authenticityKey);
    this.macOver = options.macOver ?? 'im';
    if (this.macOver !== 'im' && this.macOver !== 'padded') throw invalidOption('options.macOver', "'im' or 'padded'", this.macOver);
  }

  /** @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when a fixed IV is not 16 bytes */
  seal(message: ChatMessage, iv?: Uint8Array): Buffer {
    const ivBytes = checkIv(iv);
    const im = encodeChatMessage(message, 'IM');
    const paddedPlaintext = pkcs7Pad(im);
    const mac = createHmac('sha256', this.#authKey).update(this.macOver === 'im' ? im : paddedPlaintext).digest();
    const pmac = encodePlaintextAndMac({ paddedPlaintext, mac });
    const encryptedMessage = aesCbc('encrypt', this.#confKey, ivBytes, pmac) as Buffer;
    return encodeEncryptedPackage({ iv: ivBytes, encryptedMessage });
  }

  /**
   * Opens a frame of either MAC kind. Only what an eavesdropper sees anyway
   * (the outer protobuf, the IV length, a ciphertext that is not whole
   * blocks) is refused before decrypting. After that every frame takes the
   * same path whatever is wrong with it: the outer padding, the
   * PlaintextAndMAC parse (a scan that never throws) and the inner padding
   * are checked without stopping, both MACs are computed and compared, and
   * the hashing is topped up so that it always covers twice the ciphertext's
   * length; only then is the verdict taken. See docs/chat-and-im.md for
   * what remains.
   */
  open(payload: Uint8Array): ChatMessage | undefined {
    const pkg = decodeEncryptedPackage(payload);
    if (pkg === undefined || pkg.iv.byteLength !== AES_BLOCK_BYTES) return undefined;
    const ct = pkg.encryptedMessage;
    if (ct.byteLength === 0 || ct.byteLength % AES_BLOCK_BYTES !== 0) return undefined;
    const plain = decryptRaw(this.#confKey, pkg.iv, ct);
    const outerPad = padLength(plain);
    const fields = this.#fields;
    const [paddedField, macField] = fieldNumbers('PlaintextAndMAC');
    const scanned = scanTwoFields(plain.subarray(0, plain.byteLength - outerPad), paddedField, macField, fields);
    const parsed = scanned && fields.first !== undefined && fields.second !== undefined;
    const padded = parsed ? (fields.first as Uint8Array) : EMPTY;
    const received = parsed && (fields.second as Uint8Array).byteLength === MAC_BYTES ? (fields.second as Uint8Array) : NO_MAC;
    fields.first = fields.second = undefined;
    const innerPad = padLength(padded);
    const im = padded.subarray(0, padded.byteLength - innerPad);
    const macOfIm = createHmac('sha256', this.#authKey).update(im).digest();
    const macOfPadded = createHmac('sha256', this.#authKey).update(padded).digest();
    hashFiller(2 * plain.byteLength - im.byteLength - padded.byteLength);
    const imMatches = timingSafeEqual(macOfIm, received);
    const paddedMatches = timingSafeEqual(macOfPadded, received);
    // One decision, from every check at once (bitwise: no early exit).
    const ok = (outerPad !== 0 ? 1 : 0) & (parsed ? 1 : 0) & (innerPad !== 0 ? 1 : 0) & ((imMatches ? 1 : 0) | (paddedMatches ? 1 : 0));
    if (ok === 0) return undefined;
    return decodeChatMessage(im, 'IM');
  }
}

function hkdf(ikm: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(ikm, 'utf8'), Buffer.from(ETM_LABEL), Buffer.from(info), 32));
}

/** `--suite etm`: encrypt-then-MAC, HKDF keys, per-sender sequence numbers. */
export class EtmCipher implements ImCipher {
  readonly suite = 'etm' as const;
  readonly #encKey: Buffer;
  readonly #macKey: Buffer;
  readonly #sender: Buffer;
  #nextSeq = 1n;
  /** Highest sequence number accepted per sender (hex id), oldest first. */
  readonly #lastSeen = new Map<string, bigint>();

  /**
   * @param confidentialityKey the -c string (HKDF input of the AES key)
   * @param authenticityKey the -a string (HKDF input of the HMAC key)
   * @param sender this client's 8-byte id; random by default (test vectors fix it)
   */
  constructor(confidentialityKey: string, authenticityKey: string, sender?: Uint8Array) {
    this.#encKey = hkdf(confidentialityKey, 'enc');
    this.#macKey = hkdf(authenticityKey, 'mac');
    const id = sender ?? randomBytes(ETM_SENDER_BYTES);
    bytesOfLength(ETM_SENDER_BYTES)(id, 'sender');
    this.#sender = Buffer.from(id);
  }

  #mac(version: number, sender: Uint8Array, seq: bigint, iv: Uint8Array, ciphertext: Uint8Array): Buffer {
    const header = Buffer.alloc(1 + ETM_SENDER_BYTES + 8);
    header.writeUInt8(version, 0);
    header.set(sender, 1);
    header.writeBigUInt64BE(seq, 1 + ETM_SENDER_BYTES);
    return createHmac('sha256', this.#macKey).update(ETM_LABEL).update(header).update(iv).update(ciphertext).digest();
  }

  /** @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when a fixed IV is not 16 bytes */
  seal(message: ChatMessage, iv?: Uint8Array): Buffer {
    const ivBytes = checkIv(iv);
    const seq = this.#nextSeq++;
    const ciphertext = aesCbc('encrypt', this.#encKey, ivBytes, encodeChatMessage(message, 'IM')) as Buffer;
    const mac = this.#mac(ETM_VERSION, this.#sender, seq, ivBytes, ciphertext);
    return encodeEtmPackage({ version: ETM_VERSION, sender: this.#sender, seq, iv: ivBytes, ciphertext, mac });
  }

  open(payload: Uint8Array): ChatMessage | undefined {
    const pkg = decodeEtmPackage(payload);
    if (pkg === undefined || pkg.version !== ETM_VERSION) return undefined;
    if (pkg.sender.byteLength !== ETM_SENDER_BYTES || pkg.iv.byteLength !== AES_BLOCK_BYTES) return undefined;
    if (pkg.seq < 1n || pkg.seq > 0xffff_ffff_ffff_ffffn) return undefined;
    // Verify before decrypting anything: no padding oracle.
    if (!macEquals(this.#mac(pkg.version, pkg.sender, pkg.seq, pkg.iv, pkg.ciphertext), pkg.mac)) return undefined;
    const senderKey = Buffer.from(pkg.sender).toString('hex');
    // Our own frames reflected back, or a frame not newer than the last one from that sender: replay.
    if (senderKey === this.#sender.toString('hex')) return undefined;
    const last = this.#lastSeen.get(senderKey);
    if (last !== undefined && pkg.seq <= last) return undefined;
    const plaintext = aesCbc('decrypt', this.#encKey, pkg.iv, pkg.ciphertext);
    const message = plaintext === undefined ? undefined : decodeChatMessage(plaintext, 'IM');
    if (message === undefined) return undefined;
    this.#remember(senderKey, pkg.seq);
    return message;
  }

  #remember(sender: string, seq: bigint): void {
    this.#lastSeen.delete(sender);
    this.#lastSeen.set(sender, seq);
    if (this.#lastSeen.size > ETM_MAX_TRACKED_SENDERS) {
      const oldest = this.#lastSeen.keys().next().value as string;
      this.#lastSeen.delete(oldest);
    }
  }
}

export type ImSuite = 'course' | 'etm';

/** The encrypted suites createImCipher() knows. */
export const IM_SUITES: readonly ImSuite[] = Object.freeze(['course', 'etm']);

const IM_CIPHER_OPTIONS = { confidentialityKey: optional(stringValue), authenticityKey: optional(stringValue), suite: optional(oneOf(IM_SUITES)), macOver: optional(oneOf(IM_MAC_KINDS)) };

/**
 * The cipher for a client's flags: plain without keys, course or etm with both.
 * @param options.suite `course` (default) or `etm`
 * @param options.macOver (course only) what the MAC of sent frames covers, `im` (default) or `padded`
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT (synchronously) for an
 *   unknown suite, only one of the two keys, or `etm` without keys
 */
export function createImCipher(options: { confidentialityKey?: string; authenticityKey?: string; suite?: ImSuite; macOver?: ImMacOver }): ImCipher {
  const { confidentialityKey: c, authenticityKey: a, suite, macOver } = validateOptions(options, 'options', IM_CIPHER_OPTIONS);
  if (c === undefined && a === undefined) {
    // Asking for the hardened suite and getting plain text would be a silent downgrade.
    if (suite === 'etm') throw new UsageError('options.suite "etm" is an encrypted suite: give options.confidentialityKey and options.authenticityKey too');
    return new PlainCipher();
  }
  if (c === undefined || a === undefined) throw new UsageError('the encrypted mode needs both keys: options.confidentialityKey and options.authenticityKey');
  return options.suite === 'etm' ? new EtmCipher(c, a) : new CourseCipher(c, a, { macOver });
}
