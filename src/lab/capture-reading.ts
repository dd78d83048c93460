/**
 * Reading a lab's capture back: the packet list as the packet view sees it
 * (numbers from 1 as Wireshark's, tcp.stream, tshark's relative sequence
 * numbers and Info column, TLS decrypted with a key log), one plain object a
 * packet, and a TCP stream's reassembled bytes. A lab capture is a few dozen
 * packets, so keeping each packet's payload is cheap; this is not the way to
 * read a large capture (use PacketSource.forEach for that).
 */
import { readFile } from 'node:fs/promises';
import { L4 } from '../pcap/layers/dissection.js';
import { followTcpStream } from '../pcap/follow.js';
import { openCapture } from '../pcap/read/source.js';
import type { Side } from '../pcap/reassembly/tcp-streams.js';
import { parseKeyLog, type KeyLog } from '../pcap/tls/keylog.js';
import { TlsStreamDecryptor } from '../pcap/tls/decrypt.js';
import type { TlsStreamSummary } from '../pcap/tls/types.js';
import { packetColumns, tcpFlagNames } from '../pcap/view/columns.js';
import { tcpFlagBits } from '../pcap/view/header-fields.js';
import { PacketViewer } from '../pcap/view/viewer.js';
import { FileError } from '../errors.js';
import { looksLikeText } from '../util/payload-view.js';

/** One packet of a lab capture, copied out of the reader. */
export interface LabPacket {
  /** The capture file it was read from, as the lab names it. */
  capture: string;
  /** frame.number: from 1, as Wireshark numbers frames. */
  number: number;
  /** Seconds since the first packet (frame.time_relative). */
  time: number;
  /** The Protocol column (TCP, UDP, TLSv1.3, HTTP...). */
  protocol: string;
  /** The Info column, as tshark prints it. */
  info: string;
  src: string;
  dst: string;
  transport: 'tcp' | 'udp' | 'other';
  srcPort: number;
  dstPort: number;
  /** tcp.stream (-1 when not TCP). */
  stream: number;
  /** Whether the sender is the side that sent the first packet of its TCP stream or UDP flow. */
  fromClient: boolean;
  /** TCP flags as tshark's Info names them ("SYN, ACK"); '' when not TCP. */
  flags: string;
  /** The twelve flag bits (tcp.flags); 0 when not TCP. */
  flagBits: number;
  /** Relative sequence and acknowledgement numbers (tcp.seq, tcp.ack). */
  seq: number;
  ack: number;
  /** frame.len. */
  length: number;
  /** Where the IP header starts in the frame (the link header's length), -1 when there is none. */
  networkOffset: number;
  /** Where the TCP/UDP header starts in the frame, -1 when there is none. */
  transportOffset: number;
  /** Where the TCP/UDP payload starts in the frame (bytes from its first byte). */
  payloadOffset: number;
  /** The TCP/UDP payload (tcp.payload, udp.payload); empty when none. */
  payload: Buffer;
  /** Whether the payload reads as text. */
  readable: boolean;
  /** TLS application data decrypted from the records this packet completed (with a key log). */
  decrypted: Buffer[];
}

/** A capture read back. */
export interface LabCaptureReading {
  capture: string;
  packets: LabPacket[];
  /** Packets of one TCP stream, in capture order. */
  stream(index: number): LabPacket[];
}

export interface ReadLabCaptureOptions {
  /** Decrypt TLS with this NSS key log file; each packet then carries its decrypted records. */
  keyLogPath?: string;
}

/**
 * Reads every packet of a capture as the packet view sees it.
 * @param capture path of a pcap or pcapng file
 * @throws CaptureFormatError when the file is not a capture; FileError when it or the key log cannot be read
 */
export async function readLabCapture(capture: string, options: ReadLabCaptureOptions = {}): Promise<LabCaptureReading> {
  const keyLog = options.keyLogPath === undefined ? undefined : await loadKeyLog(options.keyLogPath);
  const source = await openCapture(capture);
  const viewer = new PacketViewer({ app: true, keyLog });
  const packets: LabPacket[] = [];
  const clients = new Map<string, string>();
  await source.forEach((r) => {
    const p = viewer.next(r);
    const d = p.d;
    const transport = d.l4 === L4.TCP ? 'tcp' : d.l4 === L4.UDP ? 'udp' : 'other';
    const columns = packetColumns(p);
    const payload = Buffer.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength));
    const sender = `${columns.src}:${d.srcPort}`;
    const flow = transport === 'tcp' ? `tcp ${p.tcpStream}` : `${transport} ${[sender, `${columns.dst}:${d.dstPort}`].sort().join(' ')}`;
    if (!clients.has(flow)) clients.set(flow, sender);
    const flagBits = transport === 'tcp' ? tcpFlagBits(p) : 0;
    packets.push({
      capture,
      number: p.number,
      time: columns.time ?? 0,
      protocol: columns.protocol,
      info: columns.info,
      src: columns.src,
      dst: columns.dst,
      transport,
      srcPort: d.srcPort,
      dstPort: d.dstPort,
      stream: p.tcpStream,
      fromClient: clients.get(flow) === sender,
      flags: transport === 'tcp' ? tcpFlagNames(flagBits) : '',
      flagBits,
      seq: transport === 'tcp' ? p.tcpSeqRelative : 0,
      ack: transport === 'tcp' ? p.tcpAckRelative : 0,
      length: p.frameLen,
      networkOffset: d.ipVersion === 0 ? -1 : d.ipOffset - d.start,
      transportOffset: transport === 'other' ? -1 : d.l4Offset - d.start,
      payloadOffset: d.payloadOffset - d.start,
      payload,
      readable: payload.length > 0 && looksLikeText(payload),
      decrypted: p.decrypted.filter((record) => record.contentType === 23).map((record) => Buffer.from(record.data)),
    });
  });
  viewer.finish();
  return { capture, packets, stream: (index) => packets.filter((p) => p.stream === index) };
}

/** A TCP stream's bytes, reassembled per direction, with the packet each chunk came in. */
export interface FollowedStream {
  client: Buffer;
  server: Buffer;
  /** Each reassembled chunk: its side, where it starts in that side's bytes, and the packet that completed it. */
  chunks: { side: Side; offset: number; length: number; packet: number }[];
}

/**
 * Follows TCP stream `index` as `pcap follow` does.
 * @param onChunk also receives each chunk (e.g. for a TLS decryptor); `data` is valid only during the call
 * @throws NetlabError NETLAB_ERR_PCAP_NO_STREAM when the capture has no such stream
 */
export async function followLabStream(capture: string, index: number, onChunk?: (side: Side, data: Uint8Array) => void): Promise<FollowedStream> {
  const parts: [Buffer[], Buffer[]] = [[], []];
  const sizes = [0, 0];
  const chunks: FollowedStream['chunks'] = [];
  await followTcpStream(capture, index, (side, data, packet) => {
    chunks.push({ side, offset: sizes[side]!, length: data.length, packet });
    sizes[side]! += data.length;
    parts[side].push(Buffer.from(data));
    onChunk?.(side, data);
  });
  return { client: Buffer.concat(parts[0]), server: Buffer.concat(parts[1]), chunks };
}

/** A TLS stream followed and decrypted. */
export interface DecryptedStream {
  /** The wire bytes (records). */
  wire: FollowedStream;
  /** The application data per direction. */
  client: Buffer;
  server: Buffer;
  summary: TlsStreamSummary;
}

/**
 * Follows TCP stream `index` and decrypts its TLS with the key log, as
 * Wireshark does when given the (Pre)-Master-Secret log.
 * @throws FileError when the key log cannot be read; NetlabError when the capture has no such stream
 */
export async function decryptLabStream(capture: string, index: number, keyLogPath: string): Promise<DecryptedStream> {
  const plain: [Buffer[], Buffer[]] = [[], []];
  const decryptor = new TlsStreamDecryptor({
    keyLog: await loadKeyLog(keyLogPath),
    onData: (event) => plain[event.direction === 'client' ? 0 : 1].push(event.data),
  });
  const wire = await followLabStream(capture, index, (side, data) => (side === 0 ? decryptor.pushClient(data) : decryptor.pushServer(data)));
  const summary = decryptor.finish();
  return { wire, client: Buffer.concat(plain[0]), server: Buffer.concat(plain[1]), summary };
}

async function loadKeyLog(path: string): Promise<KeyLog> {
  try {
    return parseKeyLog(await readFile(path));
  } catch (err) {
    throw new FileError(`cannot read the key log ${path}: ${(err as Error).message}`, { cause: err });
  }
}
