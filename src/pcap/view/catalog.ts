/**
 * Every field the packet view knows: the header fields read from the flat
 * dissection, the Data layer, protocol names (present or not), and the
 * application-layer fields, read from the ProtoLayers the dissectors
 * returned for the packet. Only the last ones, the Data layer and the
 * application protocol names need application-layer dissection.
 */
import { L4 } from '../layers/dissection.js';
import { ETHERTYPE } from '../layers/link.js';
import { APP_FIELDS } from '../layers/app-fields.js';
import { TLS_FIELDS } from '../layers/tls.js';
import type { ProtoField } from '../layers/tree.js';
import { packetColumns, type PacketColumns } from './columns.js';
import type { FieldCatalog, FieldKind, FieldSpec, FieldValue } from './field.js';
import { HEADER_FIELDS } from './header-fields.js';
import type { ViewPacket } from './packet.js';
import { dataBytes, linkProtocol, protocolChain } from './protocols.js';

/** Protocols that only application-layer dissection finds. */
const APP_PROTOCOLS = new Set(['tls', 'http', 'dns', 'mdns', 'data']);

/** The application fields, each with the layers it is found in ('dns' fields are in 'mdns' layers too). */
const APP_FIELD_SPECS: readonly { name: string; kind: FieldKind; hexDigits?: number; layers: readonly string[] }[] = [
  ...APP_FIELDS.map((f) => ({ ...f, layers: f.layer === 'dns' ? ['dns', 'mdns'] : [f.layer] })),
  ...TLS_FIELDS.map((f) => ({ ...f, layers: ['tls'] })),
  // Subtrees of the TLS layer a filter may name for presence (Wireshark's FT_NONE fields).
  ...['tls.record', 'tls.handshake', 'tls.alert_message', 'tls.change_cipher_spec'].map((name) => ({ name, kind: 'protocol' as const, layers: ['tls'] })),
];

/** What a field without a value (a subtree such as tls.handshake) gives when present. */
const PRESENT = new Uint8Array(0);

function collect(fields: readonly ProtoField[], name: string, out: FieldValue[]): void {
  for (const f of fields) {
    if (f.name === name) out.push(f.value ?? PRESENT);
    if (f.children !== undefined) collect(f.children, name, out);
  }
}

function appField(name: string, kind: FieldKind, layers: readonly string[], hexDigits?: number): FieldSpec<ViewPacket> {
  return {
    name,
    kind,
    hexDigits,
    read(p, out) {
      for (const layer of p.layers) if (layers.includes(layer.name)) collect(layer.fields, name, out);
    },
  };
}

/** The bytes a protocol covers, for `tcp contains "GET"`; undefined when the packet lacks it. */
function protocolBytes(p: ViewPacket, name: string): Uint8Array | undefined {
  const d = p.d;
  const b = d.buf;
  switch (name) {
    case 'frame':
      return b.subarray(d.start, d.end);
    case 'ip':
      return d.ipVersion === 4 ? b.subarray(d.ipOffset, d.ipEnd) : undefined;
    case 'ipv6':
      return d.ipVersion === 6 ? b.subarray(d.ipOffset, d.ipEnd) : undefined;
    case 'tcp':
      return d.l4 === L4.TCP ? b.subarray(d.l4Offset, d.ipEnd) : undefined;
    case 'udp':
      return d.l4 === L4.UDP ? b.subarray(d.l4Offset, d.ipEnd) : undefined;
    case 'icmp':
      return d.l4 === L4.ICMP ? b.subarray(d.l4Offset, d.ipEnd) : undefined;
    case 'icmpv6':
      return d.l4 === L4.ICMPV6 ? b.subarray(d.l4Offset, d.ipEnd) : undefined;
    case 'arp':
      return d.etherType === ETHERTYPE.ARP ? b.subarray(d.start, d.end) : undefined;
    case 'data':
      return dataBytes(p);
  }
  if (linkProtocol(p) === name) return b.subarray(d.start, d.end);
  if (p.layers.some((l) => l.name === name)) return b.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength);
  // Rare protocols (vlan, ipv6.routing...): present when the chain names them.
  return protocolChain(p).includes(name) ? b.subarray(d.start, d.end) : undefined;
}

function protocol(name: string): FieldSpec<ViewPacket> {
  return {
    name,
    kind: 'protocol',
    read(p, out) {
      const bytes = protocolBytes(p, name);
      if (bytes !== undefined) out.push(bytes);
    },
  };
}

const PROTOCOL_NAMES = ['frame', 'eth', 'sll', 'null', 'raw', 'ppp', 'nflog', 'vlan', 'ieee8021ad', 'arp', 'ip', 'ipv6', 'ipv6.routing', 'ipv6.hopopts', 'ipv6.fraghdr', 'ipv6.dstopts', 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'tls', 'http', 'dns', 'mdns', 'data'];

const DATA_FIELDS: FieldSpec<ViewPacket>[] = [
  {
    name: 'data.data',
    kind: 'bytes',
    read(p, out) {
      const bytes = dataBytes(p);
      if (bytes !== undefined) out.push(bytes);
    },
  },
  {
    name: 'data.len',
    kind: 'uint',
    read(p, out) {
      const bytes = dataBytes(p);
      if (bytes !== undefined) out.push(bytes.length);
    },
  },
];

function column(name: string, kind: 'uint' | 'string', value: (c: PacketColumns) => FieldValue | undefined): FieldSpec<ViewPacket> {
  return {
    name,
    kind,
    read(p, out) {
      const v = value(packetColumns(p));
      if (v !== undefined) out.push(v);
    },
  };
}

/**
 * tshark's column fields (`-e _ws.col.Info`): the packet list's columns, as
 * the list prints them. Info and Protocol come from the highest layer, so
 * every column needs application-layer dissection.
 */
const COLUMN_FIELDS: FieldSpec<ViewPacket>[] = [
  column('_ws.col.No.', 'uint', (c) => c.number),
  column('_ws.col.Time', 'string', (c) => (c.time === null ? undefined : c.time.toFixed(6))),
  column('_ws.col.Source', 'string', (c) => c.src),
  column('_ws.col.Destination', 'string', (c) => c.dst),
  column('_ws.col.Protocol', 'string', (c) => c.protocol),
  column('_ws.col.Length', 'uint', (c) => c.length),
  column('_ws.col.Info', 'string', (c) => c.info),
];

/** Header fields that depend on the packets before: they need each TCP packet tracked in its stream. */
const STREAM_FIELDS = new Set(['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.window_size']);

class ViewCatalog implements FieldCatalog<ViewPacket> {
  readonly #fields = new Map<string, FieldSpec<ViewPacket>>();
  readonly #needsApp = new Set<string>();

  constructor() {
    for (const f of HEADER_FIELDS) this.#fields.set(f.name, f);
    for (const name of PROTOCOL_NAMES) this.#fields.set(name, protocol(name));
    for (const f of DATA_FIELDS) this.#fields.set(f.name, f);
    for (const f of COLUMN_FIELDS) this.#fields.set(f.name, f);
    for (const f of APP_FIELD_SPECS) {
      // A bare protocol name is read from the packet; a protocol-kind field with a dot (tls.handshake) is a subtree of the layer.
      if (f.kind === 'protocol' && !f.name.includes('.')) continue;
      this.#fields.set(f.name, appField(f.name, f.kind, f.layers, f.hexDigits));
    }
    for (const name of this.#fields.keys()) {
      if (APP_PROTOCOLS.has(name.split('.')[0]!) || name === 'frame.protocols' || name.startsWith('_ws.col.')) this.#needsApp.add(name);
    }
  }

  field(name: string): FieldSpec<ViewPacket> | undefined {
    return this.#fields.get(name);
  }

  names(): Iterable<string> {
    return this.#fields.keys();
  }

  /** Whether reading the field needs TCP stream tracking (stream numbers, relative numbers, window scaling). */
  needsStreams(name: string): boolean {
    return STREAM_FIELDS.has(name) || this.needsApp(name);
  }

  /** Whether reading the field needs application-layer dissection (TCP reassembly included). */
  needsApp(name: string): boolean {
    return this.#needsApp.has(name);
  }
}

/** The packet view's fields. */
export const VIEW_FIELDS = new ViewCatalog();
