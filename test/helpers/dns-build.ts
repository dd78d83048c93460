/** Builds DNS messages (RFC 1035 section 4) for the dissector tests. */

export interface BuiltRecord {
  name: string;
  type: number;
  cls?: number;
  ttl?: number;
  /** RDATA as bytes, or a name to encode uncompressed. */
  data: Uint8Array | { name: string } | { pref: number; name: string };
}

export interface BuiltMessage {
  id: number;
  flags: number;
  questions?: { name: string; type: number; cls?: number }[];
  answers?: BuiltRecord[];
  authority?: BuiltRecord[];
  additional?: BuiltRecord[];
}

/** A name as uncompressed labels ('' or '.' is the root). */
export function encodeName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.')) {
    if (label === '') continue;
    const b = Buffer.from(label, 'latin1');
    out.push(b.length, ...b);
  }
  out.push(0);
  return out;
}

function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

function rdata(d: BuiltRecord['data']): number[] {
  if (d instanceof Uint8Array) return [...d];
  if ('pref' in d) return [...u16(d.pref), ...encodeName(d.name)];
  return encodeName(d.name);
}

function record(r: BuiltRecord): number[] {
  const data = rdata(r.data);
  const ttl = r.ttl ?? 60;
  return [...encodeName(r.name), ...u16(r.type), ...u16(r.cls ?? 1), (ttl >>> 24) & 0xff, (ttl >>> 16) & 0xff, (ttl >>> 8) & 0xff, ttl & 0xff, ...u16(data.length), ...data];
}

/** The message bytes (no compression). */
export function buildDns(m: BuiltMessage): Uint8Array {
  const q = m.questions ?? [];
  const an = m.answers ?? [];
  const ns = m.authority ?? [];
  const ar = m.additional ?? [];
  const out = [...u16(m.id), ...u16(m.flags), ...u16(q.length), ...u16(an.length), ...u16(ns.length), ...u16(ar.length)];
  for (const x of q) out.push(...encodeName(x.name), ...u16(x.type), ...u16(x.cls ?? 1));
  for (const r of [...an, ...ns, ...ar]) out.push(...record(r));
  return Uint8Array.from(out);
}

/** The same message with the 2-byte length prefix of DNS over TCP (RFC 1035 section 4.2.2). */
export function withLength(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + 2);
  out[0] = msg.length >> 8;
  out[1] = msg.length & 0xff;
  out.set(msg, 2);
  return out;
}
