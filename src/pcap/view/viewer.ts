/**
 * Turns the reader's records into ViewPackets, in capture order: the flat
 * dissection, then what depends on the packets before (times, tcp.stream and
 * relative sequence numbers from TCP reassembly's stream table), then, when
 * asked for, application-layer dissection (UDP datagrams directly, TCP over
 * reassembly). Used by `pcap packets` and by `capture` alike.
 */
import { AppLayers } from '../layers/app-layers.js';
import { appTable } from '../layers/app-table.js';
import { dissect } from '../layers/dissect.js';
import { L4, TCP_FLAGS } from '../layers/dissection.js';
import type { TlsLayer } from '../layers/tls.js';
import type { PacketRecord } from '../read/packet.js';
import { TcpStreams, type StreamConsumer } from '../reassembly/tcp-streams.js';
import type { KeyLog } from '../tls/keylog.js';
import { ViewPacket } from './packet.js';
import { WindowScaling } from './window-scaling.js';

export interface PacketViewerOptions {
  /** Dissect application layers (TLS, HTTP, DNS); needs TCP reassembly. Default false. */
  app?: boolean;
  /**
   * Track TCP streams (tcp.stream, relative numbers, scaled windows); implied
   * by `app`. Default true; false leaves those fields at their raw values
   * (stream -1) and saves a stream-table lookup per TCP packet.
   */
  streams?: boolean;
  /** With `app`: TLS is decrypted with these secrets and what it carries dissected. */
  keyLog?: KeyLog;
  /**
   * TCP stream records kept (TcpStreamsOptions.retainStreams): a live capture
   * sets it so that days of capture do not grow the table without bound.
   */
  retainStreams?: number;
}

/** Reassembly that numbers streams but keeps no buffers. */
const NUMBERING_ONLY: StreamConsumer = { accept: () => false, reassembled: () => undefined };

export class PacketViewer {
  readonly packet = new ViewPacket();
  readonly #tcp: TcpStreams | undefined;
  readonly #apps: AppLayers | undefined;
  #t0Sec = 0;
  #t0Nsec = 0;
  #haveT0 = false;
  #prevTime = NaN;
  readonly #windowScaling = new WindowScaling();

  constructor(options: PacketViewerOptions = {}) {
    const tcp = { retainStreams: options.retainStreams };
    this.#apps = options.app === true ? new AppLayers({ table: appTable(options.keyLog), tcp }) : undefined;
    // With application layers, their reassembly numbers the streams; without, one that keeps no buffers.
    this.#tcp = this.#apps?.tcpStreams ?? (options.streams === false ? undefined : new TcpStreams(NUMBERING_ONLY, tcp));
  }

  /** Whether application layers are dissected. */
  get app(): boolean {
    return this.#apps !== undefined;
  }

  /** The next packet of the capture, as the view sees it (the same object each time). */
  next(r: PacketRecord): ViewPacket {
    const p = this.packet;
    const d = dissect(p.d, r);
    p.record = r;
    p.number = r.index;
    p.layers.length = 0;
    p.decrypted.length = 0;
    p.payloadClaimed = false;
    p.segmentOfPdu = false;
    p.partialInfo = '';
    p.columns = undefined;
    this.#times(p, r);
    p.tcpStream = -1;
    if (this.#apps !== undefined) this.#application(p, this.#apps);
    else if (d.l4 === L4.TCP) this.#tcp?.add(d, r.index, p.timeEpoch);
    if (d.l4 === L4.TCP) {
      if (this.#tcp === undefined) this.#rawNumbers(p);
      else this.#relativeNumbers(p, this.#tcp);
    }
    return p;
  }

  /**
   * The application layers this packet completed (TCP reassembly runs
   * inside). Layers of earlier segments that this one let through (a gap
   * filled) are shown on it: a packet list cannot go back.
   */
  #application(p: ViewPacket, apps: AppLayers): void {
    const d = p.d;
    if (d.l4 !== L4.TCP && !(d.l4 === L4.UDP && d.payloadLength > 0)) return;
    const events = apps.packet(d, p.number, p.timeEpoch);
    for (const event of events) {
      p.layers.push(event.layer);
      const decrypted = (event.layer as Partial<TlsLayer>).decrypted;
      if (decrypted !== undefined) for (const record of decrypted) p.decrypted.push({ contentType: record.contentType, data: record.data });
    }
    p.segmentOfPdu = apps.segmentOfPdu;
    p.partialInfo = apps.partialInfo;
    const stream = apps.tcpStreams.lastStream;
    p.payloadClaimed = p.layers.length > 0 || p.segmentOfPdu || (d.l4 === L4.TCP && stream >= 0 && apps.claimed(stream));
  }

  /** End of the capture: releases what reassembly holds. */
  finish(): void {
    if (this.#apps !== undefined) this.#apps.finish(this.packet.number);
    else this.#tcp?.finish();
  }

  #times(p: ViewPacket, r: PacketRecord): void {
    if (!r.hasTimestamp) {
      p.timeRelative = p.timeEpoch = p.timeDelta = NaN;
      return;
    }
    if (!this.#haveT0) {
      this.#haveT0 = true;
      this.#t0Sec = r.tsSec;
      this.#t0Nsec = r.tsNsec;
    }
    p.tsSec = r.tsSec;
    p.tsNsec = r.tsNsec;
    p.timeRelative = r.tsSec - this.#t0Sec + (r.tsNsec - this.#t0Nsec) / 1e9;
    p.timeEpoch = r.tsSec + r.tsNsec / 1e9;
    p.timeDelta = Number.isNaN(this.#prevTime) ? 0 : p.timeRelative - this.#prevTime;
    this.#prevTime = p.timeRelative;
  }

  /**
   * tshark's relative numbers: each side counts from its own base (the ISN,
   * or one before the first sequence number seen); an acknowledgement counts
   * from the other side's base, and from one before itself while that side
   * has not been seen.
   */
  #relativeNumbers(p: ViewPacket, tcp: TcpStreams): void {
    const d = p.d;
    const stream = tcp.lastStream;
    p.tcpStream = stream;
    if (stream < 0) return;
    const side = tcp.lastSide;
    const base = tcp.sequenceBase(stream, side);
    p.tcpSeqRelative = (d.tcpSeq - base) >>> 0;
    p.tcpWindowSize = this.#windowScaling.window(stream, side, p);
    if ((d.tcpFlags & TCP_FLAGS.ACK) === 0) {
      p.tcpAckRelative = d.tcpAck;
      p.tcpAckBase = 0;
      return;
    }
    p.tcpAckBase = tcp.ackBase(stream, side, d.tcpAck);
    p.tcpAckRelative = (d.tcpAck - p.tcpAckBase) >>> 0;
  }

  /** Without stream tracking: the numbers as they are on the wire. */
  #rawNumbers(p: ViewPacket): void {
    p.tcpSeqRelative = p.d.tcpSeq;
    p.tcpAckRelative = p.d.tcpAck;
    p.tcpAckBase = 0;
    p.tcpWindowSize = p.d.tcpWindow;
  }
}
