/**
 * The fields the application dissectors put in their ProtoLayer trees, with
 * the kind the filter compiler and `-e` need (src/pcap/view/field.ts): how a
 * literal is parsed and how tshark prints the value. A field reader finds
 * them by name in the layers of a packet (several occurrences are repeated
 * fields, printed joined with ',').
 */
import type { FieldKind } from '../view/field.js';

/** One application-layer field: its Wireshark name, kind, and for uint the hex width tshark prints it with. */
export interface AppFieldInfo {
  readonly name: string;
  readonly kind: FieldKind;
  /** uint printed as 0x%0Nx by tshark (dns.id -> 0x5934). */
  readonly hexDigits?: number;
  /** The protocol layer it is found in ('dns' fields are also in 'mdns' layers). */
  readonly layer: 'http' | 'dns';
}

const f = (layer: AppFieldInfo['layer'], name: string, kind: FieldKind, hexDigits?: number): AppFieldInfo =>
  Object.freeze(hexDigits === undefined ? { name, kind, layer } : { name, kind, layer, hexDigits });

/** Every field of http.ts and dns.ts that carries a value. */
export const APP_FIELDS: readonly AppFieldInfo[] = Object.freeze([
  f('http', 'http', 'protocol'),
  f('http', 'http.request', 'bool'),
  f('http', 'http.response', 'bool'),
  f('http', 'http.request.method', 'string'),
  f('http', 'http.request.uri', 'string'),
  f('http', 'http.request.uri.path', 'string'),
  f('http', 'http.request.uri.query', 'string'),
  f('http', 'http.request.uri.query.parameter', 'string'),
  f('http', 'http.request.version', 'string'),
  f('http', 'http.request.full_uri', 'string'),
  f('http', 'http.response_for.uri', 'string'),
  f('http', 'http.response.version', 'string'),
  f('http', 'http.response.code', 'uint'),
  f('http', 'http.response.code.desc', 'string'),
  f('http', 'http.response.phrase', 'string'),
  f('http', 'http.host', 'string'),
  f('http', 'http.user_agent', 'string'),
  f('http', 'http.content_type', 'string'),
  f('http', 'http.content_length_header', 'string'),
  f('http', 'http.content_length', 'uint'),
  f('http', 'http.accept', 'string'),
  f('http', 'http.accept_encoding', 'string'),
  f('http', 'http.accept_language', 'string'),
  f('http', 'http.authorization', 'string'),
  f('http', 'http.cache_control', 'string'),
  f('http', 'http.connection', 'string'),
  f('http', 'http.content_encoding', 'string'),
  f('http', 'http.cookie', 'string'),
  f('http', 'http.date', 'string'),
  f('http', 'http.last_modified', 'string'),
  f('http', 'http.location', 'string'),
  f('http', 'http.referer', 'string'),
  f('http', 'http.server', 'string'),
  f('http', 'http.set_cookie', 'string'),
  f('http', 'http.transfer_encoding', 'string'),
  f('http', 'http.upgrade', 'string'),
  f('http', 'http.x_forwarded_for', 'string'),
  f('http', 'http.unknown_header', 'string'),
  f('http', 'http.file_data', 'string'),
  f('dns', 'dns', 'protocol'),
  f('dns', 'dns.length', 'uint'),
  f('dns', 'dns.id', 'uint', 4),
  f('dns', 'dns.flags', 'uint', 4),
  f('dns', 'dns.flags.response', 'bool'),
  f('dns', 'dns.flags.opcode', 'uint'),
  f('dns', 'dns.flags.authoritative', 'bool'),
  f('dns', 'dns.flags.truncated', 'bool'),
  f('dns', 'dns.flags.recdesired', 'bool'),
  f('dns', 'dns.flags.recavail', 'bool'),
  f('dns', 'dns.flags.z', 'bool'),
  f('dns', 'dns.flags.authenticated', 'bool'),
  f('dns', 'dns.flags.checkdisable', 'bool'),
  f('dns', 'dns.flags.rcode', 'uint'),
  f('dns', 'dns.count.queries', 'uint'),
  f('dns', 'dns.count.answers', 'uint'),
  f('dns', 'dns.count.auth_rr', 'uint'),
  f('dns', 'dns.count.add_rr', 'uint'),
  f('dns', 'dns.count.zones', 'uint'),
  f('dns', 'dns.count.prerequisites', 'uint'),
  f('dns', 'dns.count.updates', 'uint'),
  f('dns', 'dns.count.labels', 'uint'),
  f('dns', 'dns.qry.name', 'string'),
  f('dns', 'dns.qry.name.len', 'uint'),
  f('dns', 'dns.qry.type', 'uint'),
  f('dns', 'dns.qry.class', 'uint', 4),
  f('dns', 'dns.qry.qu', 'bool'),
  f('dns', 'dns.resp.name', 'string'),
  f('dns', 'dns.resp.type', 'uint'),
  f('dns', 'dns.resp.class', 'uint', 4),
  f('dns', 'dns.resp.cache_flush', 'bool'),
  f('dns', 'dns.resp.ttl', 'uint'),
  f('dns', 'dns.resp.len', 'uint'),
  f('dns', 'dns.a', 'ipv4'),
  f('dns', 'dns.aaaa', 'ipv6'),
  f('dns', 'dns.cname', 'string'),
  f('dns', 'dns.ns', 'string'),
  f('dns', 'dns.ptr.domain_name', 'string'),
  f('dns', 'dns.mx.preference', 'uint'),
  f('dns', 'dns.mx.mail_exchange', 'string'),
  f('dns', 'dns.txt', 'string'),
  f('dns', 'dns.txt.length', 'uint'),
  f('dns', 'dns.soa.mname', 'string'),
  f('dns', 'dns.soa.rname', 'string'),
  f('dns', 'dns.soa.serial_number', 'uint'),
  f('dns', 'dns.soa.refresh_interval', 'uint'),
  f('dns', 'dns.soa.retry_interval', 'uint'),
  f('dns', 'dns.soa.expire_limit', 'uint'),
  f('dns', 'dns.soa.minimum_ttl', 'uint'),
  f('dns', 'dns.srv.priority', 'uint'),
  f('dns', 'dns.srv.weight', 'uint'),
  f('dns', 'dns.srv.port', 'uint'),
  f('dns', 'dns.srv.target', 'string'),
  f('dns', 'dns.rr.udp_payload_size', 'uint', 4),
  f('dns', 'dns.resp.ext_rcode', 'uint', 2),
  f('dns', 'dns.resp.edns0_version', 'uint'),
  f('dns', 'dns.resp.z', 'uint', 4),
  f('dns', 'dns.resp.z.do', 'bool'),
  f('dns', 'dns.resp.z.reserved', 'uint', 4),
  f('dns', 'dns.opt.code', 'uint'),
  f('dns', 'dns.opt.len', 'uint'),
  f('dns', 'dns.opt.data', 'bytes'),
]);
