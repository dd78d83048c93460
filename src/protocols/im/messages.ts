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

/** Encodes a plain-mode `Message` (or an `IM`: same fields, same bytes). */
export function encodeChatMessage(value: ChatMessage, type: 'Message' | 'IM' = 'Message'): Buffer {
  return encode(type, value);
}

/** @returns the message, or undefined when the bytes are not a valid Message/IM */
export function decodeChatMessage(bytes: Uint8Array, type: 'Message' | 'IM' = 'Message'): ChatMessage | undefined {
  const m = decode(type, bytes);
  if (m === undefined || typeof m.nickname !== 'string' || typeof m.message !== 'string') return undefined;
  return { nickname: m.nickname, message: m.message };
}

export function encodeEncryptedPackage(value: EncryptedPackage): Buffer {
  return encode('EncryptedPackage', value);
}

export function decodeEncryptedPackage(bytes: Uint8Array): EncryptedPackage | undefined {
  const m = decode('EncryptedPackage', bytes);
  if (m === undefined || !isBytes(m.iv) || !isBytes(m.encryptedMessage)) return undefined;
  return { iv: m.iv, encryptedMessage: m.encryptedMessage };
}

export function encodePlaintextAndMac(value: PlaintextAndMAC): Buffer {
  return encode('PlaintextAndMAC', value);
}

export function decodePlaintextAndMac(bytes: Uint8Array): PlaintextAndMAC | undefined {
  const m = decode('PlaintextAndMAC', bytes);
  if (m === undefined || !isBytes(m.paddedPlaintext) || !isBytes(m.mac)) return undefined;
  return { paddedPlaintext: m.paddedPlaintext, mac: m.mac };
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
