/**
 * Turns the reader's records into ViewPackets, in capture order: the flat
 * dissection, then what depends on the packets before (times, tcp.stream and
 * relative sequence numbers from TCP reassembly's stream table), then, when
 * asked for, application-layer dissection (UDP datagrams directly, TCP over
 * reassembly). Used by `pcap packets` and by `capture` alike.
 */
import { dissect } from '../layers/dissect.js';
import { L4, TCP_FLAGS } from '../layers/dissection.js';
import { detectApp } from '../layers/app-table.js';
import type { PacketRecord } from '../read/packet.js';
import { TcpStreams, type StreamConsumer } from '../reassembly/tcp-streams.js';
import { AppStreams } from './app-streams.js';
import { ViewPacket } from './packet.js';

export interface PacketViewerOptions {
  /** Dissect application layers (TLS, HTTP, DNS); needs TCP reassembly. Default false. */
  app?: boolean;
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
  readonly #tcp: TcpStreams;
  readonly #apps: AppStreams | undefined;
  #t0Sec = 0;
  #t0Nsec = 0;
  #haveT0 = false;
  #prevTime = NaN;

  constructor(options: PacketViewerOptions = {}) {
    this.#apps = options.app === true ? new AppStreams() : undefined;
    this.#tcp = new TcpStreams(this.#apps ?? NUMBERING_ONLY, { retainStreams: options.retainStreams });
    if (this.#apps !== undefined) this.#apps.tcp = this.#tcp;
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
    p.appProtocol = '';
    p.segmentOfPdu = false;
    p.appDissected = this.#apps !== undefined;
    this.#times(p, r);
    p.tcpStream = -1;
    if (this.#apps !== undefined) this.#apps.packet = p;
    if (d.l4 === L4.TCP) {
      this.#tcp.add(d, r.index, p.timeEpoch);
      this.#relativeNumbers(p);
    } else if (d.l4 === L4.UDP && this.#apps !== undefined && d.payloadLength > 0) {
      this.#datagram(p);
    }
    return p;
  }

  /** End of the capture: releases what reassembly holds. */
  finish(): void {
    if (this.#apps !== undefined) this.#apps.packet = undefined;
    this.#tcp.finish();
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
  #relativeNumbers(p: ViewPacket): void {
    const d = p.d;
    const stream = this.#tcp.lastStream;
    p.tcpStream = stream;
    if (stream < 0) return;
    const side = this.#tcp.lastSide;
    const base = this.#tcp.sequenceBase(stream, side);
    p.tcpSeqRelative = (d.tcpSeq - base) >>> 0;
    if ((d.tcpFlags & TCP_FLAGS.ACK) === 0) {
      p.tcpAckRelative = d.tcpAck;
      return;
    }
    const other = this.#tcp.sequenceBase(stream, side === 0 ? 1 : 0);
    p.tcpAckRelative = other === -1 ? 1 : (d.tcpAck - other) >>> 0;
  }

  #datagram(p: ViewPacket): void {
    const d = p.d;
    const payload = d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength);
    const context = { transport: 'udp' as const, srcPort: d.srcPort, dstPort: d.dstPort };
    const row = detectApp(payload, context);
    if (row?.datagram === undefined) return;
    p.appProtocol = row.name;
    p.layers.push(row.datagram(payload, context));
  }
}
