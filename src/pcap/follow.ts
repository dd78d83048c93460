/**
 * `pcap follow`: the TCP streams of a capture (as tshark numbers them) and
 * the reassembled bytes of one of them, in one streaming pass.
 */
import { ERROR_CODES, NetlabError } from '../errors.js';
import { dissect } from './layers/dissect.js';
import { Dissection } from './layers/dissection.js';
import type { CaptureInfo } from './read/packet.js';
import { openCapture, type CaptureInput, type CaptureOptions, type PacketSource } from './read/source.js';
import { TcpStreams, type Side, type StreamConsumer, type TcpStreamInfo, type TcpStreamsOptions } from './reassembly/tcp-streams.js';
import type { KeyLog } from './tls/keylog.js';
import { TlsStreamDecryptor } from './tls/decrypt.js';

/** Options of the follow functions. */
export interface FollowOptions extends TcpStreamsOptions {
  /** listTcpStreams: find out per TLS stream whether this key log holds its secrets. */
  keyLog?: KeyLog;
  capture?: CaptureOptions;
  /** Stops reading; the result then covers the packets read so far (with a NETLAB_ERR_PCAP_INTERRUPTED warning). */
  signal?: AbortSignal;
  onProgress?: (bytesRead: number) => void;
}

/** One pass over a capture: every packet dissected and fed to TCP reassembly. */
async function reassemble(input: CaptureInput, tcp: TcpStreams, options: FollowOptions): Promise<{ info: CaptureInfo; source: PacketSource }> {
  const source = await openCapture(input, options.capture);
  const d = new Dissection();
  const info = await source.forEach(
    (p) => {
      tcp.add(dissect(d, p), p.index, p.hasTimestamp ? p.tsSec + p.tsNsec / 1e9 : NaN);
    },
    { signal: options.signal, onProgress: options.onProgress, stopQuietly: true },
  );
  tcp.finish();
  return { info, source };
}

/** The streams of a capture, read one at a time (nothing is built for a stream until it is asked for). */
export interface TcpStreamList {
  /** Number of streams (tcp.stream values 0 to count - 1). */
  readonly count: number;
  /** One stream as a plain object; undefined outside 0..count-1. */
  stream(index: number): ListedTcpStream | undefined;
}

/**
 * Reads a capture and keeps only the compact record of each TCP stream (a few
 * dozen bytes), for listing very large captures without an object per stream.
 * @param input file path or stream
 * @throws CaptureFormatError when the input is not a capture
 */
export async function scanTcpStreams(input: CaptureInput, options: FollowOptions = {}): Promise<{ streams: TcpStreamList; info: CaptureInfo }> {
  const keys = options.keyLog === undefined ? undefined : new KeyLookup(options.keyLog);
  const tcp = new TcpStreams(
    {
      reassembled: (stream, side, data) => keys?.feed(tcp, stream, side, data),
      complete: (stream) => keys?.drop(tcp, stream),
    },
    options,
  );
  const { info } = await reassemble(input, tcp, options);
  const streams: TcpStreamList = {
    count: tcp.count,
    stream: (index) => {
      const s = tcp.stream(index) as ListedTcpStream | undefined;
      if (s !== undefined) s.keys = tcp.keysFound(index);
      return s;
    },
  };
  return { streams, info: withLimitWarnings(info, tcp) };
}

/**
 * Lists every TCP stream with its reassembled byte counts.
 * @param input file path or stream
 * @throws CaptureFormatError when the input is not a capture
 */
export async function listTcpStreams(input: CaptureInput, options: FollowOptions = {}): Promise<{ streams: ListedTcpStream[]; info: CaptureInfo }> {
  const { streams: list, info } = await scanTcpStreams(input, options);
  const streams: ListedTcpStream[] = [];
  for (let i = 0; i < list.count; i++) streams.push(list.stream(i)!);
  return { streams, info };
}

/** A listed stream: `keys` says whether the key log can decrypt it (false without a key log). */
export interface ListedTcpStream extends TcpStreamInfo {
  keys: boolean;
}

/** Streams whose hellos are still being looked for at once; beyond it, new ones count as "no keys". */
const MAX_PENDING_KEY_LOOKUPS = 10_000;

/**
 * Reads just enough of each TLS stream (both hellos) to know whether the key
 * log has its secrets, then stops looking at it (the answer is a flag of the
 * stream's record), so memory does not grow with the capture.
 */
class KeyLookup {
  readonly #keyLog: KeyLog;
  readonly #pending = new Map<number, TlsStreamDecryptor>();

  constructor(keyLog: KeyLog) {
    this.#keyLog = keyLog;
  }

  feed(tcp: TcpStreams, stream: TcpStreamInfo, side: Side, data: Uint8Array): void {
    if (!stream.tls || tcp.keysDecided(stream.index)) return;
    let decryptor = this.#pending.get(stream.index);
    if (decryptor === undefined) {
      if (this.#pending.size >= MAX_PENDING_KEY_LOOKUPS) return;
      decryptor = new TlsStreamDecryptor({ keyLog: this.#keyLog });
      this.#pending.set(stream.index, decryptor);
    }
    if (side === 0) decryptor.pushClient(data);
    else decryptor.pushServer(data);
    const summary = decryptor.summary();
    if (summary.clientRandom !== null && summary.version !== null) {
      tcp.setKeys(stream.index, summary.keysFound);
      this.#pending.delete(stream.index);
    }
  }

  /** The stream's reassembly stopped before both hellos were seen: it has no usable keys. */
  drop(tcp: TcpStreams, stream: TcpStreamInfo): void {
    if (this.#pending.delete(stream.index)) tcp.setKeys(stream.index, false);
  }
}

/**
 * Reassembles one TCP stream and hands its bytes to `onData` in capture
 * order of reassembly (client and server interleaved as they complete).
 * @param index tcp.stream number
 * @param onData receives each reassembled chunk; `data` is valid only during the call
 * @throws NetlabError NETLAB_ERR_PCAP_NO_STREAM when the capture has no stream `index`
 */
export async function followTcpStream(
  input: CaptureInput,
  index: number,
  onData: (side: Side, data: Uint8Array, packetIndex: number) => void,
  options: FollowOptions = {},
): Promise<{ stream: TcpStreamInfo; info: CaptureInfo }> {
  const tcp = new TcpStreams(
    {
      accept: (s) => s.index === index,
      reassembled: (_s, side, data, packetIndex) => onData(side, data, packetIndex),
    },
    options,
  );
  const { info, source } = await reassemble(input, tcp, options);
  const stream = tcp.stream(index);
  if (stream === undefined) {
    const count = tcp.count;
    throw new NetlabError(
      ERROR_CODES.PCAP_NO_STREAM,
      count === 0
        ? `${source.name} has no TCP streams`
        : `${source.name} has no TCP stream ${index}; its streams are 0 to ${count - 1} (see: netlab pcap follow ${source.name} --list)`,
    );
  }
  return { stream, info: withLimitWarnings(info, tcp) };
}

/** Adds a warning when reassembly had to give up gaps or forget streams because of its limits. */
function withLimitWarnings(info: CaptureInfo, tcp: TcpStreams): CaptureInfo {
  const warnings = [...info.warnings];
  if (tcp.limitHits > 0) {
    warnings.push({
      code: ERROR_CODES.PCAP_REASSEMBLY_LIMIT,
      offset: -1,
      message: `reassembly skipped ${tcp.limitHits} gaps because out-of-order data went over its buffer limit; some stream bytes are missing`,
    });
  }
  if (tcp.evicted > 0) {
    warnings.push({
      code: ERROR_CODES.PCAP_REASSEMBLY_LIMIT,
      offset: -1,
      message:
        `more than ${tcp.maxStreams} TCP streams were open at once: the oldest open one was released from reassembly ${tcp.evicted} times ` +
        '(streams are still all numbered and counted; out-of-order data waiting in a released stream was dropped)',
    });
  }
  return { ...info, warnings };
}

export type { Side, TcpStreamInfo };
