/**
 * Decrypting one captured TLS connection from its two reassembled TCP byte
 * streams and an NSS key log. Sans-IO: bytes go in through pushClient() and
 * pushServer() as reassembly makes them contiguous, decrypted application
 * data comes out through `onData`, and finish() returns a summary that says
 * in plain words what could not be decrypted and why.
 *
 * The two directions depend on each other: the client's encrypted records
 * need the suite from the ServerHello, the server's need the client random
 * from the ClientHello. A record that arrives before what it needs waits in
 * a per-direction queue capped by `maxPendingBytes`.
 *
 * Never a wrong plaintext: every record is authenticated by its AEAD before
 * anything is emitted, and anything netlab does not handle (CBC suites, TLS
 * 1.1 and older, 0-RTT early data, missing keys) is counted and reported,
 * not guessed.
 */
import { DEFAULTS } from '../../constants.js';
import { ERROR_CODES, NetlabError, TlsDecodeError, type ErrorCode } from '../../errors.js';
import type { KeyLog, TlsSecrets } from './keylog.js';
import { CONTENT_TYPE, TlsRecordDecoder, type TlsRecord } from './record.js';
import {
  HANDSHAKE_TYPE,
  HandshakeReassembler,
  TLS_VERSION,
  parseClientHello,
  parseServerHello,
  versionName,
  type ClientHello,
  type HandshakeMessage,
  type ServerHello,
} from './handshake.js';
import { cipherSuiteName, supportedSuite, type SupportedSuite } from './suites.js';
import { nextTrafficSecret, tls12KeyBlock, tls13TrafficKeys } from './key-schedule.js';
import { Tls12RecordOpener, Tls13RecordOpener, type RecordOpener } from './record-protection.js';
import { alertName } from './alerts.js';
import type {
  Direction,
  TlsAlert,
  TlsDataEvent,
  TlsDirectionCounts,
  TlsProblem,
  TlsRecordDone,
  TlsRecordOutcome,
  TlsStreamStatus,
  TlsStreamSummary,
  TlsWireRecord,
} from './types.js';
import { positiveInteger } from '../../util/validate.js';

export type {
  Direction,
  TlsAlert,
  TlsDataEvent,
  TlsDirectionCounts,
  TlsProblem,
  TlsRecordDone,
  TlsRecordOutcome,
  TlsStreamStatus,
  TlsStreamSummary,
  TlsWireRecord,
} from './types.js';

/** Options of {@link TlsStreamDecryptor}. */
export interface TlsStreamDecryptorOptions {
  /** Secrets, from {@link parseKeyLog}. Without it every protected record is reported as "no keys". */
  keyLog?: KeyLog;
  /** Called for each decrypted application-data record, in order within its direction. */
  onData?: (event: TlsDataEvent) => void;
  /**
   * Called for each record as it completes on the wire, in order within its
   * direction and before anything is decrypted (the packet view reports a
   * record on the segment that completes it). The event is valid only during the call.
   */
  onRecord?: (event: TlsWireRecord) => void;
  /**
   * Called once each record has been dealt with: its content in the clear or
   * decrypted, or why there is none. Usually during the same push() as
   * onRecord; a record that waited for the other direction's hello comes later.
   */
  onRecordDone?: (event: TlsRecordDone) => void;
  /** Called once when a direction stops being TLS records (a malformed header, an oversized record). */
  onStreamError?: (direction: Direction, error: TlsDecodeError) => void;
  /** Record body cap before the version is known (default `DEFAULTS.tlsMaxRecordBytes`); TLS 1.3 lowers it to 2^14 + 256. */
  maxRecordBytes?: number;
  /** Cap on a buffered handshake message (default `DEFAULTS.tlsMaxHandshakeMessageBytes`). */
  maxHandshakeMessageBytes?: number;
  /** Ciphertext bytes one direction may hold waiting for the other's hello (default `DEFAULTS.tlsMaxPendingBytes`). */
  maxPendingBytes?: number;
}

/** A record with its index in its direction. */
interface QueuedRecord extends TlsRecord {
  index: number;
}

type Phase = 'plain' | 'handshake' | 'application';

interface Side {
  readonly name: Direction;
  readonly decoder: TlsRecordDecoder;
  readonly handshake: HandshakeReassembler;
  readonly pending: QueuedRecord[];
  pendingBytes: number;
  sawChangeCipherSpec: boolean;
  phase: Phase;
  opener: RecordOpener | undefined;
  /** TLS 1.3: the current traffic secret, for KeyUpdate. */
  secret: Buffer | undefined;
  /** Index and stream offset of the record being processed. */
  recordIndex: number;
  recordOffset: number;
  firstRecordSeen: boolean;
  midSession: boolean;
  gaveUp: boolean;
  bytes: number;
  readonly counts: TlsDirectionCounts;
}

/** Bytes charged per waiting record besides its body (header and bookkeeping). */
const PENDING_RECORD_OVERHEAD = 64;

const enum Step {
  Done,
  Wait,
}

/** Handshake messages whose bodies are needed; the rest are skipped unbuffered. */
function wantedHandshake(type: number): boolean {
  return type === HANDSHAKE_TYPE.clientHello || type === HANDSHAKE_TYPE.serverHello || type === HANDSHAKE_TYPE.finished || type === HANDSHAKE_TYPE.keyUpdate;
}

/**
 * Decrypts one TLS connection seen from the outside.
 *
 * @example
 *   const d = new TlsStreamDecryptor({ keyLog: parseKeyLog(text), onData: (e) => print(e.direction, e.data) });
 *   d.pushClient(bytesFromClient); d.pushServer(bytesFromServer); // any chunking, any interleaving
 *   const summary = d.finish();
 */
export class TlsStreamDecryptor {
  readonly #keyLog: KeyLog | undefined;
  readonly #onData: ((event: TlsDataEvent) => void) | undefined;
  readonly #onWire: ((event: TlsWireRecord) => void) | undefined;
  readonly #onDone: ((event: TlsRecordDone) => void) | undefined;
  readonly #onStreamError: ((direction: Direction, error: TlsDecodeError) => void) | undefined;
  /** How the record being processed ended, for onRecordDone (set by #processRecord). */
  #outcome: TlsRecordOutcome = 'plain';
  #contentType: number | undefined;
  #content: Buffer | undefined;
  readonly #maxPendingBytes: number;
  readonly #client: Side;
  readonly #server: Side;
  readonly #problems: TlsProblem[] = [];
  readonly #problemKeys = new Set<string>();
  readonly #alerts: TlsAlert[] = [];
  #clientHello: ClientHello | undefined;
  #serverHello: ServerHello | undefined;
  #helloRetryRequest = false;
  /** Known once a ServerHello or HelloRetryRequest was parsed. */
  #version: number | undefined;
  #suite: SupportedSuite | undefined;
  #keysReady = false;
  #keysFound = false;
  /** Protected records are counted as skipped: version/suite unsupported or keys missing. */
  #noDecryption: ErrorCode | undefined;
  #notTls = false;
  /** A direction began with well-formed records that are not a hello: captured mid-session. */
  #midSession = false;
  #finished = false;
  #draining = false;

  /**
   * @param options the key log, the data callback and caps
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when a cap is not a positive integer
   */
  constructor(options: TlsStreamDecryptorOptions = {}) {
    this.#keyLog = options.keyLog;
    this.#onData = options.onData;
    this.#onWire = options.onRecord;
    this.#onDone = options.onRecordDone;
    this.#onStreamError = options.onStreamError;
    const maxPending = options.maxPendingBytes ?? DEFAULTS.tlsMaxPendingBytes;
    positiveInteger(maxPending, 'options.maxPendingBytes');
    this.#maxPendingBytes = maxPending;
    this.#client = this.#makeSide('client', options);
    this.#server = this.#makeSide('server', options);
  }

  #makeSide(name: Direction, options: TlsStreamDecryptorOptions): Side {
    const side = {} as Side;
    Object.assign(side, {
      name,
      decoder: new TlsRecordDecoder({
        maxRecordBytes: options.maxRecordBytes ?? DEFAULTS.tlsMaxRecordBytes,
        onRecord: (record: TlsRecord) => this.#onRecord(side, record),
        onError: (error: TlsDecodeError) => this.#onRecordError(side, error),
      }),
      handshake: new HandshakeReassembler({
        maxMessageBytes: options.maxHandshakeMessageBytes ?? DEFAULTS.tlsMaxHandshakeMessageBytes,
        wanted: wantedHandshake,
        onMessage: (message: HandshakeMessage) => this.#onHandshake(side, message),
        onError: (error: TlsDecodeError) => this.#problem(error.code, side.name, error.message),
      }),
      pending: [],
      pendingBytes: 0,
      sawChangeCipherSpec: false,
      phase: 'plain',
      opener: undefined,
      secret: undefined,
      recordIndex: 0,
      recordOffset: 0,
      firstRecordSeen: false,
      midSession: false,
      gaveUp: false,
      bytes: 0,
      counts: { records: 0, decrypted: 0, failed: 0, skipped: 0, applicationBytes: 0, keyUpdates: 0 },
    } satisfies Side);
    return side;
  }

  /** Feeds bytes the client sent (the next contiguous part of its TCP stream). Never throws on bad input. */
  pushClient(chunk: Uint8Array): void {
    this.push('client', chunk);
  }

  /** Feeds bytes the server sent. Never throws on bad input. */
  pushServer(chunk: Uint8Array): void {
    this.push('server', chunk);
  }

  /**
   * Feeds bytes of one direction. The chunk is copied, so the caller may
   * reuse its memory at once.
   * @throws NetlabError NETLAB_ERR_INVALID_STATE when called after finish() (a programmer error)
   */
  push(direction: Direction, chunk: Uint8Array): void {
    if (this.#finished) throw new NetlabError(ERROR_CODES.INVALID_STATE, 'TlsStreamDecryptor.push() after finish()');
    if (chunk.length === 0) return;
    const side = direction === 'client' ? this.#client : this.#server;
    side.bytes += chunk.length;
    side.decoder.push(Buffer.from(chunk));
    this.#drainAll();
  }

  /**
   * Ends both streams: whatever still waits is reported, and the summary is
   * final. Calling it again returns the same summary.
   */
  finish(): TlsStreamSummary {
    if (!this.#finished) {
      this.#finished = true;
      this.#drainAll();
      for (const side of [this.#client, this.#server]) this.#finishSide(side);
    }
    return this.summary();
  }

  #finishSide(side: Side): void {
    if (side.decoder.bufferedBytes > 0 && !side.decoder.failed) {
      this.#problem(ERROR_CODES.TLS_INCOMPLETE, side.name, `the ${side.name} stream ends inside a TLS record (${side.decoder.bufferedBytes} bytes of it captured)`);
    }
    if (side.pending.length > 0) {
      const protectedCount = side.pending.filter((r) => this.#mayBeProtected(side, r)).length;
      side.counts.skipped += protectedCount;
      const missing = side.name === 'client' ? "the server's ServerHello" : "the client's ClientHello";
      this.#problem(ERROR_CODES.TLS_INCOMPLETE, side.name, `${side.pending.length} ${side.name} record(s) could not be decrypted because ${missing} was not captured`);
      side.pending.length = 0;
      side.pendingBytes = 0;
    }
  }

  /** The state so far (final after finish()). */
  summary(): TlsStreamSummary {
    const tls = this.#clientHello !== undefined || this.#serverHello !== undefined || this.#helloRetryRequest || this.#midSession;
    const [status, main] = this.#status(tls);
    return {
      tls,
      status,
      reason: main?.message ?? null,
      code: main?.code ?? null,
      version: this.#version === undefined ? null : versionName(this.#version),
      cipherSuite: this.#serverHello === undefined ? null : cipherSuiteName(this.#serverHello.cipherSuite),
      cipherSuiteId: this.#serverHello?.cipherSuite ?? null,
      clientRandom: this.#clientHello?.random.toString('hex') ?? null,
      keysFound: this.#keysFound,
      helloRetryRequest: this.#helloRetryRequest,
      extendedMasterSecret: this.#serverHello?.extendedMasterSecret ?? false,
      earlyDataOffered: this.#clientHello?.earlyData ?? false,
      client: { ...this.#client.counts },
      server: { ...this.#server.counts },
      alerts: this.#alerts.map((a) => ({ ...a })),
      problems: this.#problems.map((p) => ({ ...p })),
    };
  }

  /** The negotiated version (0x0303, 0x0304) once a ServerHello or HelloRetryRequest was parsed. */
  get version(): number | undefined {
    return this.#version;
  }

  /** The ClientHello, once parsed. */
  get clientHello(): Readonly<ClientHello> | undefined {
    return this.#clientHello;
  }

  /** The ServerHello, once parsed. */
  get serverHello(): Readonly<ServerHello> | undefined {
    return this.#serverHello;
  }

  /** Whether the key log holds this connection's secrets (known once both hellos were parsed). */
  get keysFound(): boolean {
    return this.#keysFound;
  }

  /** Whether `direction` has sent part of a record and not yet the rest. */
  midRecord(direction: Direction): boolean {
    return (direction === 'client' ? this.#client : this.#server).decoder.midRecord;
  }

  /** What summary().tls says, without building a summary. */
  get tls(): boolean {
    return this.#clientHello !== undefined || this.#serverHello !== undefined || this.#helloRetryRequest || this.#midSession;
  }

  /** True when summary().status would be 'not-tls'. */
  get notTls(): boolean {
    return !this.tls && (this.#client.bytes > 0 || this.#server.bytes > 0) && this.#status(false)[0] === 'not-tls';
  }

  #status(tls: boolean): [TlsStreamStatus, TlsProblem | undefined] {
    const first = (...codes: ErrorCode[]): TlsProblem | undefined => this.#problems.find((p) => codes.includes(p.code));
    if (this.#client.bytes === 0 && this.#server.bytes === 0) return ['empty', undefined];
    if (!tls) {
      const notTls = first(ERROR_CODES.TLS_NOT_TLS, ERROR_CODES.TLS_RECORD_MALFORMED, ERROR_CODES.TLS_RECORD_TOO_LARGE, ERROR_CODES.TLS_HANDSHAKE_MALFORMED);
      if (notTls !== undefined || this.#notTls) return ['not-tls', notTls];
      return ['incomplete', first(ERROR_CODES.TLS_INCOMPLETE) ?? { code: ERROR_CODES.TLS_INCOMPLETE, message: 'no TLS hello was captured yet' }];
    }
    const unsupported = first(ERROR_CODES.TLS_UNSUPPORTED_VERSION, ERROR_CODES.TLS_UNSUPPORTED_CIPHER_SUITE);
    if (unsupported !== undefined) return ['unsupported', unsupported];
    const decrypted = this.#client.counts.decrypted + this.#server.counts.decrypted;
    const failed = this.#client.counts.failed + this.#server.counts.failed;
    const missing = first(ERROR_CODES.TLS_KEYS_MISSING);
    if (missing !== undefined && decrypted === 0) return ['no-keys', missing];
    if (failed > 0 && decrypted === 0) return ['failed', first(ERROR_CODES.TLS_DECRYPT_FAILED)];
    if (!this.#keysReady) {
      return ['incomplete', first(ERROR_CODES.TLS_INCOMPLETE) ?? { code: ERROR_CODES.TLS_INCOMPLETE, message: 'the handshake was not captured completely (ClientHello and ServerHello are both needed)' }];
    }
    const other = this.#problems[0];
    if (other !== undefined) return [decrypted > 0 ? 'partial' : 'failed', other];
    return ['decrypted', undefined];
  }

  // ---------------------------------------------------------------- records

  #onRecordError(side: Side, error: TlsDecodeError): void {
    side.gaveUp = true;
    this.#onStreamError?.(side.name, error);
    if (!side.firstRecordSeen) {
      this.#notTls = true;
      this.#problem(ERROR_CODES.TLS_NOT_TLS, side.name, `the ${side.name} stream is not TLS: ${error.message}`);
      return;
    }
    this.#problem(error.code, side.name, `${side.name} stream: ${error.message}; the rest of it is not decrypted`);
  }

  #onRecord(side: Side, record: TlsRecord): void {
    if (this.#onWire !== undefined) {
      this.#onWire({
        direction: side.name,
        record: side.counts.records,
        offset: record.offset,
        type: record.type,
        version: record.version,
        header: record.header,
        fragment: record.fragment,
      });
    }
    if (!side.firstRecordSeen) {
      side.firstRecordSeen = true;
      // RFC 8446 §4.1.1/§4.1.3: each side opens with a hello in a handshake record.
      if (record.type !== CONTENT_TYPE.handshake) {
        // Well-formed records that are not a hello: the capture began after
        // the handshake. Without the ClientHello there is no client random
        // to look the keys up by, so the records are counted, not decrypted.
        this.#midSession = true;
        side.midSession = true;
        const what = record.type === CONTENT_TYPE.applicationData ? 'application_data' : `content type ${record.type}`;
        this.#problem(
          ERROR_CODES.TLS_INCOMPLETE,
          side.name,
          `the ${side.name} stream starts in the middle of a TLS session (first record: ${what}); the handshake was not captured, so its keys cannot be found`,
        );
      }
    }
    if (side.midSession) {
      const index = side.counts.records++;
      side.counts.skipped++;
      this.#onDone?.({ direction: side.name, record: index, offset: record.offset, type: record.type, outcome: 'skipped', contentType: undefined, content: undefined });
      return;
    }
    // No copy needed: push() copied the chunk, so the fragment view stays valid.
    const queued: QueuedRecord = { ...record, index: side.counts.records++ };
    if (side.pending.length > 0 || this.#draining) {
      this.#enqueue(side, queued);
      return;
    }
    this.#draining = true;
    try {
      if (this.#process(side, queued) === Step.Wait) this.#enqueue(side, queued);
    } finally {
      this.#draining = false;
    }
  }

  #enqueue(side: Side, record: QueuedRecord): void {
    if (side.gaveUp) return;
    // Counted with a per-record overhead so that a flood of empty records is capped too.
    const cost = record.fragment.length + PENDING_RECORD_OVERHEAD;
    if (side.pendingBytes + cost > this.#maxPendingBytes) {
      side.gaveUp = true;
      side.decoder.stop();
      side.counts.skipped += side.pending.length + 1;
      side.pending.length = 0;
      side.pendingBytes = 0;
      const missing = side.name === 'client' ? "the server's ServerHello" : "the client's ClientHello";
      this.#problem(
        ERROR_CODES.TLS_PENDING_LIMIT,
        side.name,
        `more than ${this.#maxPendingBytes} bytes of ${side.name} records waited for ${missing}; the rest of the ${side.name} stream is not decrypted`,
      );
      return;
    }
    // A copy, so a small waiting record does not keep its whole pushed chunk alive.
    side.pending.push({ ...record, fragment: Buffer.from(record.fragment) });
    side.pendingBytes += cost;
  }

  /** Processes queued records of both sides until neither can move. Bounded: each pass consumes a record or stops. */
  #drainAll(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      let progress = true;
      while (progress) {
        progress = this.#drain(this.#client) || this.#drain(this.#server);
      }
    } finally {
      this.#draining = false;
    }
  }

  #drain(side: Side): boolean {
    let moved = false;
    while (side.pending.length > 0 && !side.gaveUp) {
      const record = side.pending[0] as QueuedRecord;
      if (this.#process(side, record) === Step.Wait) break;
      side.pending.shift();
      side.pendingBytes -= record.fragment.length + PENDING_RECORD_OVERHEAD;
      moved = true;
    }
    return moved;
  }

  /** Whether a record could be protected, given what is known so far. */
  #mayBeProtected(side: Side, record: TlsRecord): boolean {
    if (record.type === CONTENT_TYPE.changeCipherSpec) return false;
    if (this.#version === TLS_VERSION.tls13) return record.type === CONTENT_TYPE.applicationData;
    if (this.#version !== undefined) return side.sawChangeCipherSpec;
    return record.type === CONTENT_TYPE.applicationData || side.sawChangeCipherSpec;
  }

  #process(side: Side, record: QueuedRecord): Step {
    this.#outcome = 'plain';
    this.#contentType = record.type;
    this.#content = record.fragment;
    const step = this.#processRecord(side, record);
    if (step === Step.Done && this.#onDone !== undefined) {
      this.#onDone({
        direction: side.name,
        record: record.index,
        offset: record.offset,
        type: record.type,
        outcome: this.#outcome,
        contentType: this.#contentType,
        content: this.#content,
      });
    }
    return step;
  }

  /** Sets what onRecordDone reports for a record with no content to show. */
  #noContent(outcome: TlsRecordOutcome): void {
    this.#outcome = outcome;
    this.#contentType = undefined;
    this.#content = undefined;
  }

  #processRecord(side: Side, record: QueuedRecord): Step {
    side.recordIndex = record.index;
    side.recordOffset = record.offset;
    if (record.type === CONTENT_TYPE.changeCipherSpec) {
      // RFC 5246 §7.1: records after ChangeCipherSpec use the new keys.
      // RFC 8446 §5: in TLS 1.3 it is a compatibility no-op, dropped.
      side.sawChangeCipherSpec = true;
      return Step.Done;
    }
    if (!this.#mayBeProtected(side, record)) return this.#plaintext(side, record.type, record.fragment, false);
    // Protected, or maybe protected and the version is still unknown.
    if (this.#version === undefined) return Step.Wait;
    if (this.#noDecryption !== undefined) {
      side.counts.skipped++;
      this.#noContent('skipped');
      return Step.Done;
    }
    if (!this.#keysReady) return Step.Wait;
    const opener = side.opener;
    if (opener === undefined) {
      side.counts.skipped++;
      this.#noContent('skipped');
      return Step.Done;
    }
    const result = opener.open(record);
    if (!result.ok) {
      this.#noContent(this.#openFailed(side, result.reason));
      return Step.Done;
    }
    side.counts.decrypted++;
    this.#outcome = 'decrypted';
    this.#contentType = result.type;
    this.#content = result.content;
    return this.#plaintext(side, result.type, result.content, true);
  }

  /** @returns how the record ended: skipped (0-RTT) or failed */
  #openFailed(side: Side, reason: string): TlsRecordOutcome {
    // RFC 8446 §4.2.10: a server that rejects 0-RTT skips records it cannot
    // decrypt with the handshake keys; an observer without the early secret
    // does the same, and says so.
    if (
      side.name === 'client' &&
      this.#version === TLS_VERSION.tls13 &&
      this.#clientHello?.earlyData === true &&
      side.phase === 'handshake' &&
      side.counts.decrypted === 0 &&
      this.#suite !== undefined &&
      side.secret !== undefined
    ) {
      side.counts.skipped++;
      side.opener = new Tls13RecordOpener(this.#suite, tls13TrafficKeys(this.#suite, side.secret));
      this.#problem(ERROR_CODES.TLS_EARLY_DATA, side.name, 'the client sent 0-RTT early data; netlab does not decrypt early data, so those records are skipped');
      return 'skipped';
    }
    side.counts.failed++;
    const why =
      reason === 'authentication'
        ? 'failed authentication: the key-log secrets do not match this connection, or the record was altered'
        : `is malformed (${reason})`;
    this.#problem(ERROR_CODES.TLS_DECRYPT_FAILED, side.name, `${side.name} record ${side.recordIndex} ${why}; no plaintext is shown for it`);
    return 'failed';
  }

  #plaintext(side: Side, type: number, content: Buffer, encrypted: boolean): Step {
    switch (type) {
      case CONTENT_TYPE.handshake:
        side.handshake.push(content);
        return Step.Done;
      case CONTENT_TYPE.alert:
        this.#alert(side, content, encrypted);
        return Step.Done;
      case CONTENT_TYPE.applicationData:
        if (!encrypted) {
          // RFC 5246 §6.2: application data is never sent under the null cipher after a handshake.
          this.#problem(ERROR_CODES.TLS_RECORD_MALFORMED, side.name, `${side.name} record ${side.recordIndex} carries application data before any keys were in use; ignored`);
          return Step.Done;
        }
        side.counts.applicationBytes += content.length;
        if (content.length > 0) this.#onData?.({ direction: side.name, data: content, record: side.recordIndex, offset: side.recordOffset });
        return Step.Done;
      default:
        return Step.Done; // heartbeat, or a decrypted change_cipher_spec: nothing to show
    }
  }

  #alert(side: Side, content: Buffer, encrypted: boolean): void {
    // RFC 8446 §6: struct { AlertLevel level; AlertDescription description; } Alert;
    for (let i = 0; i + 1 < content.length; i += 2) {
      const level = content[i] as number;
      const description = content[i + 1] as number;
      if (this.#alerts.length < 64) {
        this.#alerts.push({ direction: side.name, level: level === 1 ? 'warning' : level === 2 ? 'fatal' : level, description, name: alertName(description), encrypted });
      }
    }
  }

  // -------------------------------------------------------------- handshake

  #onHandshake(side: Side, message: HandshakeMessage): void {
    try {
      if (message.type === HANDSHAKE_TYPE.clientHello && side.name === 'client' && side.phase === 'plain') {
        this.#onClientHello(parseClientHello(message.body));
      } else if (message.type === HANDSHAKE_TYPE.serverHello && side.name === 'server' && side.phase === 'plain') {
        this.#onServerHello(parseServerHello(message.body));
      } else if (message.type === HANDSHAKE_TYPE.finished && this.#version === TLS_VERSION.tls13 && side.phase === 'handshake') {
        this.#switchToApplication(side);
      } else if (message.type === HANDSHAKE_TYPE.keyUpdate && this.#version === TLS_VERSION.tls13 && side.phase === 'application') {
        this.#keyUpdate(side);
      }
    } catch (err) {
      if (!(err instanceof TlsDecodeError)) throw err;
      side.handshake.stop();
      this.#problem(err.code, side.name, `${side.name} handshake: ${err.message}`);
    }
  }

  #onClientHello(hello: ClientHello): void {
    // RFC 8446 §4.1.2: after a HelloRetryRequest the client repeats its
    // ClientHello, random included; the first one keys the connection.
    if (this.#clientHello !== undefined && !this.#clientHello.random.equals(hello.random)) {
      this.#problem(ERROR_CODES.TLS_HANDSHAKE_MALFORMED, 'client', 'a second ClientHello carries a different random; the first one is used');
      return;
    }
    this.#clientHello = hello;
    this.#setupKeys();
  }

  #onServerHello(hello: ServerHello): void {
    if (hello.helloRetryRequest) {
      // RFC 8446 §4.1.4: a HelloRetryRequest fixes the version (1.3) and the
      // suite; the real ServerHello follows after the second ClientHello.
      this.#helloRetryRequest = true;
      this.#version = hello.version;
      return;
    }
    this.#serverHello = hello;
    this.#version = hello.version;
    if (hello.version === TLS_VERSION.tls13) {
      // RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256.
      this.#client.decoder.maxRecordBytes = DEFAULTS.tls13MaxRecordBytes;
      this.#server.decoder.maxRecordBytes = DEFAULTS.tls13MaxRecordBytes;
    }
    this.#setupKeys();
  }

  /** Once both hellos are known: check version and suite, find the secrets, build the openers. */
  #setupKeys(): void {
    const ch = this.#clientHello;
    const sh = this.#serverHello;
    if (ch === undefined || sh === undefined || this.#keysReady) return;
    this.#keysReady = true;
    const version = sh.version;
    if (version !== TLS_VERSION.tls12 && version !== TLS_VERSION.tls13) {
      this.#noDecryption = ERROR_CODES.TLS_UNSUPPORTED_VERSION;
      this.#problem(ERROR_CODES.TLS_UNSUPPORTED_VERSION, undefined, `${versionName(version)} is not decrypted; netlab decrypts TLS 1.2 and TLS 1.3`);
      return;
    }
    const suite = supportedSuite(sh.cipherSuite);
    const name = cipherSuiteName(sh.cipherSuite);
    if (suite === undefined || suite.protocol !== (version === TLS_VERSION.tls13 ? 'tls13' : 'tls12')) {
      this.#noDecryption = ERROR_CODES.TLS_UNSUPPORTED_CIPHER_SUITE;
      const why = /CBC/.test(name) ? ' (CBC suites are not decrypted)' : /RC4|3DES|CCM/.test(name) ? ' (only AES-GCM and ChaCha20-Poly1305 suites are decrypted)' : '';
      this.#problem(ERROR_CODES.TLS_UNSUPPORTED_CIPHER_SUITE, undefined, `cipher suite ${name} is not supported${why}`);
      return;
    }
    this.#suite = suite;
    const secrets = this.#keyLog?.get(ch.random);
    const random = ch.random.toString('hex');
    if (secrets === undefined) {
      this.#noDecryption = ERROR_CODES.TLS_KEYS_MISSING;
      const where = this.#keyLog === undefined ? 'no key log was given' : 'the key log has no line for it';
      this.#problem(ERROR_CODES.TLS_KEYS_MISSING, undefined, `no keys for this connection (client random ${random}): ${where}`);
      return;
    }
    if (version === TLS_VERSION.tls13) this.#setupTls13(suite, secrets, random);
    else this.#setupTls12(suite, secrets, ch, sh, random);
  }

  #setupTls13(suite: SupportedSuite, secrets: Readonly<TlsSecrets>, random: string): void {
    const sides: [Side, Buffer | undefined, string][] = [
      [this.#client, secrets.clientHandshakeTrafficSecret, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'],
      [this.#server, secrets.serverHandshakeTrafficSecret, 'SERVER_HANDSHAKE_TRAFFIC_SECRET'],
    ];
    let found = 0;
    for (const [side, secret, label] of sides) {
      side.phase = 'handshake';
      if (secret === undefined || secret.length !== hashBytes(suite)) {
        this.#problem(ERROR_CODES.TLS_KEYS_MISSING, side.name, `the key log has no usable ${label} for client random ${random}; ${side.name} records are not decrypted`);
        continue;
      }
      found++;
      side.secret = secret;
      side.opener = new Tls13RecordOpener(suite, tls13TrafficKeys(suite, secret));
    }
    this.#keysFound = found === 2;
  }

  #setupTls12(suite: SupportedSuite, secrets: Readonly<TlsSecrets>, ch: ClientHello, sh: ServerHello, random: string): void {
    if (secrets.masterSecret === undefined) {
      this.#noDecryption = ERROR_CODES.TLS_KEYS_MISSING;
      this.#problem(ERROR_CODES.TLS_KEYS_MISSING, undefined, `the key log has no CLIENT_RANDOM line (TLS 1.2 master secret) for client random ${random}`);
      return;
    }
    // The logged master secret already includes extended_master_secret
    // (RFC 7627) if it was used, so the key block is derived the same way.
    const keys = tls12KeyBlock(suite, secrets.masterSecret, ch.random, sh.random);
    this.#client.opener = new Tls12RecordOpener(suite, keys.client);
    this.#server.opener = new Tls12RecordOpener(suite, keys.server);
    this.#client.phase = 'application';
    this.#server.phase = 'application';
    this.#keysFound = true;
  }

  #switchToApplication(side: Side): void {
    // RFC 8446 §7.1/§4.4.4: after its Finished, a peer protects records with
    // its application traffic secret 0.
    side.phase = 'application';
    const suite = this.#suite;
    const secrets = this.#clientHello === undefined ? undefined : this.#keyLog?.get(this.#clientHello.random);
    const secret = side.name === 'client' ? secrets?.clientTrafficSecret0 : secrets?.serverTrafficSecret0;
    if (suite === undefined || secret === undefined || secret.length !== hashBytes(suite)) {
      side.opener = undefined;
      side.secret = undefined;
      const label = side.name === 'client' ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0';
      this.#keysFound = false;
      this.#problem(ERROR_CODES.TLS_KEYS_MISSING, side.name, `the key log has no usable ${label}; ${side.name} application data is not decrypted`);
      return;
    }
    side.secret = secret;
    side.opener = new Tls13RecordOpener(suite, tls13TrafficKeys(suite, secret));
  }

  #keyUpdate(side: Side): void {
    // RFC 8446 §4.6.3: after sending KeyUpdate the sender uses
    // application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length).
    const suite = this.#suite;
    if (suite === undefined || side.secret === undefined) return;
    side.secret = nextTrafficSecret(suite, side.secret);
    side.opener = new Tls13RecordOpener(suite, tls13TrafficKeys(suite, side.secret));
    side.counts.keyUpdates++;
  }

  #problem(code: ErrorCode, direction: Direction | undefined, message: string): void {
    // One entry per code and direction: a thousand failing records are one problem with a count.
    const key = `${code}/${direction ?? ''}`;
    if (this.#problemKeys.has(key)) return;
    this.#problemKeys.add(key);
    this.#problems.push(direction === undefined ? { code, message } : { code, direction, message });
  }
}

function hashBytes(suite: SupportedSuite): number {
  return suite.hash === 'sha384' ? 48 : 32;
}

/** What {@link decryptTlsStreams} returns. */
export interface TlsDecryption {
  summary: TlsStreamSummary;
  /** Decrypted application data, in order per direction (client records first, then server's, when both are given at once). */
  data: TlsDataEvent[];
}

/**
 * One-shot helper: decrypts a connection whose two streams are already in
 * memory (tests, small captures). For large captures feed a
 * {@link TlsStreamDecryptor} incrementally instead.
 * @param client the client→server bytes (one buffer or chunks)
 * @param server the server→client bytes
 * @param keyLog the secrets
 */
export function decryptTlsStreams(client: Uint8Array | readonly Uint8Array[], server: Uint8Array | readonly Uint8Array[], keyLog?: KeyLog): TlsDecryption {
  const data: TlsDataEvent[] = [];
  const decryptor = new TlsStreamDecryptor({ keyLog, onData: (event) => data.push(event) });
  for (const chunk of chunksOf(client)) decryptor.pushClient(chunk);
  for (const chunk of chunksOf(server)) decryptor.pushServer(chunk);
  return { summary: decryptor.finish(), data };
}

function chunksOf(input: Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] {
  return input instanceof Uint8Array ? [input] : input;
}
