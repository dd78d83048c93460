/**
 * Turns what crossed one socket into a plausible capture of it: a TCP
 * conversation with a three-way handshake, consistent sequence and
 * acknowledgement numbers, FINs or a RST at the end; or UDP datagrams.
 * Wireshark and tshark then dissect and "follow" it like a real capture.
 */
import { randomBytes } from 'node:crypto';
import { buildFrame, TCP_FLAGS, type FrameEndpoint } from './frames.js';
import type { PcapWriter } from './pcap-writer.js';

/** Payload per synthesised segment: well under the 65535-byte IPv4 length limit. */
const SEGMENT_BYTES = 32 * 1024;

/** Microseconds since the epoch, with sub-millisecond resolution from the monotonic clock. */
const EPOCH_US = BigInt(Date.now()) * 1000n - process.hrtime.bigint() / 1000n;
export function nowMicroseconds(): bigint {
  return EPOCH_US + process.hrtime.bigint() / 1000n;
}

function isn(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** One TCP connection as the tap saw it. `client` opened it. */
export class TcpConversation {
  readonly #writer: PcapWriter;
  readonly #client: FrameEndpoint;
  readonly #server: FrameEndpoint;
  /** Next sequence number each side will send. */
  #clientSeq = isn();
  #serverSeq = isn();
  #clientFin = false;
  #serverFin = false;
  /** Which side closed first; the final ACK comes from it (RFC 793 §3.5). */
  #firstFinFromClient: boolean | undefined;
  #done = false;
  readonly #onClosed: () => void;

  /** @param onClosed told once the conversation has ended */
  constructor(writer: PcapWriter, client: FrameEndpoint, server: FrameEndpoint, onClosed: () => void = () => undefined) {
    this.#writer = writer;
    this.#onClosed = onClosed;
    this.#client = client;
    this.#server = server;
    // RFC 793 §3.4: SYN, SYN-ACK, ACK; each SYN consumes one sequence number.
    this.#segment(true, TCP_FLAGS.SYN, new Uint8Array(0), 0);
    this.#clientSeq += 1;
    this.#segment(false, TCP_FLAGS.SYN | TCP_FLAGS.ACK, new Uint8Array(0));
    this.#serverSeq += 1;
    this.#segment(true, TCP_FLAGS.ACK, new Uint8Array(0));
  }

  /** Bytes sent by the client (true) or the server (false). */
  data(fromClient: boolean, bytes: Uint8Array): void {
    if (this.#done) return;
    for (let at = 0; at < bytes.length; at += SEGMENT_BYTES) {
      const piece = bytes.subarray(at, Math.min(bytes.length, at + SEGMENT_BYTES));
      this.#segment(fromClient, TCP_FLAGS.PSH | TCP_FLAGS.ACK, piece);
      if (fromClient) this.#clientSeq += piece.length;
      else this.#serverSeq += piece.length;
    }
  }

  /** That side will send no more (FIN consumes one sequence number). */
  fin(fromClient: boolean): void {
    if (this.#done || (fromClient ? this.#clientFin : this.#serverFin)) return;
    this.#segment(fromClient, TCP_FLAGS.FIN | TCP_FLAGS.ACK, new Uint8Array(0));
    this.#firstFinFromClient ??= fromClient;
    if (fromClient) {
      this.#clientSeq += 1;
      this.#clientFin = true;
    } else {
      this.#serverSeq += 1;
      this.#serverFin = true;
    }
  }

  /**
   * The connection is gone: a RST when it failed, else the FINs that were
   * not seen yet and the last ACK.
   */
  close(failedFromClient?: boolean): void {
    if (this.#done) return;
    if (failedFromClient !== undefined) {
      this.#segment(failedFromClient, TCP_FLAGS.RST | TCP_FLAGS.ACK, new Uint8Array(0));
    } else {
      const clientFirst = this.#firstFinFromClient ?? true;
      this.fin(clientFirst);
      this.fin(!clientFirst);
      this.#segment(clientFirst, TCP_FLAGS.ACK, new Uint8Array(0));
    }
    this.#done = true;
    this.#onClosed();
  }

  #segment(fromClient: boolean, flags: number, payload: Uint8Array, ack?: number): void {
    const [src, dst] = fromClient ? [this.#client, this.#server] : [this.#server, this.#client];
    const seq = fromClient ? this.#clientSeq : this.#serverSeq;
    const ackNumber = ack ?? (fromClient ? this.#serverSeq : this.#clientSeq);
    this.#writer.write(nowMicroseconds(), buildFrame(src, dst, fromClient, { kind: 'tcp', seq, ack: ackNumber, flags }, payload));
  }
}

/** One UDP datagram between two endpoints. */
export function writeDatagram(writer: PcapWriter, src: FrameEndpoint, dst: FrameEndpoint, srcIsClient: boolean, payload: Uint8Array): void {
  writer.write(nowMicroseconds(), buildFrame(src, dst, srcIsClient, { kind: 'udp' }, payload));
}
