/**
 * One packet as the packet view sees it: the flat Dissection of its headers,
 * what depends on the packets before it (frame number, relative time,
 * tcp.stream, relative sequence numbers) and the application-layer layers
 * completed on it. One object is reused for every packet: it is valid only
 * during the callback that receives it.
 */
import { Dissection } from '../layers/dissection.js';
import type { ProtoLayer } from '../layers/tree.js';
import type { PacketRecord } from '../read/packet.js';
import type { PacketColumns } from './columns.js';

/** Plaintext of one decrypted TLS record completed on this packet (for `-x`). */
export interface DecryptedRecord {
  /** tls.record.content_type of the inner plaintext (23 for application data). */
  contentType: number;
  data: Uint8Array;
}

export class ViewPacket {
  readonly d = new Dissection();
  /** The reader's record; valid only during the callback. */
  record!: PacketRecord;
  /** frame.number (1-based, as the reader numbers records). */
  number = 0;
  /** Seconds since the first packet (NaN when the packet has no timestamp). */
  timeRelative = NaN;
  /** Epoch seconds (NaN without timestamp). */
  timeEpoch = NaN;
  /** Whole seconds and nanoseconds of the timestamp, for exact printing. */
  tsSec = 0;
  tsNsec = 0;
  /** Seconds since the previous packet (NaN without timestamp). */
  timeDelta = NaN;
  /** tcp.stream, -1 when not TCP. */
  tcpStream = -1;
  /** Relative sequence and acknowledgement numbers (tshark's default display). */
  tcpSeqRelative = 0;
  tcpAckRelative = 0;
  /** The raw number relative acknowledgement numbers count from (for SACK blocks). */
  tcpAckBase = 0;
  /** The window scaled by the side's window-scale shift when both SYNs were seen with the option (tcp.window_size), else the raw window. */
  tcpWindowSize = 0;
  /** Application-layer layers completed on this packet (TLS records, an HTTP message, a DNS message), in order. */
  readonly layers: ProtoLayer[] = [];
  /** Decrypted TLS records completed on this packet (with --keylog). */
  readonly decrypted: DecryptedRecord[] = [];
  /** The TCP payload belongs to a PDU that later segments complete ("[TCP segment of a reassembled PDU]"). */
  segmentOfPdu = false;
  /** Info tshark shows on a segment that began a message not complete yet (HTTP's request line), else ''. */
  partialInfo = '';
  /** An application protocol reads this packet's payload (then it is not Data). */
  payloadClaimed = false;
  /** The packet list's columns, once packetColumns has made them for this packet. */
  columns: PacketColumns | undefined = undefined;

  /** Length of the captured frame. */
  get capLen(): number {
    return this.record.capLen;
  }

  /** Length on the wire. */
  get frameLen(): number {
    return this.record.origLen;
  }
}
