/**
 * What a TLS stream decryption reports: data events, problems, alerts and
 * the per-stream summary.
 */
import type { ErrorCode } from '../../errors.js';

/** Which peer sent the bytes. */
export type Direction = 'client' | 'server';

/** Decrypted application data of one record. */
export interface TlsDataEvent {
  direction: Direction;
  /** The plaintext (a fresh buffer the receiver may keep). */
  data: Buffer;
  /** Index of the record in its direction's stream (0 = first record on the wire). */
  record: number;
  /** Byte offset of the record's header in its direction's TCP stream (to map it back to packets). */
  offset: number;
}

/** Something that could not be decrypted or understood, in plain words. */
export interface TlsProblem {
  /** A stable `NETLAB_ERR_...` code (docs/errors.md). */
  code: ErrorCode;
  /** The direction it concerns; absent for the whole connection. */
  direction?: Direction;
  message: string;
}

/** An alert seen in the clear or after decryption. */
export interface TlsAlert {
  direction: Direction;
  level: 'warning' | 'fatal' | number;
  description: number;
  /** The RFC 8446 §6 name, e.g. "close_notify". */
  name: string;
  encrypted: boolean;
}

/** Record counts of one direction. */
export interface TlsDirectionCounts {
  /** Records on the wire. */
  records: number;
  /** Protected records that authenticated and were decrypted. */
  decrypted: number;
  /** Protected records that failed authentication (wrong keys, tampering). */
  failed: number;
  /** Protected records not attempted: no keys, unsupported, 0-RTT, or never unblocked. */
  skipped: number;
  /** Bytes of decrypted application data. */
  applicationBytes: number;
  /** KeyUpdates followed (TLS 1.3). */
  keyUpdates: number;
}

/**
 * The outcome for one connection.
 * - `decrypted`: every protected record decrypted;
 * - `partial`: some did, some did not (see problems);
 * - `failed`: keys were there but no record authenticated;
 * - `no-keys`: the key log has nothing (or not enough) for this connection;
 * - `unsupported`: a version or cipher suite netlab does not decrypt;
 * - `incomplete`: the handshake needed to decrypt was not captured;
 * - `not-tls`: the stream is not TLS;
 * - `empty`: no bytes at all.
 */
export type TlsStreamStatus = 'decrypted' | 'partial' | 'failed' | 'no-keys' | 'unsupported' | 'incomplete' | 'not-tls' | 'empty';

/** What {@link TlsStreamDecryptor.summary} reports. */
export interface TlsStreamSummary {
  /** True once a ClientHello or ServerHello was parsed. */
  tls: boolean;
  status: TlsStreamStatus;
  /** The main reason when status is not `decrypted`, in plain words; null otherwise. */
  reason: string | null;
  /** The code of that reason; null when decrypted. */
  code: ErrorCode | null;
  /** "TLS 1.3", "TLS 1.2", ...; null before the ServerHello. */
  version: string | null;
  /** IANA name, or 0xNNNN; null before the ServerHello. */
  cipherSuite: string | null;
  cipherSuiteId: number | null;
  /** Hex client random (the key-log lookup key); null before the ClientHello. */
  clientRandom: string | null;
  /** The key log holds the secrets this connection needs. */
  keysFound: boolean;
  helloRetryRequest: boolean;
  /** extended_master_secret negotiated (RFC 7627); irrelevant once the master secret is logged. */
  extendedMasterSecret: boolean;
  /** The client offered 0-RTT early data. */
  earlyDataOffered: boolean;
  client: TlsDirectionCounts;
  server: TlsDirectionCounts;
  alerts: TlsAlert[];
  problems: TlsProblem[];
}

/** A record as it completed on the wire, before decryption ({@link TlsStreamDecryptorOptions.onRecord}). */
export interface TlsWireRecord {
  direction: Direction;
  /** Index of the record in its direction (0 = first on the wire). */
  record: number;
  /** Byte offset of its header in its direction's TCP stream. */
  offset: number;
  /** Outer content type (23 for every TLS 1.3 protected record). */
  type: number;
  /** legacy_record_version, e.g. 0x0303. */
  version: number;
  /** The 5-byte header. A view, valid during the call. */
  header: Buffer;
  /** The body as on the wire. A view, valid during the call. */
  fragment: Buffer;
}

/**
 * How a record was dealt with:
 * - `plain`: sent in the clear (hellos, ChangeCipherSpec, TLS 1.2 handshake before its CCS);
 * - `decrypted`: authenticated and decrypted;
 * - `failed`: failed authentication;
 * - `skipped`: protected and not attempted (no keys, unsupported suite, 0-RTT, mid-session).
 */
export type TlsRecordOutcome = 'plain' | 'decrypted' | 'failed' | 'skipped';

/** A record once processed ({@link TlsStreamDecryptorOptions.onRecordDone}). */
export interface TlsRecordDone {
  direction: Direction;
  record: number;
  offset: number;
  /** Outer content type. */
  type: number;
  outcome: TlsRecordOutcome;
  /** The content type of `content` (TLS 1.3: TLSInnerPlaintext.type); undefined when there is no content. */
  contentType: number | undefined;
  /** The record's content in the clear or decrypted (padding removed); undefined for failed and skipped records. The receiver may keep it. */
  content: Buffer | undefined;
}
