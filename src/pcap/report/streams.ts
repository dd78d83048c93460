/**
 * The per-stream part of the report: TCP streams numbered by reassembly's
 * own stream table (tshark's tcp.stream), and for the first `streams` of
 * them the ladder (every segment's flags, relative seq/ack, length, its
 * first payload bytes), the time-sequence points, and TLS: version and
 * cipher from the hellos and, with a key log, the decrypted records, by the
 * TLS stream consumer. Streams past the first `streams` are refused by
 * reassembly (no buffers) and cost the report nothing but their number.
 */
import { DEFAULTS } from '../../constants.js';
import { TCP_FLAGS, type Dissection } from '../layers/dissection.js';
import { contentTypeName, handshakeTypeName } from '../layers/tls-names.js';
import { TcpStreams, type TcpStreamInfo } from '../reassembly/tcp-streams.js';
import type { TlsRecordView } from '../tls/connection.js';
import type { KeyLog } from '../tls/keylog.js';
import { TlsStreamConsumer } from '../tls/stream-consumer.js';
import type { TlsStreamSummary } from '../tls/types.js';
import { tcpFlagNames } from '../view/columns.js';
import { previewText } from './text-preview.js';
import { DecimatedPoints } from './time-sequence.js';
import type { LadderSegment, ReportStream, StreamTls } from './types.js';

/** Limits of {@link StreamCollector}; defaults in DEFAULTS. */
export interface StreamCollectorOptions {
  /** Streams drawn (default DEFAULTS.reportStreams). */
  streams?: number;
  keyLog?: KeyLog;
  /** Segments per ladder (default DEFAULTS.reportLadderSegments). */
  ladderSegments?: number;
  /** Time-sequence points per direction (default DEFAULTS.reportTimeSequencePoints). */
  timeSequencePoints?: number;
}

/** TLS labels kept per segment; more are summed up in one. */
const MAX_TLS_LABELS = 4;

interface StreamState {
  report: ReportStream;
  points: [DecimatedPoints, DecimatedPoints];
}

export class StreamCollector {
  readonly #tcp: TcpStreams;
  readonly #tls: TlsStreamConsumer;
  readonly #wanted: number;
  readonly #ladder: number;
  readonly #pointCap: number;
  readonly #states: StreamState[] = [];
  /** TLS records completed while the current packet went through reassembly. */
  #pendingTls: string[] = [];

  constructor(options: StreamCollectorOptions = {}) {
    this.#wanted = options.streams ?? DEFAULTS.reportStreams;
    this.#ladder = options.ladderSegments ?? DEFAULTS.reportLadderSegments;
    this.#pointCap = options.timeSequencePoints ?? DEFAULTS.reportTimeSequencePoints;
    const wanted = this.#wanted;
    this.#tls = new TlsStreamConsumer({
      keyLog: options.keyLog,
      wanted: (s) => s.tls && s.index < wanted,
      onChunk: (s, _side, report) => {
        // Only what the current packet's own stream completed (a release of another stream may flush it too).
        if (s.index !== this.#tcp.lastStream) return;
        for (const record of report.records) this.#pendingTls.push(describeRecord(record));
        for (const record of report.late) this.#pendingTls.push(describeRecord(record));
      },
      onSummary: (s, summary, plain) => this.#summary(s, summary, plain),
    });
    this.#tcp = new TcpStreams({
      accept: (s) => s.index < wanted,
      reassembled: (s, side, data, packetIndex) => this.#tls.reassembled(s, side, data, packetIndex),
      complete: (s) => this.#tls.complete(s),
    });
  }

  /**
   * Takes one dissected packet.
   * @param time seconds since the capture's first packet (null without timestamp)
   * @param epoch epoch seconds (NaN without timestamp), for reassembly's idle timeout
   */
  add(d: Dissection, packet: number, time: number | null, epoch: number): void {
    const tcp = this.#tcp;
    tcp.add(d, packet, epoch);
    const index = tcp.lastStream;
    if (index < 0 || index >= this.#wanted) return;
    const state = this.#states[index] ?? this.#open(index);
    const r = state.report;
    const side = tcp.lastSide;
    const flags = d.tcpFlags;
    const len = d.payloadLength + (d.failure === '' ? d.ipUncaptured : 0);
    // tshark's relative numbers, as the packet view gives them.
    const seq = (d.tcpSeq - tcp.sequenceBase(index, side)) >>> 0;
    const ack = (flags & TCP_FLAGS.ACK) === 0 ? null : (d.tcpAck - tcp.ackBase(index, side, d.tcpAck)) >>> 0;
    r.packets++;
    if (side === 0) r.bytesClient += len;
    else r.bytesServer += len;
    if (time !== null) {
      r.start ??= time;
      r.end = time;
      state.points[side].add(time, seq + len);
    }
    if (r.segments.length < this.#ladder) {
      const segment: LadderSegment = {
        packet,
        time,
        from: side === 0 ? 'client' : 'server',
        flags: tcpFlagNames(flags),
        seq,
        ack,
        len,
        payload: previewText(d.buf, d.payloadOffset, d.payloadOffset + Math.min(d.payloadLength, DEFAULTS.reportPayloadPreviewBytes)),
        tls: tlsLabels(this.#pendingTls),
      };
      r.segments.push(segment);
    } else {
      r.segmentsNotDrawn++;
    }
    if (this.#pendingTls.length > 0) this.#pendingTls = [];
  }

  /** Ends the capture: completes reassembly and TLS of the streams still open. */
  finish(): void {
    this.#tcp.finish();
    this.#tls.finish();
  }

  /** TCP streams seen. */
  get count(): number {
    return this.#tcp.count;
  }

  /** Reassembly's own limit counters (for the warnings `pcap follow` gives). */
  get tcpStreams(): TcpStreams {
    return this.#tcp;
  }

  /** The streams drawn, in tcp.stream order. */
  result(): ReportStream[] {
    return this.#states.map((s) => ({ ...s.report, timeSequence: { client: s.points[0].result(), server: s.points[1].result() } }));
  }

  #open(index: number): StreamState {
    const info = this.#tcp.stream(index)!;
    const state: StreamState = {
      report: {
        stream: index,
        client: info.client,
        server: info.server,
        packets: 0,
        bytesClient: 0,
        bytesServer: 0,
        start: null,
        end: null,
        segments: [],
        segmentsNotDrawn: 0,
        timeSequence: { client: [], server: [] },
        tls: null,
      },
      points: [new DecimatedPoints(this.#pointCap), new DecimatedPoints(this.#pointCap)],
    };
    this.#states[index] = state;
    return state;
  }

  #summary(stream: TcpStreamInfo, summary: TlsStreamSummary, plain: boolean): void {
    const state = this.#states[stream.index];
    if (state === undefined || plain || !summary.tls) return;
    const tls: StreamTls = {
      version: summary.version,
      cipherSuite: summary.cipherSuite,
      status: summary.status,
      reason: summary.reason,
      keysFound: summary.keysFound,
      decryptedRecords: summary.client.decrypted + summary.server.decrypted,
      applicationBytesClient: summary.client.applicationBytes,
      applicationBytesServer: summary.server.applicationBytes,
    };
    // A stream whose reassembly resumed after it completed (idle past the timeout) is followed again from
    // mid-stream, without hellos: that summary has tls false and was ignored above, so the first one stays.
    state.report.tls ??= tls;
  }
}

function tlsLabels(pending: string[]): string[] {
  if (pending.length <= MAX_TLS_LABELS) return pending.length === 0 ? [] : pending;
  return [...pending.slice(0, MAX_TLS_LABELS - 1), `${pending.length - MAX_TLS_LABELS + 1} more records`];
}

/** A record as its segment's label says it: its handshake messages, or its content type; decrypted application data with its first bytes. */
function describeRecord(record: TlsRecordView): string {
  if (record.handshakes.length > 0) return record.handshakes.map((h) => handshakeTypeName(h.type)).join(', ');
  const type = record.contentType ?? record.type;
  const name = contentTypeName(type);
  if (record.outcome === 'decrypted' && record.content !== undefined) {
    const shown = record.content.subarray(0, DEFAULTS.reportPayloadPreviewBytes);
    return `${name} (decrypted)${type === 23 ? `: ${previewText(shown, 0, shown.length)}` : ''}`;
  }
  return record.outcome === 'skipped' || record.outcome === 'failed' ? `${name} (encrypted)` : name;
}
