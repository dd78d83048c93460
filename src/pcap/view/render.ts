/**
 * The text and JSON forms of the packet view: the `-V` details tree, the
 * `-x` bytes pane, `-e` field lines and `--json` objects. Pure functions of a
 * ViewPacket and its layers; the CLI only writes what they return.
 */
import type { ProtoField, ProtoLayer } from '../layers/tree.js';
import type { FieldSpec, FieldValue } from './field.js';
import { formatField, formatValue } from './format.js';
import type { PacketColumns } from './columns.js';
import type { ViewPacket } from './packet.js';
import { VIEW_FIELDS } from './catalog.js';

const INDENT = '    ';

function fieldLines(fields: readonly ProtoField[], depth: number, out: string[]): void {
  for (const field of fields) {
    out.push(INDENT.repeat(depth) + field.label);
    if (field.children !== undefined) fieldLines(field.children, depth + 1, out);
  }
}

/** `-V`: each layer's title, then its fields indented four spaces a level, as tshark prints them. */
export function detailsText(layers: readonly ProtoLayer[]): string {
  const out: string[] = [];
  for (const layer of layers) {
    out.push(layer.title);
    fieldLines(layer.fields, 1, out);
    if (layer.malformed !== undefined) out.push(`[Malformed Packet: ${layer.title.split(',')[0]}]`, `${INDENT}[Expert Info (Error/Malformed): ${layer.malformed}]`);
  }
  return out.join('\n');
}

/** `-x`: 16 bytes a line, `0000  45 00 ...   E...`, as tshark's hex dump. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  // Offsets get a fifth digit (and more) once the frame passes 64 KiB, for every line, as in tshark.
  const digits = Math.max(4, Math.max(0, bytes.length - 1).toString(16).length);
  for (let o = 0; o < bytes.length; o += 16) {
    let hexPart = '';
    let text = '';
    for (let i = o; i < o + 16; i++) {
      if (i < bytes.length) {
        const b = bytes[i]!;
        hexPart += `${i === o ? '' : ' '}${b.toString(16).padStart(2, '0')}`;
        text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else hexPart += '   ';
    }
    lines.push(`${o.toString(16).padStart(digits, '0')}  ${hexPart}   ${text}`);
  }
  return lines.join('\n');
}

/** `-e` fields resolved against the catalog once, then printed per packet. */
export class FieldPrinter {
  readonly specs: readonly FieldSpec<ViewPacket>[];
  readonly #scratch: FieldValue[] = [];

  /** @param specs fields checked to exist by the caller */
  constructor(specs: readonly FieldSpec<ViewPacket>[]) {
    this.specs = specs;
  }

  /** The header line of `-E header=y`. */
  header(): string {
    return this.specs.map((s) => s.name).join('\t');
  }

  /** One tab-separated line of the fields' values on `p`. */
  line(p: ViewPacket): string {
    let s = '';
    for (let i = 0; i < this.specs.length; i++) s += (i === 0 ? '' : '\t') + formatField(this.specs[i]!, p, this.#scratch);
    return s;
  }
}

type JsonValue = string | string[];

function jsonFields(fields: readonly ProtoField[], into: Record<string, JsonValue>): void {
  for (const field of fields) {
    if (field.name !== '' && field.value !== undefined) {
      const spec = VIEW_FIELDS.field(field.name);
      const text = spec === undefined ? (field.value instanceof Uint8Array ? Buffer.from(field.value).toString('hex') : String(field.value)) : formatValue(spec, field.value);
      const seen = into[field.name];
      if (seen === undefined) into[field.name] = text;
      else if (Array.isArray(seen)) seen.push(text);
      else into[field.name] = [seen, text];
    }
    if (field.children !== undefined) jsonFields(field.children, into);
  }
}

/** `--json`: the columns plus every layer's named fields, printed as `-e` prints them. */
export function packetJson(columns: PacketColumns, layers: readonly ProtoLayer[]): object {
  const byLayer: Record<string, Record<string, JsonValue>> = {};
  for (const layer of layers) {
    const into = byLayer[layer.name] ?? (byLayer[layer.name] = {});
    jsonFields(layer.fields, into);
  }
  return { ...columns, layers: byLayer };
}
