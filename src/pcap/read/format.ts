/**
 * Recognises a capture by its first four bytes and says clearly when the
 * input is something else.
 */
import { CaptureFormatError, ERROR_CODES } from '../../errors.js';
import { hex } from '../bytes.js';
import type { CaptureFormat } from './packet.js';

/** Bytes needed to recognise a format. */
export const MAGIC_BYTES = 4;

/**
 * Names the format of a capture from its first bytes.
 * @param head the first bytes of the input (at least 4 unless the input is shorter)
 * @param name the file name for the message
 * @throws CaptureFormatError NETLAB_ERR_PCAP_NOT_CAPTURE for an empty or unknown input
 */
export function detectFormat(head: Uint8Array, name: string): CaptureFormat {
  if (head.length === 0) {
    throw new CaptureFormatError(ERROR_CODES.PCAP_NOT_CAPTURE, `${name} is empty (0 bytes), not a pcap or pcapng capture`);
  }
  if (head.length >= 4) {
    const m = hex(head, 0, 4);
    // pcap: 0xa1b2c3d4 (microseconds) or 0xa1b23c4d (nanoseconds), in either byte order.
    if (m === 'd4c3b2a1' || m === 'a1b2c3d4' || m === '4d3cb2a1' || m === 'a1b23c4d') return 'pcap';
    // pcapng: a Section Header Block, type 0x0A0D0D0A (a palindrome, byte-order free).
    if (m === '0a0d0d0a') return 'pcapng';
    if (m === '34cdb2a1' || m === 'a1b2cd34') {
      throw new CaptureFormatError(
        ERROR_CODES.PCAP_NOT_CAPTURE,
        `${name} is a "modified" (Kuznetzov) pcap, which netlab does not read; convert it with: editcap -F pcap IN OUT`,
      );
    }
  }
  const shown = hex(head, 0, Math.min(8, head.length));
  throw new CaptureFormatError(
    ERROR_CODES.PCAP_NOT_CAPTURE,
    `${name} is not a pcap or pcapng capture (it starts with bytes ${shown}, not a capture magic number)`,
  );
}
