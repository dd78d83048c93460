/**
 * The IM lab's Protocol Buffers messages, loaded from the .proto files in
 * `proto/` (the single source of truth, also compiled by protoc for the
 * Python reference client in the tests). Decoding untrusted bytes never
 * throws out of here: it returns `undefined`, and proto2 `required` fields
 * are enforced (a payload missing one does not decode).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';

/** `proto/` sits at the package root: two levels above src/ and dist/ alike. */
const PROTO_DIR = new URL('../../../proto/', import.meta.url);
export const PROTO_FILES = ['im_plain.proto', 'im_encrypted.proto', 'im_etm.proto'] as const;

function loadTypes() {
  // Loaded on first use, not at start-up: every netlab command would
  // otherwise pay for protobufjs and the .proto parsing.
  const lib = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
  const root = new lib.Root();
  for (const file of PROTO_FILES) {
    lib.parse(readFileSync(new URL(file, PROTO_DIR), 'utf8'), root, { keepCase: true });
  }
  root.resolveAll();
  return {
    Message: root.lookupType('Message'),
    EncryptedPackage: root.lookupType('EncryptedPackage'),
    PlaintextAndMAC: root.lookupType('PlaintextAndMAC'),
    IM: root.lookupType('IM'),
    EtmPackage: root.lookupType('EtmPackage'),
  };
}

let loaded: ReturnType<typeof loadTypes> | undefined;
function types(): ReturnType<typeof loadTypes> {
  loaded ??= loadTypes();
  return loaded;
}

/** `Message` (plain mode) and `IM` (inside the encrypted modes) have the same shape. */
export interface ChatMessage {
  nickname: string;
  message: string;
}

export interface EncryptedPackage {
  iv: Uint8Array;
  encryptedMessage: Uint8Array;
}

export interface PlaintextAndMAC {
  paddedPlaintext: Uint8Array;
  mac: Uint8Array;
}

export interface EtmPackage {
  version: number;
  sender: Uint8Array;
  seq: bigint;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  mac: Uint8Array;
}

type TypeName = keyof ReturnType<typeof loadTypes>;

function encode(type: TypeName, value: object): Buffer {
  const t = types()[type];
  const bytes = t.encode(t.fromObject(value)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes, or undefined for anything malformed (bad wire, missing required field). */
function decode(type: TypeName, bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const message = types()[type].decode(bytes);
    return types()[type].toObject(message, { longs: String, bytes: Buffer }) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function isBytes(value: unknown): value is Buffer {
  return Buffer.isBuffer(value);
}

/** Encodes a plain-mode `Message` or an `IM` (the same two fields, numbered differently). */
export function encodeChatMessage(value: ChatMessage, type: 'Message' | 'IM' = 'Message'): Buffer {
  return encode(type, value);
}

const fieldIds = new Map<TypeName, readonly [number, number]>();

/**
 * Field numbers of a two-field message (`Message`, `IM`, `PlaintextAndMAC`,
 * `EncryptedPackage`),
 * in declaration order, as the .proto file gives them.
 */
export function fieldNumbers(type: 'Message' | 'IM' | 'PlaintextAndMAC' | 'EncryptedPackage'): readonly [first: number, second: number] {
  let ids = fieldIds.get(type);
  if (ids === undefined) {
    const fields = types()[type].fieldsArray;
    ids = [fields[0]!.id, fields[1]!.id];
    fieldIds.set(type, ids);
  }
  return ids;
}

/** The two length-delimited fields a scan found (the last of each, as protobuf says). */
export interface TwoFields {
  first: Uint8Array | undefined;
  second: Uint8Array | undefined;
}

/**
 * Reads one varint at `at` (at most 10 bytes).
 * @returns the value (exact below 2^53) and the offset after it, or -1 as the offset when malformed
 */
function readVarint(bytes: Uint8Array, at: number, out: { value: number; next: number }): void {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && at + i < bytes.length; i++) {
    const b = bytes[at + i] as number;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) {
      out.value = value;
      out.next = at + i + 1;
      return;
    }
  }
  out.next = -1;
}

const varint = { value: 0, next: 0 };

/**
 * A protobuf wire scan for messages made of two `bytes`/`string` fields
 * (`Message`, `IM`, `PlaintextAndMAC`, `EncryptedPackage`): it never throws and allocates
 * nothing (the fields are views into `bytes`), so a receiver can parse a
 * decrypted buffer without paying for an exception when it is junk.
 * Unknown fields are skipped as proto2 requires; groups, bad wire types,
 * truncation, or one of the two fields with a wire type other than
 * length-delimited make it fail.
 *
 * @param bytes the encoded message
 * @param first field number of the first field
 * @param second field number of the second field
 * @param out receives the fields (undefined when absent)
 * @returns false when the bytes are not a well-formed message
 */
export function scanTwoFields(bytes: Uint8Array, first: number, second: number, out: TwoFields): boolean {
  out.first = undefined;
  out.second = undefined;
  let at = 0;
  while (at < bytes.length) {
    readVarint(bytes, at, varint);
    if (varint.next < 0) return false;
    at = varint.next;
    const field = Math.floor(varint.value / 8);
    const wireType = varint.value % 8;
    if (field < 1 || field > 0x1fff_ffff) return false;
    if ((field === first || field === second) && wireType !== 2) return false;
    switch (wireType) {
      case 0: // varint
        readVarint(bytes, at, varint);
        if (varint.next < 0) return false;
        at = varint.next;
        break;
      case 1: // fixed64
        at += 8;
        break;
      case 5: // fixed32
        at += 4;
        break;
      case 2: {
        // length-delimited: varint length, then that many bytes
        readVarint(bytes, at, varint);
        if (varint.next < 0 || varint.value > bytes.length - varint.next) return false;
        const value = bytes.subarray(varint.next, varint.next + varint.value);
        at = varint.next + varint.value;
        if (field === first) out.first = value;
        else if (field === second) out.second = value;
        break;
      }
      default: // groups (3, 4) and the unused 6, 7
        return false;
    }
    if (at > bytes.length) return false;
  }
  return true;
}

/** Strict UTF-8: a string field that is not valid UTF-8 is junk, not text. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const chatFields: TwoFields = { first: undefined, second: undefined };

/**
 * @returns the message, or undefined when the bytes are not a valid Message/IM
 *   (bad wire, a required field missing, a string that is not valid UTF-8)
 */
export function decodeChatMessage(bytes: Uint8Array, type: 'Message' | 'IM' = 'Message'): ChatMessage | undefined {
  const [nicknameField, messageField] = fieldNumbers(type);
  if (!scanTwoFields(bytes, nicknameField, messageField, chatFields)) return undefined;
  const { first, second } = chatFields;
  if (first === undefined || second === undefined) return undefined;
  const nickname = text(first);
  const message = text(second);
  if (nickname === undefined || message === undefined) return undefined;
  return { nickname, message };
}

export function encodeEncryptedPackage(value: EncryptedPackage): Buffer {
  return encode('EncryptedPackage', value);
}

/** @returns the package (its fields are views into `bytes`), or undefined when malformed */
export function decodeEncryptedPackage(bytes: Uint8Array): EncryptedPackage | undefined {
  const [ivField, messageField] = fieldNumbers('EncryptedPackage');
  const out: TwoFields = { first: undefined, second: undefined };
  if (!scanTwoFields(bytes, ivField, messageField, out) || out.first === undefined || out.second === undefined) return undefined;
  return { iv: out.first, encryptedMessage: out.second };
}

export function encodePlaintextAndMac(value: PlaintextAndMAC): Buffer {
  return encode('PlaintextAndMAC', value);
}

/** @returns the message (its fields are views into `bytes`), or undefined when malformed */
export function decodePlaintextAndMac(bytes: Uint8Array): PlaintextAndMAC | undefined {
  const [paddedField, macField] = fieldNumbers('PlaintextAndMAC');
  const out: TwoFields = { first: undefined, second: undefined };
  if (!scanTwoFields(bytes, paddedField, macField, out) || out.first === undefined || out.second === undefined) return undefined;
  return { paddedPlaintext: out.first, mac: out.second };
}

export function encodeEtmPackage(value: EtmPackage): Buffer {
  return encode('EtmPackage', { ...value, seq: value.seq.toString() });
}

export function decodeEtmPackage(bytes: Uint8Array): EtmPackage | undefined {
  const m = decode('EtmPackage', bytes);
  if (m === undefined || typeof m.version !== 'number' || !isBytes(m.sender) || !isBytes(m.iv)) return undefined;
  if (!isBytes(m.ciphertext) || !isBytes(m.mac) || (typeof m.seq !== 'string' && typeof m.seq !== 'number')) return undefined;
  return { version: m.version, sender: m.sender, seq: BigInt(m.seq), iv: m.iv, ciphertext: m.ciphertext, mac: m.mac };
}
