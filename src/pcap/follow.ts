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
import { TlsStreamConsumer } from './tls/stream-consumer.js';

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
  // With a key log, each TLS stream is read just far enough (both hellos)
  // to know whether the key log has its secrets; the answer becomes a flag
  // of the stream's record and its decryptor is let go, so memory does not
  // grow with the capture.
  const keys: TlsStreamConsumer | undefined =
    options.keyLog === undefined
      ? undefined
      : new TlsStreamConsumer({
          keyLog: options.keyLog,
          maxStreams: MAX_PENDING_KEY_LOOKUPS,
          until: 'keys',
          wanted: (stream): boolean => stream.tls && !tcp.keysDecided(stream.index),
          onKeys: (stream, found) => tcp.setKeys(stream.index, found),
        });
  const tcp: TcpStreams = new TcpStreams(keys ?? { reassembled: () => undefined }, options);
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

/** Streams whose hellos are still being looked for at once; past it the oldest counts as "no keys". */
const MAX_PENDING_KEY_LOOKUPS = 10_000;

/**
 * Reassembles one TCP stream and hands its bytes to `onData` in capture
 * order of reassembly (client and server interleaved as they complete).
 * @param index tcp.stream number
 * @param onData receives each reassembled chunk (and the stream it belongs to); `data` is valid only during the call
 * @throws NetlabError NETLAB_ERR_PCAP_NO_STREAM when the capture has no stream `index`
 */
export async function followTcpStream(
  input: CaptureInput,
  index: number,
  onData: (side: Side, data: Uint8Array, packetIndex: number, stream: TcpStreamInfo) => void,
  options: FollowOptions = {},
): Promise<{ stream: TcpStreamInfo; info: CaptureInfo }> {
  const tcp = new TcpStreams(
    {
      accept: (s) => s.index === index,
      reassembled: (s, side, data, packetIndex) => onData(side, data, packetIndex, s),
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
