/**
 * PacketSource: one pass over a capture's packets, from a file or a stream,
 * in memory bounded by the largest record (never by the file size).
 *
 * Two ways to consume it:
 * - `forEach(cb)`: the fast path. `cb` gets the reader's reused
 *   PacketRecord, a zero-copy view into the read window, valid only until
 *   `cb` returns (see PacketRecord). No allocation per packet.
 * - `for await (const pkt of source)`: convenience; each yielded
 *   CapturedPacket owns a copy of its bytes.
 *
 * Live capture (tcpdump -w - on a pipe) gives the same PacketSource through
 * `openCapture(stream)`; TLS decryption and reassembly consume either form.
 */
import { DEFAULTS } from '../../constants.js';
import { ERROR_CODES, NetlabError } from '../../errors.js';
import type { RecordDecoder } from './decoder.js';
import { detectFormat, MAGIC_BYTES } from './format.js';
import { FileInput, StreamInput, type ByteInput } from './input.js';
import type { CaptureFormat, CaptureInfo, PacketRecord } from './packet.js';
import { PcapDecoder } from './pcap.js';
import { PcapngDecoder } from './pcapng.js';
import { WarningSink } from './warnings.js';
import { anyValue, integerIn, invalidOption, optional, stringValue, validateOptions, type Checker } from '../../util/validate.js';

/** Reader options; every field has a documented default in DEFAULTS. */
export interface CaptureOptions {
  /** Largest record/block accepted, bytes (default DEFAULTS.pcapMaxRecordBytes = 16 MiB). */
  maxRecordBytes?: number;
  /** Read size, bytes (default DEFAULTS.pcapReadChunkBytes = 4 MiB). */
  readChunkBytes?: number;
  /** Warnings kept (default DEFAULTS.pcapMaxWarnings = 100). */
  maxWarnings?: number;
  /** Name used in messages for a stream input (default "stream"). */
  name?: string;
}

/** A packet that owns its bytes (from the async iterator). */
export interface CapturedPacket {
  index: number;
  tsSec: number;
  tsNsec: number;
  hasTimestamp: boolean;
  capLen: number;
  origLen: number;
  linkType: number;
  interfaceId: number;
  fileOffset: number;
  data: Uint8Array;
}

/** Per-pass options of {@link PacketSource.forEach}. */
export interface ForEachOptions {
  /** Stops reading (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Called after each window of input with the bytes consumed so far. */
  /**
   * Called after each window of records; a returned promise pauses reading
   * until it settles (a consumer whose output is full waits for 'drain').
   */
  onProgress?: (bytesRead: number) => void | Promise<void>;
  /**
   * When `signal` aborts, resolve with what was read so far (plus a
   * NETLAB_ERR_PCAP_INTERRUPTED warning) instead of rejecting. Default false.
   */
  stopQuietly?: boolean;
}

export class PacketSource {
  readonly format: CaptureFormat;
  readonly name: string;
  /** Input size in bytes when known (regular file). */
  readonly size: number | undefined;
  readonly #input: ByteInput;
  readonly #decoder: RecordDecoder;
  readonly #warnings: WarningSink;
  readonly #chunk: number;
  #buf: Uint8Array;
  #end: number;
  #cb: (p: PacketRecord) => void = noop;
  #used = false;

  /** Use {@link openCapture}. */
  constructor(input: ByteInput, head: Uint8Array, headLen: number, options: Required<Omit<CaptureOptions, 'name'>>) {
    this.#input = input;
    this.name = input.name;
    this.size = input.size;
    this.#chunk = options.readChunkBytes;
    this.#buf = head;
    this.#end = headLen;
    this.#warnings = new WarningSink(options.maxWarnings);
    this.format = detectFormat(head.subarray(0, headLen), input.name);
    const ctx = { onPacket: (p: PacketRecord) => this.#cb(p), warnings: this.#warnings, maxRecordBytes: options.maxRecordBytes };
    this.#decoder = this.format === 'pcap' ? new PcapDecoder(ctx, input.name) : new PcapngDecoder(ctx, input.name);
  }

  /** What the reader has learned so far (complete once a pass has ended). */
  get info(): CaptureInfo {
    return {
      format: this.format,
      linkTypes: [...this.#decoder.linkTypes],
      warnings: [...this.#warnings.list],
      droppedWarnings: this.#warnings.dropped,
      packets: this.#decoder.packets,
      bytesRead: this.#decoder.consumed,
    };
  }

  /**
   * Reads the whole input once, calling `onPacket` for each packet with the
   * reused zero-copy record. Closes the input at the end. The signal is
   * checked between read windows (every few MiB).
   * @throws CaptureFormatError when the header shows it is not a capture
   * @throws FileError when reading fails
   */
  async forEach(onPacket: (p: PacketRecord) => void, options: ForEachOptions = {}): Promise<CaptureInfo> {
    if (this.#used) throw new NetlabError(ERROR_CODES.INVALID_ARGUMENT, 'a PacketSource can be read only once; open the capture again');
    this.#used = true;
    this.#cb = onPacket;
    try {
      await this.#pump(options);
    } catch (err) {
      if (options.signal?.aborted !== true || options.stopQuietly !== true) throw err;
      const at = this.#decoder.consumed;
      this.#warnings.add(ERROR_CODES.PCAP_INTERRUPTED, at, `reading was stopped at byte offset ${at}; the figures cover the ${this.#decoder.packets} packets before it`);
    } finally {
      this.#cb = noop;
      await this.#input.close();
    }
    return this.info;
  }

  /** Packets as owned copies; prefer forEach() on hot paths. */
  async *[Symbol.asyncIterator](): AsyncGenerator<CapturedPacket, void, undefined> {
    const batch: CapturedPacket[] = [];
    if (this.#used) throw new NetlabError(ERROR_CODES.INVALID_ARGUMENT, 'a PacketSource can be read only once; open the capture again');
    this.#used = true;
    this.#cb = (p) => batch.push(copyPacket(p));
    try {
      const windows = this.#windows({});
      for (;;) {
        const { done } = await windows.next();
        yield* batch;
        batch.length = 0;
        if (done === true) break;
      }
    } finally {
      this.#cb = noop;
      await this.#input.close();
    }
  }

  /** Closes the input without reading (when a caller gives up early). */
  async close(): Promise<void> {
    this.#used = true;
    await this.#input.close();
  }

  async #pump(options: ForEachOptions): Promise<void> {
    const windows = this.#windows(options);
    while (!(await windows.next()).done);
  }

  /**
   * The read loop: decode what the window holds, move the incomplete tail to
   * the front, grow only when one record needs more room (bounded by
   * maxRecordBytes, checked by the decoder before `need` is set), refill.
   */
  async *#windows(options: ForEachOptions): AsyncGenerator<void> {
    const decoder = this.#decoder;
    let start = 0;
    let end = this.#end;
    let eof = false;
    for (;;) {
      options.signal?.throwIfAborted();
      start = decoder.decode(this.#buf, start, end);
      const paused = options.onProgress?.(decoder.consumed);
      if (paused !== undefined) await paused;
      yield;
      if (decoder.stopped || eof) break;
      if (start > 0) {
        this.#buf.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      if (decoder.need > this.#buf.length && this.#input.size !== undefined && decoder.consumed + decoder.need > this.#input.size) {
        // The record claims more than the file holds (size when opened): it is
        // cut short. Say so without growing the window to the claimed size.
        eof = true;
        decoder.finish(end - start);
        return;
      }
      if (decoder.need > this.#buf.length) {
        const bigger = new Uint8Array(Math.max(decoder.need, this.#buf.length * 2));
        bigger.set(this.#buf.subarray(0, end));
        this.#buf = bigger;
      } else if (this.#buf.length < this.#chunk && end + decoder.need > this.#buf.length / 2) {
        // The first window was small (the header peek); give it the full read size.
        const bigger = new Uint8Array(this.#chunk);
        bigger.set(this.#buf.subarray(0, end));
        this.#buf = bigger;
      }
      // Fill the window (several reads for a pipe), stopping at end of input.
      while (end < this.#buf.length) {
        const n = await abortable(this.#input.read(this.#buf, end, this.#buf.length - end), options.signal);
        if (n === 0) {
          eof = true;
          break;
        }
        end += n;
        if (end - start >= decoder.need && this.#input.size === undefined) break;
      }
    }
    decoder.finish(decoder.stopped ? 0 : end - start);
  }
}

function noop(): void {}

/**
 * A read that an AbortSignal can interrupt: a pipe may wait for data for
 * ever (a quiet tcpdump), and Ctrl-C must still stop the command.
 */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function copyPacket(p: PacketRecord): CapturedPacket {
  return {
    index: p.index,
    tsSec: p.tsSec,
    tsNsec: p.tsNsec,
    hasTimestamp: p.hasTimestamp,
    capLen: p.capLen,
    origLen: p.origLen,
    linkType: p.linkType,
    interfaceId: p.interfaceId,
    fileOffset: p.fileOffset,
    data: p.buf.slice(p.offset, p.offset + p.capLen),
  };
}

function checkedInteger(name: string, value: number, min: number): number {
  return integerIn(min)(value, `options.${name}`);
}

/** openCapture()'s options (a key added to CaptureOptions must be added here too); the limits get their minimums below. */
const CAPTURE_OPTIONS = {
  maxRecordBytes: anyValue,
  readChunkBytes: anyValue,
  maxWarnings: anyValue,
  name: optional(stringValue),
} satisfies Record<keyof CaptureOptions, Checker<unknown>>;

/** Where a capture comes from: a path, or a stream of bytes (pipe, stdin, socket). */
export type CaptureInput = string | AsyncIterable<Uint8Array | string>;

/**
 * Opens a capture and checks its magic number before returning.
 * @param input a file path, or a Readable/async iterable (e.g. tcpdump -w - stdout)
 * @param options reader limits; see {@link CaptureOptions}
 * @throws CaptureFormatError NETLAB_ERR_PCAP_NOT_CAPTURE for an empty or non-capture input
 * @throws FileError NETLAB_ERR_FILE when the file cannot be opened
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT (the promise rejects) for an
 *   input that is neither a path nor a stream, an option out of range or an unknown option key
 */
export async function openCapture(input: CaptureInput, options: CaptureOptions = {}): Promise<PacketSource> {
  if (typeof input !== 'string' && !(typeof input === 'object' && input !== null && Symbol.asyncIterator in input)) {
    throw invalidOption('input', 'a file path or an async iterable of bytes', input);
  }
  validateOptions(options, 'options', CAPTURE_OPTIONS, true);
  const opts = Object.freeze({
    maxRecordBytes: checkedInteger('maxRecordBytes', options.maxRecordBytes ?? DEFAULTS.pcapMaxRecordBytes, 64),
    readChunkBytes: checkedInteger('readChunkBytes', options.readChunkBytes ?? DEFAULTS.pcapReadChunkBytes, 64),
    maxWarnings: checkedInteger('maxWarnings', options.maxWarnings ?? DEFAULTS.pcapMaxWarnings, 0),
  });
  const src: ByteInput = typeof input === 'string' ? await FileInput.open(input) : new StreamInput(input, options.name ?? 'stream');
  try {
    // Peek the magic number; for a file read the first full window at once.
    const head = new Uint8Array(src.size !== undefined ? opts.readChunkBytes : 64 * 1024);
    let n = 0;
    while (n < MAGIC_BYTES) {
      const got = await src.read(head, n, head.length - n);
      if (got === 0) break;
      n += got;
    }
    return new PacketSource(src, head, n, opts);
  } catch (err) {
    await src.close();
    throw err;
  }
}
