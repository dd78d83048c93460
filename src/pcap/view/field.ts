/**
 * Display-filter and `-e` fields: a name, a kind that says how literals are
 * parsed and values compared and printed, and a reader that pushes the
 * field's values for one packet. Readers of header fields read the flat
 * Dissection directly, so a filter over them builds nothing per packet.
 */
import type { FieldValue } from '../layers/tree.js';

export type { FieldValue };

/**
 * - uint: unsigned integer (number); `base` says how tshark prints it
 * - bool: 0 or 1 (number); literals 0/1/true/false
 * - float: seconds (frame.time_relative, frame.time_epoch)
 * - ipv4: 4-byte Uint8Array; literals a.b.c.d[/prefix]
 * - ipv6: 16-byte Uint8Array; literals RFC 4291 text[/prefix]
 * - ether: 6-byte Uint8Array; literals aa:bb:cc:dd:ee:ff (or - or . separated)
 * - string: text; literals "quoted"
 * - bytes: Uint8Array; literals 47:45:54 (or 47-45-54, 474554 is a number) or "quoted"
 * - protocol: a protocol name (tcp, tls, http); its value is the protocol's bytes (for contains)
 */
export type FieldKind = 'uint' | 'bool' | 'float' | 'ipv4' | 'ipv6' | 'ether' | 'string' | 'bytes' | 'protocol';

export interface FieldSpec<P> {
  /** Wireshark's name, e.g. 'tcp.port'. */
  readonly name: string;
  readonly kind: FieldKind;
  /** uint only: tshark prints it as hex padded to `hexDigits` (tcp.flags -> 0x0018); default decimal. */
  readonly hexDigits?: number;
  /**
   * Pushes this field's values on `packet` into `out` (not cleared here):
   * none when absent, several for repeated fields (tcp.port gives two).
   */
  read(packet: P, out: FieldValue[]): void;
  /** How `-e` prints it when the value alone cannot say (frame.time_epoch's nine exact decimals). */
  readonly text?: (packet: P) => string;
}

/** Looks fields up by name; what the filter compiler and `-e` are given. */
export interface FieldCatalog<P> {
  field(name: string): FieldSpec<P> | undefined;
  /** Every field name (for "did you mean" in errors). */
  names(): Iterable<string>;
}
