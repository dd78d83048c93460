/**
 * The data of a capture report (`pcap report --json`): the file object of
 * `pcap stats --json`, unchanged, plus what the page draws. Times are
 * seconds; `time` fields count from the capture's first timestamped packet,
 * as tshark's frame.time_relative does.
 */
import type { CaptureWarning } from '../read/packet.js';
import type { FileStats } from '../stats.js';

/** Packets and captured bytes per interval, one array entry an interval. */
export interface DirectionSeries {
  packets: number[];
  bytes: number[];
}

/** Traffic over time: exact counts in `buckets` intervals of `interval` seconds from `start`. */
export interface TrafficSeries {
  /** Epoch seconds of the first interval's start (the first timestamped packet); null without timestamps. */
  start: number | null;
  /** Interval length, seconds. */
  interval: number;
  /** Intervals (every array below has this length). */
  buckets: number;
  in: DirectionSeries;
  out: DirectionSeries;
  other: DirectionSeries;
  /** Packets without a timestamp (pcapng simple packet blocks): counted in the totals, not in the series. */
  untimed: number;
}

/** One histogram bin: inter-arrival times `lo <= t < hi` seconds (`lo` null: below `hi`, zero and negative included; `hi` null: `lo` and above). */
export interface HistogramBin {
  lo: number | null;
  hi: number | null;
  count: number;
}

/** Inter-arrival distribution of one direction, on fixed log-scale bins. */
export interface IatHistogram {
  /** Inter-arrival times counted (packets of the direction with a timestamp, minus one). */
  count: number;
  /** The same figures as `pcap stats` (DirectionStats). */
  mean: number | null;
  median: number | null;
  std: number | null;
  /** Bins from the first to the last non-empty one. */
  bins: HistogramBin[];
}

/** One node of the protocol hierarchy (link, network, transport, application). */
export interface ProtocolNode {
  name: string;
  packets: number;
  bytes: number;
  children: ProtocolNode[];
}

/** One address: what it sent and received (from the IP conversations). */
export interface Talker {
  address: string;
  packets: number;
  bytes: number;
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
}

/** One TCP segment of a stream's ladder. */
export interface LadderSegment {
  /** frame.number. */
  packet: number;
  /** Seconds since the capture's first packet (null without timestamp). */
  time: number | null;
  from: 'client' | 'server';
  /** tshark's names, e.g. "SYN, ACK". */
  flags: string;
  /** Relative sequence number, as tshark's tcp.seq. */
  seq: number;
  /** Relative acknowledgement number (tcp.ack); null without the ACK flag. */
  ack: number | null;
  /** tcp.len: payload bytes the segment declares. */
  len: number;
  /** The first payload bytes as text (unprintable bytes as "."); empty without payload. */
  payload: string;
  /** What TLS records this segment completed, e.g. "Client Hello" or "Application Data: GET / ..." (decrypted). */
  tls: string[];
}

/** TLS as seen on one stream (version and cipher from the hellos; decryption with a key log). */
export interface StreamTls {
  version: string | null;
  cipherSuite: string | null;
  /** TlsStreamSummary's status: decrypted, partial, failed, no-keys, unsupported, incomplete, not-tls, empty. */
  status: string;
  reason: string | null;
  keysFound: boolean;
  /** Protected records decrypted (both directions). */
  decryptedRecords: number;
  /** Decrypted application bytes per direction. */
  applicationBytesClient: number;
  applicationBytesServer: number;
}

/** One TCP stream of the report (the first `streams` of the capture). */
export interface ReportStream {
  /** tcp.stream. */
  stream: number;
  client: string;
  server: string;
  packets: number;
  /** Payload bytes (tcp.len summed) per side. */
  bytesClient: number;
  bytesServer: number;
  /** Seconds since the capture's first packet, of the stream's first and last packet. */
  start: number | null;
  end: number | null;
  /** The first segments, in capture order (at most DEFAULTS.reportLadderSegments). */
  segments: LadderSegment[];
  /** Segments of the stream not in `segments`. */
  segmentsNotDrawn: number;
  /** Time-sequence points [time, relative sequence number after the segment], downsampled to a fixed number. */
  timeSequence: { client: [number, number][]; server: [number, number][] };
  /** Set when the stream carried TLS. */
  tls: StreamTls | null;
}

/** The whole report: the stats file object plus the page's data. */
export interface CaptureReport extends FileStats {
  series: TrafficSeries;
  histograms: { in: IatHistogram; out: IatHistogram };
  hierarchy: ProtocolNode;
  talkers: Talker[];
  /** TCP streams in the capture (tcp.stream values 0 to count - 1). */
  tcpStreams: number;
  streams: ReportStream[];
  /** What the report itself ran into (reassembly limits of the streams drawn); the reader's warnings stay in `warnings`. */
  reportWarnings: CaptureWarning[];
}
