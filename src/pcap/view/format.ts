/** Field values printed as `tshark -T fields -e FIELD` prints them (tshark 4.0). */
import { hex } from '../bytes.js';
import { formatIpv4, formatIpv6 } from '../layers/address.js';
import type { FieldSpec, FieldValue } from './field.js';

/** Ethernet address as aa:bb:cc:dd:ee:ff. */
export function formatEther(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i === 0 ? '' : ':') + b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** One value of `spec`. */
export function formatValue<P>(spec: FieldSpec<P>, v: FieldValue): string {
  switch (spec.kind) {
    case 'uint':
      if (typeof v !== 'number') break;
      return spec.hexDigits === undefined ? String(v) : `0x${v.toString(16).padStart(spec.hexDigits, '0')}`;
    case 'bool':
      return v === 0 ? '0' : '1';
    case 'float':
      return typeof v === 'number' ? v.toFixed(9) : String(v);
    case 'ipv4':
      if (v instanceof Uint8Array && v.length === 4) return formatIpv4(v, 0);
      break;
    case 'ipv6':
      if (v instanceof Uint8Array && v.length === 16) return formatIpv6(v, 0);
      break;
    case 'ether':
      if (v instanceof Uint8Array) return formatEther(v);
      break;
    case 'string':
      return String(v);
    case 'bytes':
    case 'protocol':
      if (v instanceof Uint8Array) return hex(v);
      break;
  }
  return v instanceof Uint8Array ? hex(v) : String(v);
}

/**
 * A field's values on one packet, `,`-joined (tshark's default occurrence
 * separator), '' when absent.
 * @param scratch reused array for the values
 */
export function formatField<P>(spec: FieldSpec<P>, packet: P, scratch: FieldValue[]): string {
  if (spec.text !== undefined) return spec.text(packet);
  // A protocol's value is its bytes, for filters; tshark -e prints nothing for it.
  if (spec.kind === 'protocol') return '';
  scratch.length = 0;
  spec.read(packet, scratch);
  if (scratch.length === 0) return '';
  let s = formatValue(spec, scratch[0]!);
  for (let i = 1; i < scratch.length; i++) s += `,${formatValue(spec, scratch[i]!)}`;
  return s;
}
