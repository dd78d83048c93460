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
async function reassemble(
  input: CaptureInput,
  consumer: StreamConsumer,
  options: FollowOptions,
): Promise<{ tcp: TcpStreams; info: CaptureInfo; source: PacketSource }> {
  const source = await openCapture(input, options.capture);
  const tcp = new TcpStreams(consumer, options);
  const d = new Dissection();
  const info = await source.forEach(
    (p) => {
      tcp.add(dissect(d, p), p.index);
    },
    { signal: options.signal, onProgress: options.onProgress, stopQuietly: true },
  );
  tcp.finish();
  return { tcp, info, source };
}

/**
 * Lists every TCP stream with its reassembled byte counts.
 * @param input file path or stream
 * @throws CaptureFormatError when the input is not a capture
 */
export async function listTcpStreams(input: CaptureInput, options: FollowOptions = {}): Promise<{ streams: ListedTcpStream[]; info: CaptureInfo }> {
  const keys = options.keyLog === undefined ? undefined : new KeyLookup(options.keyLog);
  const { tcp, info } = await reassemble(input, { reassembled: (stream, side, data) => keys?.feed(stream, side, data) }, options);
  const streams = tcp.streams().map((s) => ({ ...s, keys: keys?.found(s.index) ?? false }));
  return { streams, info: withLimitWarnings(info, tcp) };
}

/** A listed stream: `keys` says whether the key log can decrypt it (false without a key log). */
export interface ListedTcpStream extends TcpStreamInfo {
  keys: boolean;
}

/** Streams whose hellos are still being looked for at once; beyond it, new ones count as "no keys". */
const MAX_PENDING_KEY_LOOKUPS = 10_000;

/**
 * Reads just enough of each TLS stream (both hellos) to know whether the key
 * log has its secrets, then stops looking at it, so memory does not grow
 * with the capture.
 */
class KeyLookup {
  readonly #keyLog: KeyLog;
  readonly #pending = new Map<number, TlsStreamDecryptor>();
  readonly #found = new Map<number, boolean>();

  constructor(keyLog: KeyLog) {
    this.#keyLog = keyLog;
  }

  feed(stream: TcpStreamInfo, side: Side, data: Uint8Array): void {
    if (!stream.tls || this.#found.has(stream.index)) return;
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
      this.#found.set(stream.index, summary.keysFound);
      this.#pending.delete(stream.index);
    }
  }

  found(index: number): boolean {
    return this.#found.get(index) ?? false;
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
  const { tcp, info, source } = await reassemble(
    input,
    {
      accept: (s) => s.index === index,
      reassembled: (_s, side, data, packetIndex) => onData(side, data, packetIndex),
    },
    options,
  );
  const stream = tcp.streams()[index];
  if (stream === undefined) {
    const count = tcp.streams().length;
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
      message: `${tcp.evicted} TCP streams were forgotten because more than the stream limit were open at once; later packets of them start new streams`,
    });
  }
  return { ...info, warnings };
}

export type { Side, TcpStreamInfo };
