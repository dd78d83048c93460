/**
 * One streaming pass for the whole report: StatsAccumulator (the very code
 * of `pcap stats`, so the numbers are its numbers) with the collectors of
 * what the page draws beside it: traffic over time, inter-arrival
 * histograms, the protocol hierarchy and the first TCP streams. Each keeps
 * bounded state; the packet's direction is read back from the accumulator's
 * own counters rather than decided a second time.
 */
import { DEFAULTS } from '../../constants.js';
import { ERROR_CODES } from '../../errors.js';
import type { CaptureInfo, PacketRecord } from '../read/packet.js';
import { StatsAccumulator, type StatsOptions } from '../stats.js';
import type { KeyLog } from '../tls/keylog.js';
import { HierarchyCollector } from './hierarchy.js';
import { IatHistogramCollector } from './iat-histogram.js';
import { StreamCollector } from './streams.js';
import { topTalkers } from './talkers.js';
import { TimeSeriesCollector, type DirectionIndex } from './time-series.js';
import type { CaptureReport } from './types.js';

/** Options of {@link ReportCollector} and the report functions. */
export interface ReportOptions {
  /** Local networks, as `pcap stats --local` (default 192.168.0.0/16). */
  local?: StatsOptions['local'];
  /** NSS key log: TLS streams drawn are decrypted. */
  keyLog?: KeyLog;
  /** TCP streams drawn (default DEFAULTS.reportStreams = 10). */
  streams?: number;
}

/** The number of conversations of the stats document, as `pcap stats` lists them. */
const STATS_TOP_CONVERSATIONS = 10;

export class ReportCollector {
  readonly #stats: StatsAccumulator;
  readonly #series = new TimeSeriesCollector();
  readonly #iat = { in: new IatHistogramCollector(), out: new IatHistogramCollector() };
  readonly #hierarchy = new HierarchyCollector();
  readonly #streams: StreamCollector;
  #haveT0 = false;
  #t0Sec = 0;
  #t0Nsec = 0;

  constructor(options: ReportOptions = {}) {
    // Every conversation is listed so that talkers can be summed from them; the stats document keeps the top 10, as stats does.
    this.#stats = new StatsAccumulator({ local: options.local, topConversations: Infinity });
    this.#streams = new StreamCollector({ streams: options.streams, keyLog: options.keyLog });
  }

  /** Takes one packet (the reader's reused record). */
  add(p: PacketRecord): void {
    const stats = this.#stats;
    const inBefore = stats.in.packets;
    const outBefore = stats.out.packets;
    const d = stats.add(p);
    const dir: DirectionIndex = stats.in.packets !== inBefore ? 2 : stats.out.packets !== outBefore ? 1 : 0;
    const hasTime = p.hasTimestamp;
    const sec = p.tsSec;
    const nsec = p.tsNsec;
    this.#series.add(dir, p.capLen, hasTime, sec, nsec);
    if (dir === 2) this.#iat.in.add(hasTime, sec, nsec);
    else if (dir === 1) this.#iat.out.add(hasTime, sec, nsec);
    this.#hierarchy.add(d, p.capLen);
    let time: number | null = null;
    if (hasTime) {
      if (!this.#haveT0) {
        this.#haveT0 = true;
        this.#t0Sec = sec;
        this.#t0Nsec = nsec;
      }
      time = sec - this.#t0Sec + (nsec - this.#t0Nsec) / 1e9;
    }
    this.#streams.add(d, p.index, time, hasTime ? sec + nsec / 1e9 : NaN);
  }

  /**
   * The report document.
   * @param file name to report
   * @param info what the reader learned (format, link types, warnings)
   */
  result(file: string, info: CaptureInfo): CaptureReport {
    this.#streams.finish();
    const stats = this.#stats.result(file, info);
    const all = stats.conversations;
    const streams = this.#streams;
    const warnings = [...stats.warnings];
    const tcp = streams.tcpStreams;
    if (tcp.limitHits > 0 || tcp.evicted > 0) {
      warnings.push({
        code: ERROR_CODES.PCAP_REASSEMBLY_LIMIT,
        offset: -1,
        message: 'reassembly of the streams drawn went over its buffer limits: some TLS records of them may be missing',
      });
    }
    return {
      ...stats,
      conversations: all.slice(0, STATS_TOP_CONVERSATIONS),
      series: this.#series.result(),
      histograms: { in: this.#iat.in.result(stats.in.iat), out: this.#iat.out.result(stats.out.iat) },
      hierarchy: this.#hierarchy.result(),
      talkers: topTalkers(all, DEFAULTS.reportTalkers),
      tcpStreams: streams.count,
      streams: streams.result(),
      reportWarnings: warnings.slice(stats.warnings.length),
    };
  }
}
