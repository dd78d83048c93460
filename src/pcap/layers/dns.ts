/**
 * DNS (RFC 1035) and Multicast DNS (RFC 6762) messages: over UDP one
 * message a datagram, over TCP each message behind a 2-byte length
 * (RFC 1035 section 4.2.2), reassembled across segments and reported on the
 * segment that completes it, as tshark does.
 *
 * Fields, labels and the Info column are Wireshark's (packet-dns.c, tshark
 * 4.0). Malformed input never throws: dissection stops where the message
 * breaks its own lengths, and the layer carries `malformed` with what is
 * known so far (tshark's Info stops at the same place).
 */
import type { AppContext, AppProtocol, StreamDissector, StreamSide } from './app-protocol.js';
import { formatIpv4, formatIpv6 } from './address.js';
import { dnsClassName, dnsOpcodeName, dnsRcodeName, dnsTypeLabel, dnsTypeName, hex4, secondsText } from './dns-names.js';
import { bitPattern, formatText } from './text.js';
import type { ProtoField, ProtoLayer } from './tree.js';

/** Bounds of the DNS dissector. */
export const DNS_LIMITS = Object.freeze({
  /**
   * Compression pointers followed while reading one name. A name has at most
   * 127 labels (255 octets, RFC 1035 section 3.1), so more jumps than that
   * can only be a loop.
   */
  maxPointerJumps: 127,
  /** Octets of a name, length bytes included (RFC 1035 section 3.1: 255). */
  maxNameOctets: 255,
  /** Records (questions and RRs) dissected from one message; the rest is reported malformed. */
  maxRecords: 4096,
  /** A DNS-over-TCP message: its 2-byte length prefix cannot say more (RFC 1035 section 4.2.2). */
  maxTcpMessage: 0xffff,
});

/** The UDP and TCP ports of DNS and of Multicast DNS (IANA; RFC 6762 section 3). */
export const DNS_PORT = 53;
export const MDNS_PORT = 5353;

const HEADER = 12;
const F_RESPONSE = 0x8000;
const F_OPCODE = 0x7800;
const F_AA = 0x0400;
const F_TC = 0x0200;
const F_RD = 0x0100;
const F_RA = 0x0080;
const F_Z = 0x0040;
const F_AD = 0x0020;
const F_CD = 0x0010;
const F_RCODE = 0x000f;
const OPCODE_UPDATE = 5;
const T_A = 1;
const T_NS = 2;
const T_CNAME = 5;
const T_SOA = 6;
const T_PTR = 12;
const T_MX = 15;
const T_TXT = 16;
const T_AAAA = 28;
const T_SRV = 33;
const T_OPT = 41;

/** Options of {@link dissectDns}. */
export interface DnsOptions {
  /** Multicast DNS (port 5353): the top bit of a class is the QU / cache-flush bit. */
  mdns?: boolean;
  /** Over TCP: the value of the 2-byte length prefix (shown as dns.length). */
  tcpLength?: number;
}

/** A name read from a message. */
export interface DnsName {
  text: string;
  /** Offset just after the name where it was read (after its first pointer, if any). */
  end: number;
  labels: number;
  /** Characters of the name before escaping (labels and the dots between them): tshark's [Name Length]. */
  chars: number;
  /** Empty when the name is well formed, else what is wrong. */
  error: string;
}

/**
 * Reads the (possibly compressed) name at `off` (RFC 1035 section 4.1.4).
 * Bounded: at most maxPointerJumps pointers and maxNameOctets octets, so a
 * pointer loop ends as an error, never a hang.
 */
export function readDnsName(msg: Uint8Array, off: number): DnsName {
  let pos = off;
  let end = -1;
  let jumps = 0;
  let octets = 1;
  let labels = 0;
  let text = '';
  for (;;) {
    if (pos >= msg.length) return { text, end: msg.length, labels, chars: 0, error: 'name runs past the end of the message' };
    const len = msg[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= msg.length) return { text, end: msg.length, labels, chars: 0, error: 'name pointer runs past the end of the message' };
      if (end < 0) end = pos + 2;
      if (++jumps > DNS_LIMITS.maxPointerJumps) return { text, end, labels, chars: 0, error: 'name compression pointers loop' };
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    // 0x40 and 0x80 are the extended and reserved label types (RFC 6891 section 5).
    if (kind !== 0) return { text, end: end < 0 ? pos + 1 : end, labels, chars: 0, error: 'unsupported label type' };
    if (pos + 1 + len > msg.length) return { text, end: msg.length, labels, chars: 0, error: 'label runs past the end of the message' };
    octets += len + 1;
    if (octets > DNS_LIMITS.maxNameOctets) return { text, end: end < 0 ? pos : end, labels, chars: 0, error: `name longer than ${DNS_LIMITS.maxNameOctets} octets` };
    text += (labels === 0 ? '' : '.') + formatText(msg, pos + 1, pos + 1 + len);
    labels++;
    pos += 1 + len;
  }
  return labels === 0 ? { text: '<Root>', end, labels, chars: 6, error: '' } : { text, end, labels, chars: octets - 2, error: '' };
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** An owned copy as a plain Uint8Array (Buffer's slice would be a view of the caller's bytes). */
function copy(b: Uint8Array, at: number, n: number): Uint8Array {
  return new Uint8Array(b.subarray(at, at + n));
}

function leaf(name: string, label: string, value: ProtoField['value'], offset: number, length: number): ProtoField {
  return value === undefined ? { name, label, offset, length } : { name, label, value, offset, length };
}

/** A 16-bit flag line: `.... ..0. .... .... = Truncated: Message is not truncated`. */
function flagLine(name: string, flags: number, mask: number, text: string): ProtoField {
  const shift = Math.clz32(0) - Math.clz32(mask & -mask) - 1;
  return { name, label: `${bitPattern(flags, mask, 16)} = ${text}`, value: (flags & mask) >>> shift, offset: 2, length: 2 };
}

/** Flags subtrees already built, by flags value (a capture uses few); frozen, as they are shared between layers. */
const FLAGS_TREES = new Map<number, ProtoField>();
const FLAGS_TREES_MAX = 1024;

function flagsTree(flags: number): ProtoField {
  let tree = FLAGS_TREES.get(flags);
  if (tree === undefined) {
    if (FLAGS_TREES.size >= FLAGS_TREES_MAX) FLAGS_TREES.clear();
    tree = deepFreeze(buildFlagsTree(flags));
    FLAGS_TREES.set(flags, tree);
  }
  return tree;
}

function deepFreeze(f: ProtoField): ProtoField {
  if (f.children !== undefined) {
    f.children.forEach(deepFreeze);
    Object.freeze(f.children);
  }
  return Object.freeze(f);
}

function buildFlagsTree(flags: number): ProtoField {
  const response = (flags & F_RESPONSE) !== 0;
  const opcode = (flags & F_OPCODE) >> 11;
  const rcode = flags & F_RCODE;
  const on = (m: number): boolean => (flags & m) !== 0;
  const c: ProtoField[] = [
    flagLine('dns.flags.response', flags, F_RESPONSE, `Response: ${response ? 'Message is a response' : 'Message is a query'}`),
    flagLine('dns.flags.opcode', flags, F_OPCODE, `Opcode: ${dnsOpcodeName(opcode)} (${opcode})`),
  ];
  if (response) c.push(flagLine('dns.flags.authoritative', flags, F_AA, `Authoritative: ${on(F_AA) ? 'Server is an authority for domain' : 'Server is not an authority for domain'}`));
  c.push(flagLine('dns.flags.truncated', flags, F_TC, `Truncated: ${on(F_TC) ? 'Message is truncated' : 'Message is not truncated'}`));
  c.push(flagLine('dns.flags.recdesired', flags, F_RD, `Recursion desired: ${on(F_RD) ? 'Do query recursively' : "Don't do query recursively"}`));
  if (response) c.push(flagLine('dns.flags.recavail', flags, F_RA, `Recursion available: ${on(F_RA) ? 'Server can do recursive queries' : "Server can't do recursive queries"}`));
  c.push(flagLine('dns.flags.z', flags, F_Z, `Z: ${on(F_Z) ? 'reserved - incorrect!' : 'reserved (0)'}`));
  if (response) {
    const ad = on(F_AD) ? 'Answer/authority portion was authenticated by the server' : 'Answer/authority portion was not authenticated by the server';
    c.push(flagLine('dns.flags.authenticated', flags, F_AD, `Answer authenticated: ${ad}`));
  } else if (on(F_AD)) {
    // tshark shows the AD bit of a query only when it is set (RFC 6840 section 5.7).
    c.push(flagLine('dns.flags.authenticated', flags, F_AD, 'AD bit: Set'));
  }
  c.push(flagLine('dns.flags.checkdisable', flags, F_CD, `Non-authenticated data: ${on(F_CD) ? 'Acceptable' : 'Unacceptable'}`));
  if (response) c.push(flagLine('dns.flags.rcode', flags, F_RCODE, `Reply code: ${dnsRcodeName(rcode)} (${rcode})`));
  const summary = response ? `${dnsOpcodeName(opcode)} response, ${dnsRcodeName(rcode)}` : dnsOpcodeName(opcode);
  return { name: 'dns.flags', label: `Flags: ${hex4(flags)} ${summary}`, value: flags, offset: 2, length: 2, children: c };
}

/** Dissection state of one message (module-private: one per call). */
class MessageReader {
  readonly msg: Uint8Array;
  readonly mdns: boolean;
  info: string;
  malformed = '';
  records = 0;

  constructor(msg: Uint8Array, mdns: boolean, info: string) {
    this.msg = msg;
    this.mdns = mdns;
    this.info = info;
  }

  fail(why: string): void {
    if (this.malformed === '') this.malformed = why;
  }

  /** One question (RFC 1035 section 4.1.2); returns the offset after it, or -1. */
  question(off: number, out: ProtoField[]): number {
    const m = this.msg;
    const name = readDnsName(m, off);
    if (name.error !== '') return this.#bad(name.error);
    if (name.end + 4 > m.length) return this.#bad('question runs past the end of the message');
    const type = u16(m, name.end);
    const raw = u16(m, name.end + 2);
    const cls = this.mdns ? raw & 0x7fff : raw;
    const qu = this.mdns && (raw & 0x8000) !== 0;
    this.info += ` ${dnsTypeName(type)} ${name.text}`;
    if (this.mdns) this.info += qu ? ', "QU" question' : ', "QM" question';
    const kids: ProtoField[] = [
      leaf('dns.qry.name', `Name: ${name.text}`, name.text, off, name.end - off),
      leaf('dns.qry.name.len', `[Name Length: ${name.chars}]`, name.chars, off, name.end - off),
      leaf('dns.count.labels', `[Label Count: ${name.labels}]`, name.labels, off, name.end - off),
      leaf('dns.qry.type', `Type: ${dnsTypeLabel(type)}`, type, name.end, 2),
      leaf('dns.qry.class', `${this.mdns ? `${bitPattern(raw, 0x7fff, 16)} = ` : ''}Class: ${dnsClassName(cls)} (${hex4(cls)})`, cls, name.end + 2, 2),
    ];
    if (this.mdns) kids.push(leaf('dns.qry.qu', `${bitPattern(raw, 0x8000, 16)} = "QU" question: ${qu ? 'True' : 'False'}`, qu ? 1 : 0, name.end + 2, 2));
    const mark = this.mdns ? (qu ? ', "QU" question' : ', "QM" question') : '';
    out.push({ name: '', label: `${name.text}: type ${dnsTypeName(type)}, class ${dnsClassName(cls)}${mark}`, offset: off, length: name.end + 4 - off, children: kids });
    return name.end + 4;
  }

  /** One resource record (RFC 1035 section 4.1.3); returns the offset after it, or -1. */
  record(off: number, out: ProtoField[]): number {
    const m = this.msg;
    const name = readDnsName(m, off);
    if (name.error !== '') return this.#bad(name.error);
    const p = name.end;
    if (p + 10 > m.length) return this.#bad('resource record runs past the end of the message');
    const type = u16(m, p);
    const raw = u16(m, p + 2);
    const flush = this.mdns && (raw & 0x8000) !== 0;
    const cls = this.mdns ? raw & 0x7fff : raw;
    const ttl = u32(m, p + 4);
    const len = u16(m, p + 8);
    const data = p + 10;
    const tname = dnsTypeName(type);
    this.info += ` ${tname}`;
    if (flush) this.info += ', cache flush';
    const kids: ProtoField[] = [leaf('dns.resp.name', `Name: ${name.text}`, name.text, off, p - off), leaf('dns.resp.type', `Type: ${dnsTypeLabel(type)}`, type, p, 2)];
    let summary = type === T_OPT ? `${name.text}: type ${tname}` : `${name.text}: type ${tname}, class ${dnsClassName(cls)}`;
    if (flush) summary += ', cache flush';
    if (type === T_OPT) {
      kids.push(
        leaf('dns.rr.udp_payload_size', `UDP payload size: ${raw}`, raw, p + 2, 2),
        leaf('dns.resp.ext_rcode', `Higher bits in extended RCODE: 0x${(ttl >>> 24).toString(16).padStart(2, '0')}`, ttl >>> 24, p + 4, 1),
        leaf('dns.resp.edns0_version', `EDNS0 version: ${(ttl >>> 16) & 0xff}`, (ttl >>> 16) & 0xff, p + 5, 1),
        {
          name: 'dns.resp.z',
          label: `Z: ${hex4(ttl & 0xffff)}`,
          value: ttl & 0xffff,
          offset: p + 6,
          length: 2,
          children: [
            leaf('dns.resp.z.do', `${bitPattern(ttl, 0x8000, 16)} = DO bit: ${(ttl & 0x8000) !== 0 ? 'Accepts DNSSEC security RRs' : 'Cannot handle DNSSEC security RRs'}`, (ttl >>> 15) & 1, p + 6, 2),
            leaf('dns.resp.z.reserved', `${bitPattern(ttl, 0x7fff, 16)} = Reserved: ${hex4(ttl & 0x7fff)}`, ttl & 0x7fff, p + 6, 2),
          ],
        },
      );
    } else {
      kids.push(leaf('dns.resp.class', `${this.mdns ? `${bitPattern(raw, 0x7fff, 16)} = ` : ''}Class: ${dnsClassName(cls)} (${hex4(cls)})`, cls, p + 2, 2));
      if (this.mdns) kids.push(leaf('dns.resp.cache_flush', `${bitPattern(raw, 0x8000, 16)} = Cache flush: ${flush ? 'True' : 'False'}`, flush ? 1 : 0, p + 2, 2));
      kids.push(leaf('dns.resp.ttl', `Time to live: ${ttl} (${secondsText(ttl)})`, ttl, p + 4, 4));
    }
    kids.push(leaf('dns.resp.len', `Data length: ${len}`, len, p + 8, 2));
    if (data + len > m.length) {
      out.push({ name: '', label: summary, offset: off, length: m.length - off, children: kids });
      return this.#bad('record data runs past the end of the message');
    }
    const extra = len === 0 ? '' : this.#rdata(type, data, len, kids);
    if (extra === null) {
      out.push({ name: '', label: summary, offset: off, length: data + len - off, children: kids });
      return -1;
    }
    summary += extra;
    out.push({ name: '', label: summary, offset: off, length: data + len - off, children: kids });
    return data + len;
  }

  /** The RDATA lines of the types tshark summarises; returns the summary suffix, or null when malformed. */
  #rdata(type: number, at: number, len: number, kids: ProtoField[]): string | null {
    const m = this.msg;
    const end = at + len;
    switch (type) {
      case T_A: {
        if (len !== 4) return this.#badNull('A record data is not 4 bytes');
        const text = formatIpv4(m, at);
        this.info += ` ${text}`;
        kids.push(leaf('dns.a', `Address: ${text}`, copy(m, at, 4), at, 4));
        return `, addr ${text}`;
      }
      case T_AAAA: {
        if (len !== 16) return this.#badNull('AAAA record data is not 16 bytes');
        const text = formatIpv6(m, at);
        this.info += ` ${text}`;
        kids.push(leaf('dns.aaaa', `AAAA Address: ${text}`, copy(m, at, 16), at, 16));
        return `, addr ${text}`;
      }
      case T_NS:
      case T_CNAME:
      case T_PTR: {
        const n = this.#name(at);
        if (n === null) return null;
        this.info += ` ${n.text}`;
        if (type === T_NS) kids.push(leaf('dns.ns', `Name Server: ${n.text}`, n.text, at, len));
        else if (type === T_CNAME) kids.push(leaf('dns.cname', `CNAME: ${n.text}`, n.text, at, len));
        else kids.push(leaf('dns.ptr.domain_name', `Domain Name: ${n.text}`, n.text, at, len));
        return type === T_NS ? `, ns ${n.text}` : type === T_CNAME ? `, cname ${n.text}` : `, ${n.text}`;
      }
      case T_MX: {
        if (len < 3) return this.#badNull('MX record data is too short');
        const pref = u16(m, at);
        const n = this.#name(at + 2);
        if (n === null) return null;
        this.info += ` ${pref} ${n.text}`;
        kids.push(leaf('dns.mx.preference', `Preference: ${pref}`, pref, at, 2), leaf('dns.mx.mail_exchange', `Mail Exchange: ${n.text}`, n.text, at + 2, len - 2));
        return `, preference ${pref}, mx ${n.text}`;
      }
      case T_SOA: {
        const mname = this.#name(at);
        if (mname === null) return null;
        this.info += ` ${mname.text}`;
        kids.push(leaf('dns.soa.mname', `Primary name server: ${mname.text}`, mname.text, at, mname.end - at));
        const rname = this.#name(mname.end);
        if (rname === null) return null;
        kids.push(leaf('dns.soa.rname', `Responsible authority's mailbox: ${rname.text}`, rname.text, mname.end, rname.end - mname.end));
        if (rname.end + 20 > end) return this.#badNull('SOA record data is too short');
        const labels = ['Serial Number', 'Refresh Interval', 'Retry Interval', 'Expire limit', 'Minimum TTL'];
        const names = ['dns.soa.serial_number', 'dns.soa.refresh_interval', 'dns.soa.retry_interval', 'dns.soa.expire_limit', 'dns.soa.minimum_ttl'];
        for (let i = 0; i < 5; i++) {
          const v = u32(m, rname.end + 4 * i);
          kids.push(leaf(names[i]!, i === 0 ? `${labels[i]}: ${v}` : `${labels[i]}: ${v} (${secondsText(v)})`, v, rname.end + 4 * i, 4));
        }
        return `, mname ${mname.text}`;
      }
      case T_SRV: {
        if (len < 7) return this.#badNull('SRV record data is too short');
        const pri = u16(m, at);
        const weight = u16(m, at + 2);
        const port = u16(m, at + 4);
        const n = this.#name(at + 6);
        if (n === null) return null;
        this.info += ` ${pri} ${weight} ${port} ${n.text}`;
        kids.push(
          leaf('dns.srv.priority', `Priority: ${pri}`, pri, at, 2),
          leaf('dns.srv.weight', `Weight: ${weight}`, weight, at + 2, 2),
          leaf('dns.srv.port', `Port: ${port}`, port, at + 4, 2),
          leaf('dns.srv.target', `Target: ${n.text}`, n.text, at + 6, len - 6),
        );
        return `, priority ${pri}, weight ${weight}, port ${port}, target ${n.text}`;
      }
      case T_TXT: {
        // <character-string>s, each a length byte and that many bytes (RFC 1035 section 3.3.14).
        for (let o = at; o < end; ) {
          const n = m[o]!;
          if (o + 1 + n > end) return this.#badNull('TXT string runs past the record data');
          const text = formatText(m, o + 1, o + 1 + n);
          kids.push(leaf('dns.txt.length', `TXT Length: ${n}`, n, o, 1), leaf('dns.txt', `TXT: ${text}`, text, o + 1, n));
          o += 1 + n;
        }
        return '';
      }
      case T_OPT: {
        // EDNS options: code, length, data (RFC 6891 section 6.1.2).
        for (let o = at; o < end; ) {
          if (o + 4 > end) return this.#badNull('EDNS option runs past the record data');
          const code = u16(m, o);
          const olen = u16(m, o + 2);
          if (o + 4 + olen > end) return this.#badNull('EDNS option runs past the record data');
          const oname = EDNS_OPTIONS.get(code) ?? 'Unknown';
          kids.push({
            name: '',
            label: `Option: ${oname}`,
            offset: o,
            length: 4 + olen,
            children: [
              leaf('dns.opt.code', `Option Code: ${oname} (${code})`, code, o, 2),
              leaf('dns.opt.len', `Option Length: ${olen}`, olen, o + 2, 2),
              leaf('dns.opt.data', `Option Data: ${Buffer.from(m.buffer, m.byteOffset + o + 4, olen).toString('hex')}`, copy(m, o + 4, olen), o + 4, olen),
            ],
          });
          o += 4 + olen;
        }
        return '';
      }
      default:
        return '';
    }
  }

  /** A name inside RDATA, or null (the message marked malformed) when it is broken. */
  #name(at: number): DnsName | null {
    const n = readDnsName(this.msg, at);
    if (n.error === '') return n;
    this.#bad(n.error);
    return null;
  }

  #bad(why: string): -1 {
    this.fail(why);
    return -1;
  }

  #badNull(why: string): null {
    this.fail(why);
    return null;
  }
}

/** EDNS option codes (IANA "DNS EDNS0 Option Codes"). */
const EDNS_OPTIONS = new Map<number, string>([
  [3, 'NSID'],
  [5, 'DAU'],
  [6, 'DHU'],
  [7, 'N3U'],
  [8, 'CSUBNET - Client subnet'],
  [9, 'EXPIRE'],
  [10, 'COOKIE'],
  [11, 'EDNS TCP keepalive'],
  [12, 'PADDING'],
  [13, 'CHAIN'],
  [14, 'EDNS key tag'],
  [15, 'Extended DNS Error'],
]);

/**
 * Dissects one DNS message (a UDP datagram's payload, or a TCP message
 * without its length prefix). Never throws.
 */
export function dissectDns(msg: Uint8Array, options: DnsOptions = {}): ProtoLayer {
  const mdns = options.mdns === true;
  const fields: ProtoField[] = [];
  if (options.tcpLength !== undefined) fields.push({ name: 'dns.length', label: `Length: ${options.tcpLength}`, value: options.tcpLength });
  const layer: ProtoLayer = { name: mdns ? 'mdns' : 'dns', title: mdns ? 'Multicast Domain Name System' : 'Domain Name System', protocol: mdns ? 'MDNS' : 'DNS', info: '', fields };
  if (msg.length < 2) {
    layer.malformed = `message shorter than its ${HEADER}-byte header`;
    return layer;
  }
  const id = u16(msg, 0);
  fields.push(leaf('dns.id', `Transaction ID: ${hex4(id)}`, id, 0, 2));
  if (msg.length < 4) {
    layer.malformed = `message shorter than its ${HEADER}-byte header`;
    return layer;
  }
  const flags = u16(msg, 2);
  const response = (flags & F_RESPONSE) !== 0;
  const opcode = (flags & F_OPCODE) >> 11;
  const rcode = flags & F_RCODE;
  layer.title += response ? ' (response)' : ' (query)';
  let info = `${dnsOpcodeName(opcode)}${response ? ' response' : ''} ${hex4(id)}`;
  if (response && rcode !== 0) info += ` ${dnsRcodeName(rcode)}`;
  fields.push(flagsTree(flags));
  if (msg.length < HEADER) {
    // tshark reads the header field by field, so the Info of a cut header still names the operation.
    layer.info = info;
    layer.malformed = `message shorter than its ${HEADER}-byte header`;
    return layer;
  }
  const counts = [u16(msg, 4), u16(msg, 6), u16(msg, 8), u16(msg, 10)];
  // RFC 2136 section 2.2: an UPDATE names its sections zone, prerequisite, update, additional.
  const update = opcode === OPCODE_UPDATE;
  const countNames = update
    ? ['dns.count.zones', 'dns.count.prerequisites', 'dns.count.updates', 'dns.count.add_rr']
    : ['dns.count.queries', 'dns.count.answers', 'dns.count.auth_rr', 'dns.count.add_rr'];
  const countLabels = update ? ['Zones', 'Prerequisites', 'Updates', 'Additional RRs'] : ['Questions', 'Answer RRs', 'Authority RRs', 'Additional RRs'];
  const sectionLabels = update ? ['Zone', 'Prerequisites', 'Updates', 'Additional records'] : ['Queries', 'Answers', 'Authoritative nameservers', 'Additional records'];
  for (let i = 0; i < 4; i++) fields.push(leaf(countNames[i]!, `${countLabels[i]}: ${counts[i]}`, counts[i], 4 + 2 * i, 2));
  const r = new MessageReader(msg, mdns, info);
  let off = HEADER;
  for (let s = 0; s < 4 && off >= 0; s++) {
    const n = counts[s]!;
    if (n === 0) continue;
    const section: ProtoField = { name: '', label: sectionLabels[s]!, offset: off, children: [] };
    fields.push(section);
    for (let i = 0; i < n && off >= 0; i++) {
      if (++r.records > DNS_LIMITS.maxRecords) {
        r.fail(`more than ${DNS_LIMITS.maxRecords} records`);
        off = -1;
        break;
      }
      off = s === 0 ? r.question(off, section.children!) : r.record(off, section.children!);
    }
    if (off >= 0) section.length = off - section.offset!;
  }
  layer.info = r.info;
  if (r.malformed !== '') layer.malformed = r.malformed;
  return layer;
}

/** The header fields of a message, for detection: whether it looks like DNS and its first question reads. */
export function looksLikeDns(msg: Uint8Array): boolean {
  if (msg.length < HEADER + 5) return false;
  const flags = u16(msg, 2);
  if ((flags & F_Z) !== 0) return false;
  const opcode = (flags & F_OPCODE) >> 11;
  if (opcode === 3 || opcode > 6) return false;
  if (!(flags & F_RESPONSE) && (flags & F_RCODE) !== 0) return false;
  const qd = u16(msg, 4);
  if (qd < 1 || qd > 16) return false;
  // Each question takes at least 5 bytes and each RR at least 11 (RFC 1035 section 4.1).
  const rrs = u16(msg, 6) + u16(msg, 8) + u16(msg, 10);
  if (HEADER + 5 * qd + 11 * rrs > msg.length) return false;
  // The first name: plain labels of printable characters, no pointer (nothing precedes it).
  let pos = HEADER;
  for (let octets = 1; ; ) {
    if (pos >= msg.length) return false;
    const len = msg[pos]!;
    if (len === 0) break;
    if (len > 63) return false;
    octets += len + 1;
    if (octets > DNS_LIMITS.maxNameOctets || pos + 1 + len > msg.length) return false;
    for (let i = pos + 1; i <= pos + len; i++) if (msg[i]! <= 0x20 || msg[i]! > 0x7e) return false;
    pos += 1 + len;
  }
  if (pos + 5 > msg.length) return false;
  const cls = u16(msg, pos + 3) & 0x7fff;
  return cls === 1 || cls === 3 || cls === 4 || cls === 255;
}

function isDnsPort(c: AppContext): boolean {
  return c.srcPort === DNS_PORT || c.dstPort === DNS_PORT || c.srcPort === MDNS_PORT || c.dstPort === MDNS_PORT;
}

function isMdns(c: AppContext): boolean {
  return c.srcPort === MDNS_PORT || c.dstPort === MDNS_PORT;
}

/**
 * DNS over TCP for one connection: per side, the 2-byte length then the
 * message (RFC 1035 section 4.2.2), gathered across segments; a message is
 * reported by the push that completes it.
 */
export class DnsStream implements StreamDissector {
  readonly #mdns: boolean;
  /** Per side: the length prefix gathered so far (a byte may come alone). */
  readonly #prefix: [Uint8Array, Uint8Array] = [new Uint8Array(2), new Uint8Array(2)];
  readonly #prefixHeld: [number, number] = [0, 0];
  /** Per side: the message being gathered (exactly its announced length, at most maxTcpMessage), or null. */
  readonly #msg: [Uint8Array | null, Uint8Array | null] = [null, null];
  readonly #held: [number, number] = [0, 0];

  constructor(context: AppContext) {
    this.#mdns = isMdns(context);
  }

  push(side: StreamSide, data: Uint8Array): ProtoLayer[] {
    const out: ProtoLayer[] = [];
    let at = 0;
    while (at < data.length) {
      let msg = this.#msg[side];
      if (msg === null) {
        if (this.#prefixHeld[side] === 0 && data.length - at >= 2) {
          const len = u16(data, at);
          if (data.length - at >= 2 + len) {
            // A whole message inside this chunk is read in place, without a copy.
            out.push(dissectDns(data.subarray(at + 2, at + 2 + len), { mdns: this.#mdns, tcpLength: len }));
            at += 2 + len;
            continue;
          }
        }
        const prefix = this.#prefix[side];
        while (this.#prefixHeld[side] < 2 && at < data.length) prefix[this.#prefixHeld[side]++] = data[at++]!;
        if (this.#prefixHeld[side] < 2) break;
        this.#prefixHeld[side] = 0;
        msg = this.#msg[side] = new Uint8Array(u16(prefix, 0));
        this.#held[side] = 0;
      }
      const have = this.#held[side];
      const take = Math.min(msg.length - have, data.length - at);
      msg.set(data.subarray(at, at + take), have);
      at += take;
      this.#held[side] = have + take;
      if (this.#held[side] === msg.length) {
        out.push(dissectDns(msg, { mdns: this.#mdns, tcpLength: msg.length }));
        this.#msg[side] = null;
      }
    }
    return out;
  }

  /** Bytes held for both directions: at most 2 * (2 + maxTcpMessage). */
  get bufferedBytes(): number {
    return 4 + (this.#msg[0]?.length ?? 0) + (this.#msg[1]?.length ?? 0);
  }

  pending(side: StreamSide): boolean {
    return this.#msg[side] !== null || this.#prefixHeld[side] > 0;
  }

  /** A message cut short by the close is dropped: tshark never reports an incomplete PDU as DNS. */
  end(side: StreamSide): ProtoLayer[] {
    this.#msg[side] = null;
    this.#prefixHeld[side] = 0;
    return [];
  }
}

/** The DNS row of the application-layer table. */
export const DNS_APP: AppProtocol = Object.freeze({
  name: 'dns',
  detect(first: Uint8Array, context: AppContext): boolean {
    if (isDnsPort(context)) return true;
    if (context.transport === 'udp') return looksLikeDns(first);
    if (first.length < 2) return false;
    const len = u16(first, 0);
    return len >= HEADER + 5 && looksLikeDns(first.subarray(2, Math.min(first.length, 2 + len)));
  },
  datagram(payload: Uint8Array, context: AppContext): ProtoLayer {
    return dissectDns(payload, { mdns: isMdns(context) });
  },
  stream(context: AppContext): StreamDissector {
    return new DnsStream(context);
  },
});
