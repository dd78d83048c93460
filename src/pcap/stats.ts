/**
 * `pcap stats`: the course metrics of a capture in one streaming pass.
 * A packet is `out` if its source is local, else `in` if its destination is
 * local, else `other`; bytes are captured lengths; inter-arrival times are
 * seconds between consecutive packets of one direction (file order).
 *
 * The per-packet path allocates nothing: one reused Dissection, numeric
 * counters, and 8 bytes per timed packet for the exact median.
 */
import { DEFAULTS } from '../constants.js';
import { NetworkSet } from './cidr.js';
import { ConversationTable, type Conversation } from './conversations.js';
import { DirectionStats, type IatSummary } from './direction.js';
import { formatIp } from './layers/address.js';
import { dissect, protocolKeyName } from './layers/dissect.js';
import { Dissection, L4 } from './layers/dissection.js';
import type { CaptureInfo, CaptureWarning, PacketRecord } from './read/packet.js';
import { openCapture, type CaptureInput, type CaptureOptions } from './read/source.js';

/** Direction of a packet relative to the local networks. */
export type Direction = 'in' | 'out' | 'other';

/** One row of `--packets-csv`. */
export interface PacketRow {
  index: number;
  /** Epoch seconds, or null without a timestamp. */
  time: number | null;
  /** The same, exact: "<seconds>.<nine digits>" ("" without a timestamp). */
  timeText: string;
  src: string;
  dst: string;
  protocol: string;
  sport: number | null;
  dport: number | null;
  length: number;
  direction: Direction;
}

/** The JSON document of one file, as the contract spells it. */
export interface FileStats {
  file: string;
  format: 'pcap' | 'pcapng';
  linktypes: number[];
  packets: number;
  bytes: number;
  wire_bytes: number;
  first: number | null;
  last: number | null;
  duration: number | null;
  in: { packets: number; bytes: number; iat: IatSummary };
  out: { packets: number; bytes: number; iat: IatSummary };
  other: { packets: number; bytes: number };
  protocols: Record<string, number>;
  conversations: Conversation[];
  warnings: CaptureWarning[];
}

/** Options of {@link captureStats} and {@link StatsAccumulator}. */
export interface StatsOptions {
  /** Local networks (default DEFAULTS.pcapLocalNetworks: 192.168.0.0/16). */
  local?: readonly string[] | NetworkSet;
  /** Conversations listed in the result (default 10). */
  topConversations?: number;
  /** Conversations tracked (default DEFAULTS.pcapMaxConversations). */
  maxConversations?: number;
  /** Receives one row per packet (for --packets-csv); slows the pass down. */
  onPacketRow?: (row: PacketRow) => void;
  /** Reader limits. */
  capture?: CaptureOptions;
  /** Stops reading; the result then covers the packets read so far (with a NETLAB_ERR_PCAP_INTERRUPTED warning). */
  signal?: AbortSignal;
  onProgress?: (bytesRead: number) => void;
}

const OTHER = 0;
const OUT = 1;
const IN = 2;
const DIRECTIONS: Direction[] = ['other', 'out', 'in'];

/** Accumulates the metrics packet by packet (usable on any PacketSource, e.g. live capture). */
export class StatsAccumulator {
  packets = 0;
  bytes = 0;
  wireBytes = 0;
  readonly in = new DirectionStats();
  readonly out = new DirectionStats();
  readonly other = { packets: 0, bytes: 0 };
  readonly #local: NetworkSet;
  readonly #d = new Dissection();
  readonly #ipProtocols = new Float64Array(256);
  readonly #otherProtocols = new Map<number, number>();
  readonly #conv: ConversationTable;
  readonly #row: ((row: PacketRow) => void) | undefined;
  readonly #top: number;
  #hasTime = false;
  #minSec = 0;
  #minNsec = 0;
  #maxSec = 0;
  #maxNsec = 0;

  constructor(options: StatsOptions = {}) {
    const local = options.local ?? DEFAULTS.pcapLocalNetworks;
    this.#local = local instanceof NetworkSet ? local : new NetworkSet(local);
    this.#conv = new ConversationTable(options.maxConversations ?? DEFAULTS.pcapMaxConversations);
    this.#row = options.onPacketRow;
    this.#top = options.topConversations ?? 10;
  }

  /**
   * Counts one packet (the reader's reused record).
   * @returns its dissection: the accumulator's one reused object, valid until the next add (so
   *   a caller that needs more of the packet, like the report, does not dissect it again)
   */
  add(p: PacketRecord): Dissection {
    const d = dissect(this.#d, p);
    const len = p.capLen;
    this.packets++;
    this.bytes += len;
    this.wireBytes += p.origLen;
    const key = d.protoKey;
    if (key < 256) this.#ipProtocols[key]!++;
    else this.#otherProtocols.set(key, (this.#otherProtocols.get(key) ?? 0) + 1);

    let dir = OTHER;
    const b = d.buf;
    if (d.ipVersion === 4) {
      if (this.#local.hasV4(b, d.srcOffset)) dir = OUT;
      else if (this.#local.hasV4(b, d.dstOffset)) dir = IN;
      this.#conv.addV4(b, d.srcOffset, d.dstOffset, len);
    } else if (d.ipVersion === 6) {
      if (this.#local.hasV6(b, d.srcOffset)) dir = OUT;
      else if (this.#local.hasV6(b, d.dstOffset)) dir = IN;
      this.#conv.addV6(b, d.srcOffset, d.dstOffset, len);
    }
    const hasTime = p.hasTimestamp;
    const sec = p.tsSec;
    const nsec = p.tsNsec;
    if (dir === OUT) this.out.add(len, hasTime, sec, nsec);
    else if (dir === IN) this.in.add(len, hasTime, sec, nsec);
    else {
      this.other.packets++;
      this.other.bytes += len;
    }
    if (hasTime) this.#time(sec, nsec);
    if (this.#row !== undefined) this.#row(this.#makeRow(p, d, dir));
    return d;
  }

  #time(sec: number, nsec: number): void {
    if (!this.#hasTime) {
      this.#hasTime = true;
      this.#minSec = this.#maxSec = sec;
      this.#minNsec = this.#maxNsec = nsec;
      return;
    }
    if (sec < this.#minSec || (sec === this.#minSec && nsec < this.#minNsec)) {
      this.#minSec = sec;
      this.#minNsec = nsec;
    }
    if (sec > this.#maxSec || (sec === this.#maxSec && nsec > this.#maxNsec)) {
      this.#maxSec = sec;
      this.#maxNsec = nsec;
    }
  }

  #makeRow(p: PacketRecord, d: Dissection, dir: number): PacketRow {
    const ip = d.ipVersion !== 0;
    const ports = d.l4 === L4.TCP || d.l4 === L4.UDP || d.l4 === L4.SCTP;
    return {
      index: p.index,
      time: p.hasTimestamp ? p.tsSec + p.tsNsec / 1e9 : null,
      timeText: p.hasTimestamp ? `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}` : '',
      src: ip ? formatIp(d.buf, d.srcOffset, d.ipVersion) : '',
      dst: ip ? formatIp(d.buf, d.dstOffset, d.ipVersion) : '',
      protocol: protocolKeyName(d.protoKey),
      sport: ports ? d.srcPort : null,
      dport: ports ? d.dstPort : null,
      length: p.capLen,
      direction: DIRECTIONS[dir]!,
    };
  }

  /** Packets per protocol name, largest first. */
  protocols(): Record<string, number> {
    const entries: [string, number][] = [];
    this.#ipProtocols.forEach((n, k) => {
      if (n > 0) entries.push([protocolKeyName(k), n]);
    });
    for (const [k, n] of this.#otherProtocols) entries.push([protocolKeyName(k), n]);
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return Object.fromEntries(entries);
  }

  /**
   * The contract's per-file document.
   * @param file name to report
   * @param info what the reader learned (format, link types, warnings)
   */
  result(file: string, info: CaptureInfo): FileStats {
    const first = this.#hasTime ? this.#minSec + this.#minNsec / 1e9 : null;
    const last = this.#hasTime ? this.#maxSec + this.#maxNsec / 1e9 : null;
    const duration = this.#hasTime ? this.#maxSec - this.#minSec + (this.#maxNsec - this.#minNsec) / 1e9 : null;
    const warnings = [...info.warnings];
    if (info.droppedWarnings > 0) {
      warnings.push({ code: warnings[0]!.code, offset: -1, message: `${info.droppedWarnings} more warnings not shown` });
    }
    return {
      file,
      format: info.format,
      linktypes: info.linkTypes,
      packets: this.packets,
      bytes: this.bytes,
      wire_bytes: this.wireBytes,
      first,
      last,
      duration,
      in: { packets: this.in.packets, bytes: this.in.bytes, iat: this.in.summary() },
      out: { packets: this.out.packets, bytes: this.out.bytes, iat: this.out.summary() },
      other: { ...this.other },
      protocols: this.protocols(),
      conversations: this.#conv.top(this.#top),
      warnings,
    };
  }
}

/**
 * Reads a whole capture and returns its metrics.
 * @param input file path or stream (pipe, stdin)
 * @param options local networks, limits, progress; see {@link StatsOptions}
 * @param file the name reported in the result (default: the path, or "stream")
 * @throws CaptureFormatError NETLAB_ERR_PCAP_NOT_CAPTURE when the input is not a capture
 * @throws FileError NETLAB_ERR_FILE when it cannot be read
 */
export async function captureStats(input: CaptureInput, options: StatsOptions = {}, file?: string): Promise<FileStats> {
  const source = await openCapture(input, options.capture);
  const acc = new StatsAccumulator(options);
  const info = await source.forEach((p) => acc.add(p), { signal: options.signal, onProgress: options.onProgress, stopQuietly: true });
  return acc.result(file ?? source.name, info);
}
