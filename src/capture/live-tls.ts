/**
 * TLS decryption during a live capture: TCP streams reassembled as packets
 * arrive, each TLS stream fed to its own decryptor, and the key log re-read
 * as it grows — a server writing SSLKEYLOGFILE logs each connection's keys
 * just before that connection's encrypted records reach the wire.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DEFAULTS } from '../constants.js';
import { FileError } from '../errors.js';
import type { Dissection } from '../pcap/layers/dissection.js';
import { TcpStreams, type TcpStreamInfo } from '../pcap/reassembly/tcp-streams.js';
import type { Direction, TlsStreamSummary } from '../pcap/tls/decrypt.js';
import { TlsStreamConsumer } from '../pcap/tls/stream-consumer.js';
import { KeyLog } from '../pcap/tls/keylog.js';

/** TLS streams decrypted at once; beyond it the oldest is summarised and dropped. */
const MAX_LIVE_TLS_STREAMS = 1000;
/**
 * How long captured bytes wait before decryption. A TLS 1.3 server logs the
 * client's application secret only once it has processed the client's
 * Finished, which can be after the capture already holds the client's first
 * record; waiting a moment lets the key log catch up.
 */
const KEYLOG_GRACE_MS = 250;
/** Bytes waiting for that grace period, over all streams; beyond it the oldest go through at once. */
const MAX_DELAYED_BYTES = 8 * 1024 * 1024;
/** Largest key-log growth read in one refresh, in bytes. */
const MAX_KEYLOG_READ_BYTES = 1024 * 1024;

/** A key log file read incrementally: only complete lines are added. */
export class KeyLogFollower {
  readonly keyLog = new KeyLog();
  readonly path: string;
  #fd: number | undefined;
  #offset = 0;
  #partial = '';

  /**
   * @param path may not exist yet (the server creates it at its first handshake)
   * @throws FileError when the file exists but cannot be read
   */
  constructor(path: string) {
    this.path = path;
    this.refresh();
  }

  #open(): boolean {
    try {
      this.#fd = openSync(this.path, 'r');
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new FileError(`cannot read --keylog file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Adds whatever complete lines were appended since the last call. */
  refresh(): void {
    if (this.#fd === undefined && !this.#open()) return;
    if (this.#fd === undefined) return;
    const size = fstatSync(this.#fd).size;
    if (size < this.#offset) this.#offset = 0; // truncated and rewritten
    while (this.#offset < size) {
      const buf = Buffer.allocUnsafe(Math.min(size - this.#offset, MAX_KEYLOG_READ_BYTES));
      const n = readSync(this.#fd, buf, 0, buf.length, this.#offset);
      if (n === 0) break;
      this.#offset += n;
      const text = this.#partial + buf.subarray(0, n).toString('latin1');
      const end = text.lastIndexOf('\n') + 1;
      this.#partial = text.slice(end);
      if (end > 0) this.keyLog.add(text.slice(0, end));
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

export interface LiveTlsOptions {
  keyLogPath: string;
  /** Decrypted application data, as it authenticates. */
  onData: (stream: TcpStreamInfo, direction: Direction, data: Buffer) => void;
}

interface DelayedChunk {
  stream: TcpStreamInfo;
  side: 0 | 1;
  /** null: the stream's reassembly stopped; retire its decryptor once the chunks before this one are decrypted. */
  data: Buffer | null;
  atMs: number;
}

export class LiveTlsDecryptor {
  readonly #keys: KeyLogFollower;
  readonly #tcp: TcpStreams;
  readonly #tls: TlsStreamConsumer;
  /** The stream record copied when its reassembly completed, while its retirement runs. */
  #snapshot: TcpStreamInfo | undefined;
  readonly #done: { stream: TcpStreamInfo; summary: TlsStreamSummary }[] = [];
  #delayed: DelayedChunk[] = [];
  #delayedBytes = 0;
  readonly #timer: NodeJS.Timeout;

  /** @throws FileError when the key log cannot be opened */
  constructor(options: LiveTlsOptions) {
    this.#keys = new KeyLogFollower(options.keyLogPath);
    const onData = options.onData;
    this.#tls = new TlsStreamConsumer({
      keyLog: this.#keys.keyLog,
      maxStreams: MAX_LIVE_TLS_STREAMS,
      onData: (stream, e) => onData(stream, e.direction, e.data),
      onSummary: (stream, summary) => this.#done.push({ stream: this.#snapshot ?? this.#tcp.stream(stream.index) ?? stream, summary }),
    });
    this.#tcp = new TcpStreams({
      reassembled: (stream, side, data) => {
        if (!stream.tls) return;
        // `data` is a view valid only during this call: keep a copy.
        this.#delayed.push({ stream, side, data: Buffer.from(data), atMs: Date.now() });
        this.#delayedBytes += data.length;
        if (this.#delayedBytes > MAX_DELAYED_BYTES) this.#pump(() => this.#delayedBytes > MAX_DELAYED_BYTES / 2);
      },
      // FIN both ways, RST or idle: its decryptor is summarised and dropped, in order with its data.
      // The record is copied now: a long capture may let it go before the retirement runs.
      complete: (stream) => {
        if (stream.tls) this.#delayed.push({ stream: { ...this.#tcp.stream(stream.index)! }, side: 0, data: null, atMs: Date.now() });
      },
    }, { retainStreams: DEFAULTS.liveRetainedTcpStreams });
    this.#timer = setInterval(() => {
      const due = Date.now() - KEYLOG_GRACE_MS;
      this.#pump((chunk) => chunk.atMs <= due);
    }, KEYLOG_GRACE_MS / 5);
    this.#timer.unref();
  }

  /** Decrypts, in capture order, the waiting chunks for which `release` says yes (stopping at the first no). */
  #pump(release: (chunk: DelayedChunk) => boolean): void {
    if (this.#delayed.length === 0) return;
    this.#keys.refresh();
    let taken = 0;
    for (const chunk of this.#delayed) {
      if (!release(chunk)) break;
      if (chunk.data === null) {
        this.#snapshot = chunk.stream;
        this.#tls.complete(chunk.stream);
        this.#snapshot = undefined;
      } else {
        this.#tls.reassembled(chunk.stream, chunk.side, chunk.data, 0);
        this.#delayedBytes -= chunk.data.length;
      }
      taken += 1;
    }
    this.#delayed = this.#delayed.slice(taken);
  }

  /** Feeds one dissected packet (live: its capture time is about now, which drives the idle timeout). */
  add(dissection: Dissection, packetIndex: number): void {
    this.#tcp.add(dissection, packetIndex, Date.now() / 1000);
  }

  /** Ends every stream and returns one summary per TLS stream seen. */
  finish(): { stream: TcpStreamInfo; summary: TlsStreamSummary }[] {
    clearInterval(this.#timer);
    this.#tcp.finish();
    this.#pump(() => true);
    this.#tls.finish();
    this.#keys.close();
    return this.#done;
  }
}
