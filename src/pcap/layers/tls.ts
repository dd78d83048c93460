/**
 * TLS in the packet view: the AppProtocol row (detected by a record header
 * at the start of a direction, on any port) and its per-connection
 * StreamDissector. Records are reassembled across segments and reported on
 * the segment that completes them, as tshark does; the records a segment
 * completes make one "Transport Layer Security" layer (two when it finishes
 * a record begun earlier and goes on, as tshark -V shows), whose Info and
 * Protocol column are tshark's ("Server Hello, Change Cipher Spec,
 * Application Data", "TLSv1.3").
 *
 * The record splitting, hello parsing and decryption are the ones `pcap
 * follow` uses ({@link TlsConnection} over TlsStreamDecryptor); this module
 * only turns what each chunk completed into tree lines. With a key log the
 * decrypted records are returned too ({@link TlsLayer.decrypted}) so the
 * caller can dissect HTTP inside TLS and dump the plaintext with `-x`.
 */
import { ERROR_CODES } from '../../errors.js';
import { TlsConnection, type TlsChunkReport, type TlsHandshakeView, type TlsRecordView } from '../tls/connection.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../tls/handshake.js';
import type { KeyLog } from '../tls/keylog.js';
import type { AppContext, AppProtocol, StreamDissector, StreamSide } from './app-protocol.js';
import type { FieldKind } from '../view/field.js';
import type { ProtoField, ProtoLayer } from './tree.js';
import { clientHelloTree, serverHelloTree } from './tls-hello.js';
import {
  alertDescriptionName,
  alertLevelName,
  contentTypeName,
  handshakeTypeName,
  protocolName,
  versionLabel,
} from './tls-names.js';

/** A record the key log decrypted, for the caller to dissect (HTTP inside TLS) or dump (`-x`). */
export interface TlsDecryptedRecord {
  side: StreamSide;
  /** Index of the record in its direction. */
  record: number;
  /** Byte offset of the record's header in its direction's TCP stream. */
  offset: number;
  /** The inner content type: 23 for application data, 22 handshake, 21 alert. */
  contentType: number;
  /** The plaintext (padding removed); the caller may keep it. */
  data: Buffer;
}

/**
 * A layer a TLS stream dissector returns: a ProtoLayer plus the plaintext of
 * the records it decrypted. One push gives one layer per Wireshark section
 * (two when a segment finishes a record begun earlier and goes on); `info`
 * and `protocol` are the frame's columns, the same on each.
 */
export interface TlsLayer extends ProtoLayer {
  /**
   * Records decrypted during this push, in order: those completed by this
   * segment, then any earlier ones that waited for the other direction's hello.
   */
  decrypted: TlsDecryptedRecord[];
}

/** Options of {@link createTlsStreamDissector}. */
export interface TlsDissectorOptions {
  /** Secrets (NSS key log); without it protected records show as tshark shows them without keys. */
  keyLog?: KeyLog;
}

/** A TLS StreamDissector: its push() returns {@link TlsLayer}s. */
export interface TlsStreamDissector extends StreamDissector {
  push(side: StreamSide, data: Uint8Array): TlsLayer[];
}

/** TLS record layer limits (RFC 5246 §6.2.3: ciphertext at most 2^14 + 2048 bytes). */
const MAX_RECORD_LENGTH = 2 ** 14 + 2048;
const TLS13 = 0x0304;
/** Bytes shown of a long value before "…", as Wireshark's tree does. */
const SHOWN_BYTES = 36;
const TITLE = 'Transport Layer Security';
const NONE: TlsLayer[] = [];

/**
 * Whether these are the first bytes of a TLS direction: a record header
 * with content type 20-23, version 0x0300-0x0304 and a length the record
 * layer allows (RFC 8446 §5.1, RFC 5246 §6.2.1).
 */
export function detectTls(first: Uint8Array): boolean {
  if (first.length < 5) return false;
  const type = first[0] as number;
  const length = ((first[3] as number) << 8) | (first[4] as number);
  return type >= 20 && type <= 23 && first[1] === 3 && (first[2] as number) <= 4 && length > 0 && length <= MAX_RECORD_LENGTH;
}

/**
 * A dissector for one TCP connection's TLS.
 * @param _context ports and transport of the connection (TLS is recognised by content, so unused)
 * @param options the key log, when the caller has one
 */
export function createTlsStreamDissector(_context: AppContext, options: TlsDissectorOptions = {}): TlsStreamDissector {
  return new TlsDissector(options);
}

/**
 * The TLS row of the application-layer table. The packet view builds one
 * with its key log; {@link TLS_PROTOCOL} is the row without one.
 */
export function tlsAppProtocol(options: TlsDissectorOptions = {}): AppProtocol {
  return {
    name: 'tls',
    detect: (first: Uint8Array): boolean => detectTls(first),
    stream: (context: AppContext): TlsStreamDissector => createTlsStreamDissector(context, options),
  };
}

/** The TLS row without a key log. */
export const TLS_PROTOCOL: AppProtocol = tlsAppProtocol();

/** The filterable TLS fields and how tshark prints them (for the field catalog). */
export const TLS_FIELDS: readonly { name: string; kind: FieldKind; hexDigits?: number }[] = Object.freeze([
  { name: 'tls', kind: 'protocol' },
  { name: 'tls.record.content_type', kind: 'uint' },
  { name: 'tls.record.opaque_type', kind: 'uint' },
  { name: 'tls.record.version', kind: 'uint', hexDigits: 4 },
  { name: 'tls.record.length', kind: 'uint' },
  { name: 'tls.handshake.type', kind: 'uint' },
  { name: 'tls.handshake.length', kind: 'uint' },
  { name: 'tls.handshake.version', kind: 'uint', hexDigits: 4 },
  { name: 'tls.handshake.random', kind: 'bytes' },
  { name: 'tls.handshake.session_id', kind: 'bytes' },
  { name: 'tls.handshake.ciphersuite', kind: 'uint', hexDigits: 4 },
  { name: 'tls.handshake.extension.type', kind: 'uint' },
  { name: 'tls.handshake.extensions_server_name', kind: 'string' },
  { name: 'tls.handshake.extensions.supported_version', kind: 'uint', hexDigits: 4 },
  { name: 'tls.alert_message.level', kind: 'uint' },
  { name: 'tls.alert_message.desc', kind: 'uint' },
  { name: 'tls.app_data', kind: 'bytes' },
]);

function line(name: string, label: string, value?: number | string | Uint8Array, children?: ProtoField[]): ProtoField {
  const f: ProtoField = { name, label };
  if (value !== undefined) f.value = value;
  if (children !== undefined) f.children = children;
  return f;
}

function shownHex(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.length > SHOWN_BYTES ? `${b.toString('hex', 0, SHOWN_BYTES)}…` : b.toString('hex');
}

/** What one record adds: its subtree, its Info parts, why it is malformed. */
interface RecordOut {
  info: string[];
  malformed: string | undefined;
}

class TlsDissector implements TlsStreamDissector {
  readonly #connection: TlsConnection;
  /** The session version as Wireshark tracks it: set by the ServerHello (supported_versions in TLS 1.3). */
  #version: number | undefined;
  /** Per side: the record layer stopped (malformed); later bytes of that side give no layer. */
  readonly #stopped: [boolean, boolean] = [false, false];
  readonly #recordsSeen: [number, number] = [0, 0];

  constructor(options: TlsDissectorOptions) {
    this.#connection = new TlsConnection({ keyLog: options.keyLog });
  }

  push(side: StreamSide, data: Uint8Array): TlsLayer[] {
    if (this.#stopped[side] || data.length === 0) return NONE;
    const direction = side === 0 ? 'client' : 'server';
    const atBoundary = !this.#connection.decryptor.midRecord(direction);
    const report = this.#connection.push(side, data);
    if (report.records.length === 0 && report.late.length === 0 && report.error === undefined) {
      // A segment that starts a record it does not finish: tshark hands it to
      // TLS, which adds its (empty) tree and asks TCP for more, so the frame
      // matches `tls` and its Info is TCP's reassembly note. Segments that
      // continue a record are not given to TLS at all.
      return atBoundary && this.#connection.decryptor.midRecord(direction) ? [startedLayer()] : NONE;
    }
    return this.#layer(side, report, atBoundary, this.#connection.decryptor.midRecord(direction));
  }

  pending(side: StreamSide): boolean {
    return !this.#stopped[side] && this.#connection.decryptor.midRecord(side === 0 ? 'client' : 'server');
  }

  end(_side: StreamSide): ProtoLayer[] {
    // TLS has no PDU delimited by the close: a record cut by it stays unreported, as in tshark.
    return NONE;
  }

  /**
   * The layers of one segment, one per Wireshark "Transport Layer Security"
   * section: when the segment finishes a record begun in an earlier one,
   * that reassembled record is a section of its own, and what follows it (the
   * records this segment holds whole, and a record it only begins) is a
   * second one, as tshark -V prints them.
   */
  #layer(side: StreamSide, report: TlsChunkReport, atBoundary: boolean, endsMidRecord: boolean): TlsLayer[] {
    const out: RecordOut = { info: [], malformed: undefined };
    const records = report.records;
    const split = !atBoundary && records.length > 0 && (records.length > 1 || endsMidRecord);
    const first = this.#section(records, 0, split ? 1 : records.length, out);
    const layers = [first];
    if (split) layers.push(this.#section(records, 1, records.length, out));
    const last = layers[layers.length - 1]!;
    for (const record of report.late) if (record.outcome === 'decrypted') last.decrypted.push(decryptedOf(record));
    this.#recordsSeen[side] += records.length;
    const error = report.error;
    if (error !== undefined) {
      this.#stopped[side] = true;
      // A direction whose first bytes are no record header is not TLS at all: no layer, as tshark shows plain TCP data.
      if (error.code === ERROR_CODES.TLS_RECORD_MALFORMED && this.#recordsSeen[side] === 0) return NONE;
      out.malformed ??= error.message;
      if (out.info.length === 0) out.info.push('Ignored Unknown Record');
    }
    if (records.length === 0 && last.decrypted.length === 0 && out.malformed === undefined) return NONE;
    // The columns are the frame's: the same on each section.
    const lastRecord = records[records.length - 1];
    const version = this.#version ?? lastRecord?.version;
    const protocol = version === undefined ? 'TLS' : protocolName(version);
    const info = out.info.join(', ');
    for (const layer of layers) {
      layer.protocol = protocol;
      layer.info = info;
    }
    if (out.malformed !== undefined) last.malformed = out.malformed;
    return layers;
  }

  /** One section holding records[from..to). */
  #section(records: TlsRecordView[], from: number, to: number, out: RecordOut): TlsLayer {
    const fields: ProtoField[] = [];
    const decrypted: TlsDecryptedRecord[] = [];
    for (let i = from; i < to; i++) {
      const record = records[i]!;
      fields.push(this.#record(record, out));
      if (record.outcome === 'decrypted') decrypted.push(decryptedOf(record));
    }
    return { name: 'tls', title: TITLE, protocol: '', info: '', fields, decrypted };
  }

  /** One "TLSv1.2 Record Layer: ..." subtree. */
  #record(record: TlsRecordView, out: RecordOut): ProtoField {
    const prefix = protocolName(this.#version ?? record.version);
    const tls13 = this.#version === TLS13;
    const children: ProtoField[] = [];
    if (tls13 && record.type === 23) {
      // RFC 8446 §5.2: TLSCiphertext.opaque_type is always application_data; the real type is inside.
      children.push(line('tls.record.opaque_type', `Opaque Type: ${contentTypeName(record.type)} (${record.type})`, record.type));
    } else {
      children.push(line('tls.record.content_type', `Content Type: ${contentTypeName(record.type)} (${record.type})`, record.type));
    }
    children.push(line('tls.record.version', `Version: ${versionLabel(record.version)}`, record.version));
    children.push(line('tls.record.length', `Length: ${record.length}`, record.length));
    const content = record.content;
    let type = record.type;
    if (record.outcome === 'decrypted' && record.contentType !== undefined && tls13) {
      type = record.contentType;
      children.push(line('tls.record.content_type', `[Content Type: ${contentTypeName(type)} (${type})]`, type));
    }
    let title: string;
    switch (type) {
      case 20:
        children.push(line('tls.change_cipher_spec', 'Change Cipher Spec Message'));
        title = 'Change Cipher Spec Protocol: Change Cipher Spec';
        out.info.push('Change Cipher Spec');
        break;
      case 21:
        // An alert is 2 bytes in the clear; a protected one carries at least
        // an AEAD tag (RFC 8446 §5.2), so 2 bytes are plaintext even where the
        // decryptor did not look (a capture that starts with an alert).
        title = this.#alert(content ?? (record.fragment.length === 2 && record.outcome !== 'failed' ? record.fragment : undefined), children, out);
        break;
      case 22:
        title = this.#handshake(record, content, children, out);
        break;
      case 23:
        children.push(line('tls.app_data', `Encrypted Application Data: ${shownHex(record.fragment)}`, record.fragment));
        title = 'Application Data Protocol: Application Data';
        out.info.push('Application Data');
        break;
      default:
        title = `${contentTypeName(type)} Protocol`;
        out.info.push(contentTypeName(type));
    }
    return line('tls.record', `${prefix} Record Layer: ${title}`, undefined, children);
  }

  #alert(content: Buffer | undefined, children: ProtoField[], out: RecordOut): string {
    // RFC 8446 §6: struct { AlertLevel level; AlertDescription description; } Alert;
    if (content === undefined || content.length !== 2) {
      children.push(line('tls.alert_message', 'Alert Message: Encrypted Alert'));
      out.info.push('Encrypted Alert');
      return 'Encrypted Alert';
    }
    const level = content[0] as number;
    const description = content[1] as number;
    const words = `Alert (Level: ${alertLevelName(level)}, Description: ${alertDescriptionName(description)})`;
    children.push(
      line('tls.alert_message', 'Alert Message', undefined, [
        line('tls.alert_message.level', `Level: ${alertLevelName(level)} (${level})`, level),
        line('tls.alert_message.desc', `Description: ${alertDescriptionName(description)} (${description})`, description),
      ]),
    );
    out.info.push(words);
    return words;
  }

  #handshake(record: TlsRecordView, content: Buffer | undefined, children: ProtoField[], out: RecordOut): string {
    if (content === undefined) {
      // Protected (TLS 1.2 after ChangeCipherSpec) and not decrypted.
      children.push(line('tls.handshake', 'Handshake Protocol: Encrypted Handshake Message'));
      out.info.push('Encrypted Handshake Message');
      return 'Handshake Protocol: Encrypted Handshake Message';
    }
    let single = '';
    for (const message of record.handshakes) {
      const name = this.#message(message, children, out);
      single = single === '' ? name : 'Multiple Handshake Messages';
    }
    return `Handshake Protocol: ${single === '' ? 'Encrypted Handshake Message' : single}`;
  }

  /** One "Handshake Protocol: X" subtree; returns X. */
  #message(message: TlsHandshakeView, children: ProtoField[], out: RecordOut): string {
    const lines: ProtoField[] = [
      line('tls.handshake.type', `Handshake Type: ${handshakeTypeName(message.type)} (${message.type})`, message.type),
      line('tls.handshake.length', `Length: ${message.length}`, message.length),
    ];
    let name = handshakeTypeName(message.type);
    if (message.truncated) {
      // A message longer than its record: RFC 8446 §5.1 allows fragmenting
      // handshake messages, but a message claiming more than the record
      // holds is where Wireshark reports the record as malformed.
      out.malformed ??= `handshake message ${name} declares ${message.length} bytes, more than its record holds`;
    } else if (message.type === 1) {
      const hello = clientHelloTree(message.body);
      lines.push(...hello.fields);
      if (hello.malformed !== undefined) out.malformed ??= hello.malformed;
    } else if (message.type === 2) {
      const hello = serverHelloTree(message.body);
      lines.push(...hello.fields);
      if (hello.malformed !== undefined) out.malformed ??= hello.malformed;
      if (message.body.length >= 34 && HELLO_RETRY_REQUEST_RANDOM.equals(message.body.subarray(2, 34))) name = 'Hello Retry Request';
      if (hello.version !== undefined) this.#version = hello.version;
    }
    children.push(line('tls.handshake', `Handshake Protocol: ${name}`, undefined, lines));
    out.info.push(name);
    return name;
  }
}

/** The layer of a segment that only starts a record (see push()). */
function startedLayer(): TlsLayer {
  return { name: 'tls', title: TITLE, protocol: 'TCP', info: '[TCP segment of a reassembled PDU]', fields: [], decrypted: [] };
}

function decryptedOf(record: TlsRecordView): TlsDecryptedRecord {
  return { side: record.side, record: record.index, offset: record.offset, contentType: record.contentType ?? record.type, data: record.content ?? Buffer.alloc(0) };
}
