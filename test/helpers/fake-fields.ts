/**
 * A field catalog over plain objects, for display-filter tests: a packet is a
 * map from field name to its values (absent = no key or no values).
 */
import type { FieldCatalog, FieldKind, FieldSpec, FieldValue } from '../../src/pcap/view/field.js';

export type FakePacket = Readonly<Record<string, readonly FieldValue[]>>;

/** Builds a catalog whose fields read `packet[name]`. */
export function fakeCatalog(kinds: Readonly<Record<string, FieldKind>>): FieldCatalog<FakePacket> {
  const specs = new Map<string, FieldSpec<FakePacket>>();
  for (const [name, kind] of Object.entries(kinds)) {
    specs.set(name, {
      name,
      kind,
      read(packet, out) {
        const values = packet[name];
        if (values !== undefined) for (const v of values) out.push(v);
      },
    });
  }
  return { field: (name) => specs.get(name), names: () => specs.keys() };
}

export const ip4 = (text: string): Uint8Array => Uint8Array.from(text.split('.').map(Number));
export const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/[:.-]/g, ''), 'hex'));
export const text = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf8'));

/** The kinds of the fields the unit tests use. */
export const TEST_KINDS: Readonly<Record<string, FieldKind>> = {
  'frame.number': 'uint',
  'frame.time_relative': 'float',
  'eth.src': 'ether',
  'eth.dst': 'ether',
  ip: 'protocol',
  'ip.src': 'ipv4',
  'ip.dst': 'ipv4',
  'ip.addr': 'ipv4',
  'ip.ttl': 'uint',
  ipv6: 'protocol',
  'ipv6.src': 'ipv6',
  'ipv6.addr': 'ipv6',
  tcp: 'protocol',
  'tcp.srcport': 'uint',
  'tcp.dstport': 'uint',
  'tcp.port': 'uint',
  'tcp.len': 'uint',
  'tcp.flags.syn': 'bool',
  'tcp.flags.ack': 'bool',
  'tcp.payload': 'bytes',
  udp: 'protocol',
  'udp.port': 'uint',
  http: 'protocol',
  'http.request': 'bool',
  'http.request.method': 'string',
  'http.host': 'string',
  'http.request.uri': 'string',
  dns: 'protocol',
  'dns.qry.name': 'string',
  'dns.a': 'ipv4',
};
