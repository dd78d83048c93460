/**
 * One TLS connection seen from the outside, record by record: what each
 * reassembled chunk of either direction completed (record headers, the
 * handshake messages in them and, with keys, the plaintext and its inner
 * content type). A thin layer over {@link TlsStreamDecryptor}, which does all
 * the record splitting, hello parsing and decryption; this class only keeps
 * the per-chunk bookkeeping that the packet view and the stream consumer need.
 */
import type { TlsDecodeError } from '../../errors.js';
import { CONTENT_TYPE } from './record.js';
import { TlsStreamDecryptor, type TlsStreamDecryptorOptions } from './decrypt.js';
import type { Direction, TlsDataEvent, TlsRecordDone, TlsRecordOutcome, TlsStreamSummary, TlsWireRecord } from './types.js';

/** Client-to-server is 0, server-to-client is 1 (as TCP reassembly numbers them). */
export type TlsSide = 0 | 1;

/** One handshake message inside one record's content (RFC 8446 §4: msg_type(1) length(3) body). */
export interface TlsHandshakeView {
  type: number;
  /** The length the message header declares. */
  length: number;
  /** Offset of the message header in the record's content. */
  offset: number;
  /** The body, cut at the end of the record when `truncated`. */
  body: Buffer;
  /** The declared length runs past the end of the record. */
  truncated: boolean;
}

/** One record of the connection. */
export interface TlsRecordView {
  side: TlsSide;
  /** Index of the record in its direction. */
  index: number;
  /** Byte offset of its header in its direction's TCP stream. */
  offset: number;
  /** Record header: outer content type, legacy_record_version, length. */
  type: number;
  version: number;
  length: number;
  /** The body as on the wire (ciphertext when protected). */
  fragment: Buffer;
  /** Undefined while the record waits for the other direction's hello. */
  outcome: TlsRecordOutcome | undefined;
  /** Content type of `content` (TLS 1.3 protected records: the inner type); undefined without content. */
  contentType: number | undefined;
  /** Content in the clear or decrypted; undefined for failed, skipped and waiting records. */
  content: Buffer | undefined;
  /** The handshake messages of `content` when it is handshake content; empty otherwise. */
  handshakes: TlsHandshakeView[];
}

/** What one push() completed. Reused by the next push(): read it before pushing again. */
export interface TlsChunkReport {
  /** Records whose last byte was in this chunk, in order. */
  readonly records: TlsRecordView[];
  /** Records of earlier chunks (either direction) that were dealt with during this push (they waited for a hello). */
  readonly late: TlsRecordView[];
  /** Set when this chunk showed its direction is not (or no longer) TLS records; that direction then stops. */
  error: TlsDecodeError | undefined;
}

/** Options of {@link TlsConnection}: those of the decryptor, without its callbacks (the connection owns them). */
export type TlsConnectionOptions = Omit<TlsStreamDecryptorOptions, 'onRecord' | 'onRecordDone' | 'onStreamError' | 'onData'> & {
  /** Decrypted application data, as {@link TlsStreamDecryptorOptions.onData}. */
  onData?: (event: TlsDataEvent) => void;
};

/**
 * Splits one record's handshake content into messages. A message whose
 * declared length runs past the record is returned cut and marked `truncated`.
 */
export function splitHandshakes(content: Buffer): TlsHandshakeView[] {
  const out: TlsHandshakeView[] = [];
  let pos = 0;
  while (pos + 4 <= content.length) {
    const type = content[pos] as number;
    const length = content.readUIntBE(pos + 1, 3);
    const end = pos + 4 + length;
    const truncated = end > content.length;
    out.push({ type, length, offset: pos, body: content.subarray(pos + 4, truncated ? content.length : end), truncated });
    if (truncated) return out;
    pos = end;
  }
  if (pos < content.length) {
    // Fewer than 4 bytes left: a header cut by the end of the record.
    out.push({ type: content[pos] as number, length: 0, offset: pos, body: content.subarray(content.length), truncated: true });
  }
  return out;
}

const NO_HANDSHAKES: TlsHandshakeView[] = [];

function sideOf(direction: Direction): TlsSide {
  return direction === 'client' ? 0 : 1;
}

/**
 * A TLS connection fed its two reassembled directions.
 *
 * @example
 *   const c = new TlsConnection({ keyLog });
 *   const report = c.push(0, bytes);   // records this chunk completed
 *   for (const r of report.records) console.log(r.type, r.length, r.content);
 */
export class TlsConnection {
  readonly #decryptor: TlsStreamDecryptor;
  readonly #report: TlsChunkReport = { records: [], late: [], error: undefined };
  /** Per side: records seen on the wire and not yet dealt with, oldest first (the decryptor handles each direction in order). */
  readonly #waiting: [TlsRecordView[], TlsRecordView[]] = [[], []];
  #pushing = false;
  /** The records of report.records, for an O(1) "completed in this chunk?" (a chunk may hold thousands of tiny records). */
  readonly #inChunk = new Set<TlsRecordView>();

  /**
   * @param options key log and caps, as {@link TlsStreamDecryptor}
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when a cap is not a positive integer
   */
  constructor(options: TlsConnectionOptions = {}) {
    this.#decryptor = new TlsStreamDecryptor({
      ...options,
      onRecord: (event) => this.#onWire(event),
      onRecordDone: (event) => this.#onDone(event),
      onStreamError: (_direction, error) => {
        this.#report.error = error;
      },
    });
  }

  /** The decryptor underneath (its summary, version, hellos). */
  get decryptor(): TlsStreamDecryptor {
    return this.#decryptor;
  }

  /**
   * Feeds the next contiguous bytes of one direction. Never throws on bad input.
   * @returns what this chunk completed; valid until the next push()
   */
  push(side: TlsSide, data: Uint8Array): TlsChunkReport {
    const report = this.#report;
    report.records.length = 0;
    report.late.length = 0;
    report.error = undefined;
    this.#inChunk.clear();
    this.#pushing = true;
    try {
      this.#decryptor.push(side === 0 ? 'client' : 'server', data);
    } finally {
      this.#pushing = false;
      this.#inChunk.clear();
    }
    return report;
  }

  /** Ends both directions; see {@link TlsStreamDecryptor.finish}. */
  finish(): TlsStreamSummary {
    this.#waiting[0].length = 0;
    this.#waiting[1].length = 0;
    return this.#decryptor.finish();
  }

  #onWire(event: TlsWireRecord): void {
    const side = sideOf(event.direction);
    const view: TlsRecordView = {
      side,
      index: event.record,
      offset: event.offset,
      type: event.type,
      version: event.version,
      length: event.fragment.length,
      // The decryptor copied the pushed chunk, so the view stays valid.
      fragment: event.fragment,
      outcome: undefined,
      contentType: undefined,
      content: undefined,
      handshakes: NO_HANDSHAKES,
    };
    this.#waiting[side].push(view);
    if (this.#pushing) {
      this.#report.records.push(view);
      this.#inChunk.add(view);
    }
  }

  #onDone(event: TlsRecordDone): void {
    const waiting = this.#waiting[sideOf(event.direction)];
    // Records of a direction are dealt with in wire order, so this is the oldest waiting one.
    let view = waiting.shift();
    while (view !== undefined && view.index < event.record) view = waiting.shift();
    if (view === undefined || view.index !== event.record) return;
    view.outcome = event.outcome;
    view.contentType = event.contentType;
    view.content = event.content;
    if (event.content !== undefined && event.contentType === CONTENT_TYPE.handshake) view.handshakes = splitHandshakes(event.content);
    if (this.#pushing && !this.#inChunk.has(view)) this.#report.late.push(view);
  }
}
