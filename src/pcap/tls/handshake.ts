/**
 * Handshake messages: reassembly across records, and the two hellos that
 * tell a passive observer the version, the cipher suite and the randoms.
 *
 * Handshake framing (RFC 8446 §4, RFC 5246 §7.4):
 *
 *   struct {
 *     HandshakeType msg_type;   // 1 byte
 *     uint24 length;            // 3 bytes
 *     opaque body[length];      // may span several records, and a record
 *   } Handshake;                //   may carry several messages
 */
import { DEFAULTS } from '../../constants.js';
import { ERROR_CODES, TlsDecodeError } from '../../errors.js';
import { ByteQueue } from './byte-queue.js';
import { positiveInteger } from '../../util/validate.js';

/** Handshake message types netlab looks at (RFC 8446 §4). */
export const HANDSHAKE_TYPE = Object.freeze({
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
  keyUpdate: 24,
});

/** A whole handshake message. */
export interface HandshakeMessage {
  type: number;
  /** The body, or an empty buffer when the type was not wanted (skipped unbuffered). */
  body: Buffer;
  /** The length the header declared. */
  length: number;
}

/** Options of {@link HandshakeReassembler}. */
export interface HandshakeReassemblerOptions {
  /** Largest body buffered for a wanted type (default `DEFAULTS.tlsMaxHandshakeMessageBytes`). */
  maxMessageBytes?: number;
  /**
   * Which types to buffer. Others are reported with an empty body and their
   * bytes skipped as they arrive, so a large certificate chain costs no memory.
   */
  wanted: (type: number) => boolean;
  onMessage: (message: HandshakeMessage) => void;
  onError: (error: TlsDecodeError) => void;
}

const HEADER_BYTES = 4;
const enum State {
  Header,
  Body,
  Skip,
  Failed,
}

/** Reassembles handshake messages from the handshake-type record contents of one direction. */
export class HandshakeReassembler {
  readonly #queue = new ByteQueue();
  readonly #max: number;
  readonly #wanted: (type: number) => boolean;
  readonly #onMessage: (message: HandshakeMessage) => void;
  readonly #onError: (error: TlsDecodeError) => void;
  #state = State.Header;
  #type = 0;
  #length = 0;
  #left = 0;

  /**
   * @param options callbacks and the cap
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when maxMessageBytes is not a positive integer
   */
  constructor(options: HandshakeReassemblerOptions) {
    const max = options.maxMessageBytes ?? DEFAULTS.tlsMaxHandshakeMessageBytes;
    positiveInteger(max, 'options.maxMessageBytes');
    this.#max = max;
    this.#wanted = options.wanted;
    this.#onMessage = options.onMessage;
    this.#onError = options.onError;
  }

  /** True while a message has started but not ended (RFC 8446 §5.1: a key change must fall on a message boundary). */
  get midMessage(): boolean {
    return this.#state === State.Body || this.#state === State.Skip || this.#queue.length > 0;
  }

  /** True after a malformed or oversized message. */
  get failed(): boolean {
    return this.#state === State.Failed;
  }

  /** Feeds the content of one handshake record. Never throws on bad input. */
  push(content: Buffer): void {
    if (this.#state === State.Failed) return;
    this.#queue.push(content);
    let loop = true;
    while (loop) {
      switch (this.#state) {
        case State.Header:
          loop = this.#getHeader();
          break;
        case State.Body:
          loop = this.#getBody();
          break;
        case State.Skip:
          loop = this.#skip();
          break;
        default:
          loop = false;
      }
    }
  }

  #getHeader(): boolean {
    if (this.#queue.length < HEADER_BYTES) return false;
    const header = this.#queue.consume(HEADER_BYTES);
    this.#type = header[0] as number;
    this.#length = header.readUIntBE(1, 3);
    if (!this.#wanted(this.#type)) {
      this.#left = this.#length;
      this.#state = State.Skip;
      return true;
    }
    if (this.#length > this.#max) {
      this.#state = State.Failed;
      this.#queue.clear();
      this.#onError(
        new TlsDecodeError(
          ERROR_CODES.TLS_HANDSHAKE_TOO_LARGE,
          `a handshake message of type ${this.#type} declares ${this.#length} bytes, more than the ${this.#max}-byte limit`,
        ),
      );
      return false;
    }
    this.#state = State.Body;
    return true;
  }

  #getBody(): boolean {
    if (this.#queue.length < this.#length) return false;
    const body = Buffer.from(this.#queue.consume(this.#length));
    this.#state = State.Header;
    this.#onMessage({ type: this.#type, body, length: this.#length });
    return this.#state === State.Header;
  }

  #skip(): boolean {
    this.#left -= this.#queue.skip(this.#left);
    if (this.#left > 0) return false;
    this.#state = State.Header;
    this.#onMessage({ type: this.#type, body: Buffer.alloc(0), length: this.#length });
    return this.#state === State.Header;
  }

  /** Gives up on this direction's handshake. */
  stop(): void {
    this.#state = State.Failed;
    this.#queue.clear();
  }
}

/** TLS versions on the wire (RFC 8446 §4.2.1, RFC 5246 Appendix A.1). */
export const TLS_VERSION = Object.freeze({ ssl3: 0x0300, tls10: 0x0301, tls11: 0x0302, tls12: 0x0303, tls13: 0x0304 });

/** Extension code points netlab reads (IANA TLS ExtensionType registry). */
export const EXTENSION = Object.freeze({
  extendedMasterSecret: 23,
  earlyData: 42,
  supportedVersions: 43,
});

/**
 * RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is
 * SHA-256("HelloRetryRequest").
 */
export const HELLO_RETRY_REQUEST_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** What a ClientHello tells an observer. */
export interface ClientHello {
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuites: number[];
  /** supported_versions (RFC 8446 §4.2.1), empty when absent. */
  supportedVersions: number[];
  extendedMasterSecret: boolean;
  /** early_data offered: 0-RTT records may follow (RFC 8446 §4.2.10). */
  earlyData: boolean;
}

/** What a ServerHello (or HelloRetryRequest) tells an observer. */
export interface ServerHello {
  legacyVersion: number;
  random: Buffer;
  cipherSuite: number;
  /** The negotiated version: supported_versions.selected_version if present, else legacy_version. */
  version: number;
  extendedMasterSecret: boolean;
  helloRetryRequest: boolean;
}

/** A bounds-checked reader over a message body; any overrun is a TlsDecodeError. */
class Reader {
  readonly #buf: Buffer;
  #pos = 0;
  readonly #what: string;

  constructor(buf: Buffer, what: string) {
    this.#buf = buf;
    this.#what = what;
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  bytes(n: number): Buffer {
    if (n > this.remaining) throw new TlsDecodeError(ERROR_CODES.TLS_HANDSHAKE_MALFORMED, `${this.#what} is truncated`);
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  u8(): number {
    return this.bytes(1)[0] as number;
  }

  u16(): number {
    return this.bytes(2).readUInt16BE(0);
  }

  /** opaque vector<0..2^8-1> or <0..2^16-1>. */
  vector(lengthBytes: 1 | 2): Buffer {
    return this.bytes(lengthBytes === 1 ? this.u8() : this.u16());
  }
}

/** Walks an extensions block: `struct { uint16 type; opaque data<0..2^16-1>; } Extension`. */
function readExtensions(r: Reader, what: string, visit: (type: number, data: Buffer) => void): void {
  // RFC 5246 §7.4.1.2: extensions may be absent entirely in TLS 1.2 and older.
  if (r.remaining === 0) return;
  const block = new Reader(r.vector(2), `${what} extensions`);
  while (block.remaining > 0) {
    const type = block.u16();
    visit(type, block.vector(2));
  }
}

/**
 * Parses a ClientHello body (RFC 8446 §4.1.2):
 *   legacy_version(2) random(32) legacy_session_id<0..32>
 *   cipher_suites<2..2^16-2> legacy_compression_methods<1..2^8-1>
 *   extensions<8..2^16-1>
 * @throws TlsDecodeError (NETLAB_ERR_TLS_HANDSHAKE_MALFORMED) when the body does not fit that layout
 */
export function parseClientHello(body: Buffer): ClientHello {
  const r = new Reader(body, 'ClientHello');
  const legacyVersion = r.u16();
  const random = Buffer.from(r.bytes(32));
  const sessionId = Buffer.from(r.vector(1));
  const suites = r.vector(2);
  if (suites.length % 2 !== 0) throw new TlsDecodeError(ERROR_CODES.TLS_HANDSHAKE_MALFORMED, 'ClientHello cipher_suites has an odd length');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push(suites.readUInt16BE(i));
  r.vector(1); // compression methods
  const hello: ClientHello = { legacyVersion, random, sessionId, cipherSuites, supportedVersions: [], extendedMasterSecret: false, earlyData: false };
  readExtensions(r, 'ClientHello', (type, data) => {
    if (type === EXTENSION.supportedVersions) {
      const list = new Reader(data, 'ClientHello supported_versions');
      const versions = list.vector(1);
      for (let i = 0; i + 1 < versions.length; i += 2) hello.supportedVersions.push(versions.readUInt16BE(i));
    } else if (type === EXTENSION.extendedMasterSecret) {
      hello.extendedMasterSecret = true;
    } else if (type === EXTENSION.earlyData) {
      hello.earlyData = true;
    }
  });
  return hello;
}

/**
 * Parses a ServerHello body (RFC 8446 §4.1.3):
 *   legacy_version(2) random(32) legacy_session_id_echo<0..32>
 *   cipher_suite(2) legacy_compression_method(1) extensions<6..2^16-1>
 * @throws TlsDecodeError (NETLAB_ERR_TLS_HANDSHAKE_MALFORMED) when the body does not fit that layout
 */
export function parseServerHello(body: Buffer): ServerHello {
  const r = new Reader(body, 'ServerHello');
  const legacyVersion = r.u16();
  const random = Buffer.from(r.bytes(32));
  r.vector(1); // session id echo
  const cipherSuite = r.u16();
  r.u8(); // compression method
  const hello: ServerHello = {
    legacyVersion,
    random,
    cipherSuite,
    version: legacyVersion,
    extendedMasterSecret: false,
    helloRetryRequest: random.equals(HELLO_RETRY_REQUEST_RANDOM),
  };
  readExtensions(r, 'ServerHello', (type, data) => {
    if (type === EXTENSION.supportedVersions) {
      // RFC 8446 §4.2.1: in a ServerHello it is a single selected_version.
      if (data.length !== 2) throw new TlsDecodeError(ERROR_CODES.TLS_HANDSHAKE_MALFORMED, 'ServerHello supported_versions is not 2 bytes');
      hello.version = data.readUInt16BE(0);
    } else if (type === EXTENSION.extendedMasterSecret) {
      hello.extendedMasterSecret = true;
    }
  });
  return hello;
}

/** A human name for a version number ("TLS 1.3", "SSL 3.0", "0x7f1c"). */
export function versionName(version: number): string {
  switch (version) {
    case TLS_VERSION.ssl3:
      return 'SSL 3.0';
    case TLS_VERSION.tls10:
      return 'TLS 1.0';
    case TLS_VERSION.tls11:
      return 'TLS 1.1';
    case TLS_VERSION.tls12:
      return 'TLS 1.2';
    case TLS_VERSION.tls13:
      return 'TLS 1.3';
    default:
      return `0x${version.toString(16).padStart(4, '0')}`;
  }
}
