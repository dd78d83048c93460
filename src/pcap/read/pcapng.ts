/**
 * pcapng decoder (draft-ietf-opsawg-pcapng), a sans-IO state machine over
 * blocks. Several sections (each with its own byte order and interfaces),
 * per-interface if_tsresol and if_tsoffset, Enhanced, Simple and the
 * obsolete Packet blocks; every other block type is skipped by its length.
 *
 *   Generic block                    Enhanced Packet Block (type 6)
 *   0  Block Type                    8  Interface ID
 *   4  Block Total Length            12 Timestamp (High)  16 Timestamp (Low)
 *   8  Block Body ...                20 Captured Packet Length
 *   -4 Block Total Length (again)    24 Original Packet Length
 *                                    28 Packet Data, padded to 32 bits; options
 */
import { CaptureFormatError, ERROR_CODES, type ErrorCode } from '../../errors.js';
import { u16, u32, u32le } from '../bytes.js';
import type { DecoderContext, RecordDecoder } from './decoder.js';
import { PacketRecord } from './packet.js';
import { MICROSECONDS, splitTimestamp, unitsFromTsresol, type TsUnits } from './timestamp.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002; // obsolete Packet Block
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Smallest block: type, length, length. */
const MIN_BLOCK = 12;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snapLen: number;
  units: TsUnits;
  offsetSec: number;
}

export class PcapngDecoder implements RecordDecoder {
  readonly format = 'pcapng' as const;
  readonly linkTypes: number[] = [];
  need = MIN_BLOCK;
  stopped = false;
  packets = 0;
  consumed = 0;
  readonly #ctx: DecoderContext;
  readonly #rec = new PacketRecord();
  readonly #name: string;
  #le = true;
  #sections = 0;
  #ifaces: Interface[] = [];

  /**
   * @param ctx callback, warning sink and block cap
   * @param name file name used in error messages
   */
  constructor(ctx: DecoderContext, name: string) {
    this.#ctx = ctx;
    this.#name = name;
  }

  decode(b: Uint8Array, start: number, end: number): number {
    if (this.stopped) return end;
    let p = start;
    const base = this.consumed - start;
    this.#rec.buf = b;
    while (!this.stopped) {
      if (end - p < MIN_BLOCK) {
        this.need = MIN_BLOCK;
        break;
      }
      let type = u32(b, p, this.#le);
      if (type === SHB && !this.#byteOrder(b, p, base + p)) break;
      type = u32(b, p, this.#le);
      const len = u32(b, p + 4, this.#le);
      if (len < MIN_BLOCK || len % 4 !== 0) {
        this.#stop(ERROR_CODES.PCAP_CORRUPT, base + p, `block at byte offset ${base + p} has length ${len}, which is not a multiple of 4 of at least 12; reading stopped there`);
        break;
      }
      if (len > this.#ctx.maxRecordBytes) {
        this.#stop(
          ERROR_CODES.PCAP_RECORD_TOO_LARGE,
          base + p,
          `block at byte offset ${base + p} claims ${len} bytes, more than the ${this.#ctx.maxRecordBytes}-byte limit; the length field is corrupt, reading stopped there`,
        );
        break;
      }
      if (end - p < len) {
        this.need = len;
        break;
      }
      if (u32(b, p + len - 4, this.#le) !== len) {
        this.#stop(ERROR_CODES.PCAP_CORRUPT, base + p, `block at byte offset ${base + p}: its trailing length differs from its leading length ${len}; reading stopped there`);
        break;
      }
      this.#block(type, b, p, len, base + p);
      if (this.stopped) break;
      p += len;
    }
    this.consumed = base + p;
    return this.stopped ? end : p;
  }

  finish(leftover: number): void {
    if (this.stopped || leftover === 0) return;
    this.#ctx.warnings.add(
      ERROR_CODES.PCAP_TRUNCATED,
      this.consumed,
      `capture is cut short in a block at byte offset ${this.consumed} (${leftover} of ${this.need} bytes present); the ${this.packets} packets before it were read`,
    );
  }

  /** Reads the byte-order magic of a Section Header Block; false when decoding must stop. */
  #byteOrder(b: Uint8Array, p: number, at: number): boolean {
    const bom = u32le(b, p + 8);
    if (bom !== BYTE_ORDER_MAGIC && bom !== 0x4d3c2b1a) {
      if (this.#sections === 0) {
        throw new CaptureFormatError(ERROR_CODES.PCAP_NOT_CAPTURE, `${this.#name} starts like pcapng but its byte-order magic is wrong; not a capture`, 8);
      }
      this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `section header at byte offset ${at} has a bad byte-order magic; reading stopped there`);
      return false;
    }
    this.#le = bom === BYTE_ORDER_MAGIC;
    return true;
  }

  #block(type: number, b: Uint8Array, p: number, len: number, at: number): void {
    switch (type) {
      case SHB:
        return this.#section(b, p, len, at);
      case IDB:
        return this.#interface(b, p, len, at);
      case EPB:
        return this.#enhanced(b, p, len, at);
      case SPB:
        return this.#simple(b, p, len, at);
      case OPB:
        return this.#obsolete(b, p, len, at);
      default:
        // Name resolution, statistics, decryption secrets, custom and unknown
        // blocks: "MUST ... skip" what it does not understand (section 3.1).
        return;
    }
  }

  /** SHB: 8 BOM, 12 major(2) minor(2), 16 section length(8), 24 options. */
  #section(b: Uint8Array, p: number, len: number, at: number): void {
    if (len < 28) return this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `section header at byte offset ${at} is only ${len} bytes; reading stopped there`);
    const major = u16(b, p + 12, this.#le);
    if (major !== 1) {
      if (this.#sections === 0) {
        throw new CaptureFormatError(ERROR_CODES.PCAP_NOT_CAPTURE, `${this.#name} is pcapng version ${major}, which does not exist (only 1.x)`, at + 12);
      }
      return this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `section at byte offset ${at} has pcapng version ${major}; reading stopped there`);
    }
    this.#sections++;
    // Interface ids are per section.
    this.#ifaces = [];
  }

  /** IDB: 8 LinkType(2) reserved(2), 12 SnapLen, 16 options. */
  #interface(b: Uint8Array, p: number, len: number, at: number): void {
    if (len < 20) return this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `interface description at byte offset ${at} is only ${len} bytes; reading stopped there`);
    const iface: Interface = { linkType: u16(b, p + 8, this.#le), snapLen: u32(b, p + 12, this.#le), units: MICROSECONDS, offsetSec: 0 };
    const le = this.#le;
    const stop = p + len - 4;
    let o = p + 16;
    // Options: code(2) length(2) value padded to 32 bits; opt_endofopt is code 0.
    for (let n = 0; o + 4 <= stop && n < 1024; n++) {
      const code = u16(b, o, le);
      const olen = u16(b, o + 2, le);
      if (code === 0 || o + 4 + olen > stop) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const units = unitsFromTsresol(b[o + 4]!);
        if (units === null) this.#ctx.warnings.add(ERROR_CODES.PCAP_CORRUPT, at, `interface at byte offset ${at} has an impossible if_tsresol ${b[o + 4]}; microseconds assumed`);
        else iface.units = units;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const hi = u32(b, o + 4 + (le ? 4 : 0), le) | 0;
        const lo = u32(b, o + 4 + (le ? 0 : 4), le);
        iface.offsetSec = hi * 4294967296 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.#ifaces.push(iface);
    if (!this.linkTypes.includes(iface.linkType)) this.linkTypes.push(iface.linkType);
  }

  #iface(id: number, at: number): Interface | undefined {
    const iface = this.#ifaces[id];
    if (iface === undefined) {
      this.#ctx.warnings.add(ERROR_CODES.PCAP_CORRUPT, at, `packet block at byte offset ${at} names interface ${id}, which its section does not describe; packet skipped`);
    }
    return iface;
  }

  /** EPB: 8 interface, 12 ts high, 16 ts low, 20 caplen, 24 origlen, 28 data. */
  #enhanced(b: Uint8Array, p: number, len: number, at: number): void {
    if (len < 32) return this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `enhanced packet block at byte offset ${at} is only ${len} bytes; reading stopped there`);
    const le = this.#le;
    const iface = this.#iface(u32(b, p + 8, le), at);
    if (iface === undefined) return;
    const capLen = u32(b, p + 20, le);
    if (capLen > len - 32) return this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `enhanced packet block at byte offset ${at} claims ${capLen} captured bytes in a ${len}-byte block; reading stopped there`);
    this.#emit(iface, u32(b, p + 8, le), b, p + 28, capLen, u32(b, p + 24, le), at, u32(b, p + 12, le), u32(b, p + 16, le));
  }

  /** OPB: 8 interface(2) drops(2), 12 ts high, 16 ts low, 20 caplen, 24 origlen, 28 data. */
  #obsolete(b: Uint8Array, p: number, len: number, at: number): void {
    if (len < 32) return this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `packet block at byte offset ${at} is only ${len} bytes; reading stopped there`);
    const le = this.#le;
    const id = u16(b, p + 8, le);
    const iface = this.#iface(id, at);
    if (iface === undefined) return;
    const capLen = u32(b, p + 20, le);
    if (capLen > len - 32) return this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `packet block at byte offset ${at} claims ${capLen} captured bytes in a ${len}-byte block; reading stopped there`);
    this.#emit(iface, id, b, p + 28, capLen, u32(b, p + 24, le), at, u32(b, p + 12, le), u32(b, p + 16, le));
  }

  /**
   * SPB: 8 original length, 12 data. "The Simple Packet Block does not
   * contain the Interface ID field. Therefore, it MUST be assumed that all
   * the Simple Packet Blocks have been captured on the interface previously
   * specified in the first Interface Description Block" (section 4.4); its
   * captured length is min(original length, snaplen, room in the block).
   */
  #simple(b: Uint8Array, p: number, len: number, at: number): void {
    if (len < 16) return this.#stop(ERROR_CODES.PCAP_CORRUPT, at, `simple packet block at byte offset ${at} is only ${len} bytes; reading stopped there`);
    const iface = this.#iface(0, at);
    if (iface === undefined) return;
    const orig = u32(b, p + 8, this.#le);
    let capLen = Math.min(orig, len - 16);
    if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
    this.#emit(iface, 0, b, p + 12, capLen, orig, at, -1, 0);
  }

  #emit(iface: Interface, id: number, b: Uint8Array, data: number, capLen: number, origLen: number, at: number, hi: number, lo: number): void {
    const rec = this.#rec;
    rec.index = ++this.packets;
    rec.linkType = iface.linkType;
    rec.interfaceId = id;
    rec.offset = data;
    rec.capLen = capLen;
    rec.origLen = origLen;
    rec.fileOffset = at;
    rec.hasTimestamp = hi >= 0;
    if (hi >= 0) splitTimestamp(hi, lo, iface.units, iface.offsetSec, rec);
    else {
      rec.tsSec = 0;
      rec.tsNsec = 0;
    }
    this.#ctx.onPacket(rec);
  }

  #stop(code: ErrorCode, offset: number, message: string): void {
    this.stopped = true;
    this.#ctx.warnings.add(code, offset, message);
  }
}
