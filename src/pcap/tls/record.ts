/**
 * The TLS record layer as a sans-IO state machine: bytes of one direction of
 * a TCP stream go in through push(), whole records come out through a
 * callback. No sockets, no timers; the same decoder runs over a reassembled
 * capture, a socket, or a test feeding one byte at a time.
 *
 * Wire layout (RFC 8446 §5.1, RFC 5246 §6.2.1):
 *
 *   struct {
 *     ContentType type;                    // 1 byte: 20..24
 *     ProtocolVersion legacy_record_version; // 2 bytes: 0x0300..0x0304
 *     uint16 length;                       // capped, see below
 *     opaque fragment[TLSPlaintext.length];
 *   } TLSPlaintext / TLSCiphertext;
 */
import { DEFAULTS } from '../../constants.js';
import { ERROR_CODES, TlsDecodeError } from '../../errors.js';
import { ByteQueue } from './byte-queue.js';
import { positiveInteger } from '../../util/validate.js';

/** Record content types (RFC 8446 §5.1 ContentType, RFC 6520 heartbeat). */
export const CONTENT_TYPE = Object.freeze({
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  heartbeat: 24,
});

/** One record as it crossed the wire. */
export interface TlsRecord {
  /** Outer content type (for TLS 1.3 ciphertext always 23). */
  type: number;
  /** legacy_record_version, e.g. 0x0303. */
  version: number;
  /** The record body: plaintext or ciphertext. A view; copy it to keep it. */
  fragment: Buffer;
  /** The 5-byte header (TLS 1.3 uses it as AEAD additional data). A view. */
  header: Buffer;
  /** Offset of the header in this direction's byte stream. */
  offset: number;
}

/** Options of {@link TlsRecordDecoder}. */
export interface TlsRecordDecoderOptions {
  /**
   * Largest record body accepted, in bytes (default
   * `DEFAULTS.tlsMaxRecordBytes` = 2^14 + 2048, the TLS 1.2 ciphertext limit
   * of RFC 5246 §6.2.3). Can be lowered later with {@link TlsRecordDecoder.maxRecordBytes}.
   */
  maxRecordBytes?: number;
  /** Called for each whole record, in order. */
  onRecord: (record: TlsRecord) => void;
  /** Called once when the stream cannot be TLS records; the decoder then ignores further bytes. */
  onError: (error: TlsDecodeError) => void;
}

const HEADER_BYTES = 5;
const enum State {
  Header,
  Body,
  Failed,
}

/** Splits one direction's bytes into TLS records. */
export class TlsRecordDecoder {
  readonly #queue = new ByteQueue();
  readonly #onRecord: (record: TlsRecord) => void;
  readonly #onError: (error: TlsDecodeError) => void;
  #maxRecordBytes: number;
  #state = State.Header;
  #header: Buffer = Buffer.alloc(0);
  #bodyLength = 0;
  /** Stream offset of the next unconsumed byte. */
  #offset = 0;
  #records = 0;

  /**
   * @param options callbacks and caps
   * @throws RangeError when maxRecordBytes is not a positive integer
   */
  constructor(options: TlsRecordDecoderOptions) {
    this.#maxRecordBytes = checkMax(options.maxRecordBytes ?? DEFAULTS.tlsMaxRecordBytes);
    this.#onRecord = options.onRecord;
    this.#onError = options.onError;
  }

  /** The current cap on a record body, in bytes. */
  get maxRecordBytes(): number {
    return this.#maxRecordBytes;
  }

  /** Tightens (or loosens) the cap once the version is known, e.g. 2^14 + 256 for TLS 1.3. */
  set maxRecordBytes(value: number) {
    this.#maxRecordBytes = checkMax(value);
  }

  /** Records decoded so far. */
  get records(): number {
    return this.#records;
  }

  /** Bytes held waiting for the rest of a record (at most one record). */
  get bufferedBytes(): number {
    return this.#queue.length;
  }

  /** True while part of a record (header or body) has arrived and the rest has not. */
  get midRecord(): boolean {
    return this.#state === State.Body || (this.#state === State.Header && this.#queue.length > 0);
  }

  /** True once the stream was found not to be TLS records. */
  get failed(): boolean {
    return this.#state === State.Failed;
  }

  /**
   * Feeds bytes. Never throws on bad input: that goes to `onError` once.
   * The chunk is kept by reference until consumed; do not reuse its memory.
   */
  push(chunk: Uint8Array): void {
    if (this.#state === State.Failed) return;
    this.#queue.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    let loop = true;
    while (loop) {
      switch (this.#state) {
        case State.Header:
          loop = this.#getHeader();
          break;
        case State.Body:
          loop = this.#getBody();
          break;
        default:
          loop = false;
      }
    }
  }

  #getHeader(): boolean {
    if (this.#queue.length < HEADER_BYTES) return false;
    const header = this.#queue.consume(HEADER_BYTES);
    const type = header[0] as number;
    const major = header[1] as number;
    const minor = header[2] as number;
    const length = header.readUInt16BE(3);
    // RFC 8446 §5: "If a TLS implementation receives an unexpected record
    // type, it MUST terminate the connection with an unexpected_message alert."
    if (type < CONTENT_TYPE.changeCipherSpec || type > CONTENT_TYPE.heartbeat || major !== 3 || minor > 4) {
      return this.#fail(
        ERROR_CODES.TLS_RECORD_MALFORMED,
        `bytes at offset ${this.#offset} are not a TLS record header (type ${type}, version ${major}.${minor})`,
      );
    }
    // RFC 8446 §5.2: "The length MUST NOT exceed 2^14 + 256 bytes. An endpoint
    // that receives a record that exceeds this length MUST terminate the
    // connection with a "record_overflow" alert." Checked before waiting for
    // the body, so a bogus length costs no memory.
    if (length > this.#maxRecordBytes) {
      return this.#fail(
        ERROR_CODES.TLS_RECORD_TOO_LARGE,
        `TLS record at offset ${this.#offset} declares ${length} bytes, more than the ${this.#maxRecordBytes}-byte limit (record_overflow)`,
      );
    }
    this.#header = Buffer.from(header);
    this.#bodyLength = length;
    this.#state = State.Body;
    return true;
  }

  #getBody(): boolean {
    if (this.#queue.length < this.#bodyLength) return false;
    const fragment = this.#queue.consume(this.#bodyLength);
    const header = this.#header;
    const offset = this.#offset;
    this.#offset += HEADER_BYTES + this.#bodyLength;
    this.#state = State.Header;
    this.#records++;
    this.#onRecord({ type: header[0] as number, version: header.readUInt16BE(1), fragment, header, offset });
    return this.#state === State.Header;
  }

  #fail(code: typeof ERROR_CODES.TLS_RECORD_MALFORMED | typeof ERROR_CODES.TLS_RECORD_TOO_LARGE, message: string): boolean {
    this.#state = State.Failed;
    this.#queue.clear();
    this.#onError(new TlsDecodeError(code, message));
    return false;
  }

  /** Stops decoding (the owner gave up on this direction); later bytes are dropped. */
  stop(): void {
    this.#state = State.Failed;
    this.#queue.clear();
  }
}

function checkMax(value: number): number {
  return positiveInteger(value, 'options.maxRecordBytes');
}
