/** Reading ProtoLayer trees in tests. */
import type { FieldValue, ProtoField, ProtoLayer } from '../../src/pcap/layers/tree.js';

function walk(fields: readonly ProtoField[], visit: (f: ProtoField, depth: number) => void, depth = 0): void {
  for (const f of fields) {
    visit(f, depth);
    if (f.children !== undefined) walk(f.children, visit, depth + 1);
  }
}

/** Every value of field `name` in the layer, in tree order. */
export function values(layer: ProtoLayer, name: string): FieldValue[] {
  const out: FieldValue[] = [];
  walk(layer.fields, (f) => {
    if (f.name === name && f.value !== undefined) out.push(f.value);
  });
  return out;
}

/** Whether field `name` occurs (with or without a value). */
export function has(layer: ProtoLayer, name: string): boolean {
  let found = false;
  walk(layer.fields, (f) => {
    if (f.name === name) found = true;
  });
  return found;
}

/** The tree as `-V` would indent it: four spaces a level, the title first. */
export function treeText(layer: ProtoLayer): string[] {
  const lines = [layer.title];
  walk(layer.fields, (f, depth) => lines.push(`${'    '.repeat(depth + 1)}${f.label}`));
  return lines;
}

/** A layer as comparable text (Uint8Array values as hex). */
export function layerKey(layer: ProtoLayer): string {
  return JSON.stringify(layer, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = this[k];
    return raw instanceof Uint8Array ? `${raw.constructor.name}:${Buffer.from(raw).toString('hex')}` : v;
  });
}
