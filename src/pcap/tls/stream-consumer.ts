/**
 * TLS over TCP reassembly: the one StreamConsumer that gives each TLS
 * stream of a capture its own {@link TlsConnection} (and so its own
 * decryptor), with a cap on how many are followed at once (gopacket's
 * reassembly Stream per connection, its MaxBufferedPages idea for the count).
 * `pcap follow`, `pcap follow --list --keylog` and live capture decryption
 * are this consumer with different callbacks.
 */
import { DEFAULTS } from '../../constants.js';
import type { StreamConsumer, TcpStreamInfo } from '../reassembly/tcp-streams.js';
import { positiveInteger } from '../../util/validate.js';
import type { KeyLog } from './keylog.js';
import { TlsConnection, type TlsChunkReport, type TlsSide } from './connection.js';
import type { TlsDataEvent, TlsStreamSummary } from './types.js';

/** Options of {@link TlsStreamConsumer}. All callbacks are optional. */
export interface TlsStreamConsumerOptions {
  /** Secrets; without it records are followed but nothing is decrypted. */
  keyLog?: KeyLog;
  /** Streams followed at once (default `DEFAULTS.tlsMaxStreams`); a new one past it retires the oldest. */
  maxStreams?: number;
  /**
   * Whether a chunk of this stream is for this consumer, asked per chunk
   * (default: the stream's first payload looked like TLS, `stream.tls`).
   */
  wanted?: (stream: TcpStreamInfo) => boolean;
  /** Decrypted application data, as it authenticates. */
  onData?: (stream: TcpStreamInfo, event: TlsDataEvent) => void;
  /** What each chunk completed: records, handshake messages, plaintext. The report is valid during the call. */
  onChunk?: (stream: TcpStreamInfo, side: TlsSide, report: TlsChunkReport, packetIndex: number) => void;
  /**
   * The bytes of a stream found not to be TLS, as captured, from the chunk
   * that showed it on (its first chunks, while undecided, are not repeated).
   */
  onPlain?: (stream: TcpStreamInfo, side: TlsSide, data: Uint8Array) => void;
  /**
   * Once a stream, when both hellos are known: whether the key log holds its
   * secrets; `false` when it is retired before that.
   */
  onKeys?: (stream: TcpStreamInfo, found: boolean) => void;
  /** `'keys'`: let a stream go as soon as onKeys has been called (enough for a listing). Default `'end'`. */
  until?: 'keys' | 'end';
  /** Keep a stream's decryptor when its reassembly completes, until finish() (a stream followed alone that may resume). Default false. */
  keepUntilFinish?: boolean;
  /** A stream's decryption summary when it is retired (completed, the cap, or finish()); `plain` when it turned out not to be TLS. */
  onSummary?: (stream: TcpStreamInfo, summary: TlsStreamSummary, plain: boolean) => void;
}

interface Entry {
  info: TcpStreamInfo;
  connection: TlsConnection;
  /** TLS, or not TLS, is known. */
  decided: boolean;
  /** Not TLS: its bytes go to onPlain. */
  plain: boolean;
  keysReported: boolean;
}

function isTls(stream: TcpStreamInfo): boolean {
  return stream.tls;
}

/**
 * Follows the TLS streams of a capture. Give it to {@link TcpStreams}, or
 * call reassembled()/complete() yourself (a live capture delays them).
 *
 * @example
 *   const tls = new TlsStreamConsumer({ keyLog, onData: (s, e) => print(s.index, e.direction, e.data) });
 *   const tcp = new TcpStreams(tls);
 *   ...tcp.add(...) for each packet...; tcp.finish(); tls.finish();
 */
export class TlsStreamConsumer implements StreamConsumer {
  readonly #options: TlsStreamConsumerOptions;
  readonly #maxStreams: number;
  readonly #wanted: (stream: TcpStreamInfo) => boolean;
  /** In order of first chunk: the first key is the oldest. */
  readonly #entries = new Map<number, Entry>();

  /**
   * @param options callbacks and the cap
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when maxStreams is not a positive integer
   */
  constructor(options: TlsStreamConsumerOptions = {}) {
    this.#options = options;
    this.#maxStreams = positiveInteger(options.maxStreams ?? DEFAULTS.tlsMaxStreams, 'options.maxStreams');
    this.#wanted = options.wanted ?? isTls;
  }

  /** Streams followed right now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The connection of a stream being followed (its decryptor's state), or undefined. */
  connection(index: number): TlsConnection | undefined {
    return this.#entries.get(index)?.connection;
  }

  /** StreamConsumer: the next in-order bytes of one side. `data` is used during the call only. */
  reassembled(stream: TcpStreamInfo, side: TlsSide, data: Uint8Array, packetIndex: number): void {
    if (!this.#wanted(stream)) return;
    let entry = this.#entries.get(stream.index);
    if (entry === undefined) {
      if (this.#entries.size >= this.#maxStreams) this.#retireOldest();
      entry = this.#create(stream);
      this.#entries.set(stream.index, entry);
    }
    if (entry.plain) {
      this.#options.onPlain?.(stream, side, data);
      return;
    }
    const report = entry.connection.push(side, data);
    this.#options.onChunk?.(stream, side, report, packetIndex);
    const decryptor = entry.connection.decryptor;
    if (!entry.decided) {
      const notTls = decryptor.notTls;
      entry.decided = decryptor.tls || notTls;
      entry.plain = notTls;
      if (notTls) this.#options.onPlain?.(stream, side, data);
    }
    if (!entry.keysReported && decryptor.clientHello !== undefined && decryptor.version !== undefined) {
      entry.keysReported = true;
      this.#options.onKeys?.(stream, decryptor.keysFound);
      if (this.#options.until === 'keys') this.#entries.delete(stream.index);
    }
  }

  /** StreamConsumer: the stream's reassembly stopped; its decryptor is summarised and let go (unless keepUntilFinish). */
  complete(stream: TcpStreamInfo): void {
    if (this.#options.keepUntilFinish === true) return;
    this.#retire(stream.index, stream);
  }

  /** Retires every stream still followed (in order of first chunk). */
  finish(): void {
    for (const index of [...this.#entries.keys()]) this.#retire(index);
  }

  #create(stream: TcpStreamInfo): Entry {
    const onData = this.#options.onData;
    const connection = new TlsConnection({ keyLog: this.#options.keyLog, onData: onData === undefined ? undefined : (event) => onData(stream, event) });
    return { info: stream, connection, decided: false, plain: false, keysReported: false };
  }

  #retireOldest(): void {
    const oldest = this.#entries.keys().next();
    if (oldest.done !== true) this.#retire(oldest.value);
  }

  #retire(index: number, stream?: TcpStreamInfo): void {
    const entry = this.#entries.get(index);
    if (entry === undefined) return;
    this.#entries.delete(index);
    const info = stream ?? entry.info;
    if (!entry.keysReported) this.#options.onKeys?.(info, false);
    const summary = entry.connection.finish();
    this.#options.onSummary?.(info, summary, entry.plain);
  }
}
