/**
 * Classic libpcap file decoder (draft-ietf-opsawg-pcap, "PCAP Capture File
 * Format"), a sans-IO state machine: file header, then records.
 *
 *   File header (24 bytes)                 Record header (16 bytes)
 *   0  magic      0xA1B2C3D4 | 0xA1B23C4D  0  ts seconds
 *   4  major(2) minor(2)                   4  ts microseconds | nanoseconds
 *   8  reserved1 (thiszone)                8  captured length (CapLen)
 *   12 reserved2 (sigfigs)                 12 original length
 *   16 snaplen                             16 CapLen bytes of packet data
 *   20 LinkType + FCS bits
 */
import { CaptureFormatError, ERROR_CODES } from '../../errors.js';
import { u16, u32, u32le } from '../bytes.js';
import type { DecoderContext, RecordDecoder } from './decoder.js';
import { PacketRecord } from './packet.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

export class PcapDecoder implements RecordDecoder {
  readonly format = 'pcap' as const;
  readonly linkTypes: number[] = [];
  need = FILE_HEADER;
  stopped = false;
  packets = 0;
  consumed = 0;
  readonly #ctx: DecoderContext;
  readonly #rec = new PacketRecord();
  #haveHeader = false;
  #le = true;
  #nano = false;
  #name: string;

  /**
   * @param ctx callback, warning sink and record cap
   * @param name file name used in error messages
   */
  constructor(ctx: DecoderContext, name: string) {
    this.#ctx = ctx;
    this.#name = name;
  }

  decode(b: Uint8Array, start: number, end: number): number {
    if (this.stopped) return end;
    let p = start;
    if (!this.#haveHeader) {
      if (end - p < FILE_HEADER) {
        this.need = FILE_HEADER;
        return p;
      }
      this.#header(b, p);
      p += FILE_HEADER;
      this.consumed += FILE_HEADER;
    }
    const le = this.#le;
    const max = this.#ctx.maxRecordBytes;
    const rec = this.#rec;
    const onPacket = this.#ctx.onPacket;
    const scale = this.#nano ? 1 : 1000;
    const base = this.consumed - p;
    rec.buf = b;
    for (;;) {
      if (end - p < RECORD_HEADER) {
        this.need = RECORD_HEADER;
        break;
      }
      const capLen = u32(b, p + 8, le);
      if (capLen > max) {
        this.#stop(
          ERROR_CODES.PCAP_RECORD_TOO_LARGE,
          base + p,
          `record at byte offset ${base + p} claims ${capLen} captured bytes, more than the ${max}-byte limit; the length field is corrupt, reading stopped there`,
        );
        break;
      }
      const total = RECORD_HEADER + capLen;
      if (end - p < total) {
        this.need = total;
        break;
      }
      let sec = u32(b, p, le);
      let frac = u32(b, p + 4, le) * scale;
      if (frac >= 1e9) {
        // Invalid fraction (>= one second): carry it rather than print nonsense.
        sec += Math.floor(frac / 1e9);
        frac %= 1e9;
      }
      rec.index = ++this.packets;
      rec.tsSec = sec;
      rec.tsNsec = frac;
      rec.capLen = capLen;
      rec.origLen = u32(b, p + 12, le);
      rec.offset = p + RECORD_HEADER;
      rec.fileOffset = base + p;
      onPacket(rec);
      p += total;
    }
    this.consumed = base + p;
    return p;
  }

  finish(leftover: number): void {
    if (this.stopped || leftover === 0) return;
    const what = this.#haveHeader ? 'a packet record' : 'the file header';
    this.#ctx.warnings.add(
      ERROR_CODES.PCAP_TRUNCATED,
      this.consumed,
      `capture is cut short in ${what} at byte offset ${this.consumed} (${leftover} of ${this.need} bytes present); the ${this.packets} packets before it were read`,
    );
  }

  #header(b: Uint8Array, p: number): void {
    const magic = u32le(b, p);
    // Written in the writer's byte order: read as little-endian, a native-LE file gives the magic itself.
    this.#le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    this.#nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    const major = u16(b, p + 4, this.#le);
    if (major !== 2) {
      throw new CaptureFormatError(
        ERROR_CODES.PCAP_NOT_CAPTURE,
        `${this.#name} has a pcap magic number but version ${major}.${u16(b, p + 6, this.#le)}; only version 2.x exists`,
        p + 4,
      );
    }
    // LinkType is the low bits; the top bits carry the FCS length (libpcap LT_LINKTYPE).
    const linkType = u32(b, p + 20, this.#le) & 0x03ffffff;
    this.#rec.linkType = linkType;
    this.#rec.interfaceId = 0;
    this.#rec.hasTimestamp = true;
    this.linkTypes.push(linkType);
    this.#haveHeader = true;
  }

  #stop(code: (typeof ERROR_CODES)[keyof typeof ERROR_CODES], offset: number, message: string): void {
    this.stopped = true;
    this.#ctx.warnings.add(code, offset, message);
  }
}
