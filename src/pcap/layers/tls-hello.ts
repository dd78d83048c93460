/**
 * The `-V` subtree of a ClientHello or ServerHello body, in Wireshark's
 * words, with the fields filters see (tls.handshake.version,
 * tls.handshake.ciphersuite, tls.handshake.extensions_server_name...).
 * Bounds-checked: a body cut short gives the lines read so far and a
 * `malformed` reason, never a throw.
 *
 *   ClientHello (RFC 8446 §4.1.2): legacy_version(2) random(32)
 *     legacy_session_id<0..32> cipher_suites<2..2^16-2>
 *     legacy_compression_methods<1..2^8-1> extensions<8..2^16-1>
 *   ServerHello (RFC 8446 §4.1.3): legacy_version(2) random(32)
 *     legacy_session_id_echo<0..32> cipher_suite(2)
 *     legacy_compression_method(1) extensions<6..2^16-1>
 */
import type { ProtoField } from './tree.js';
import { extensionName, hex4, suiteName, versionLabel } from './tls-names.js';

/** What reading a hello found besides its lines. */
export interface HelloResult {
  fields: ProtoField[];
  /** supported_versions.selected_version of a ServerHello, or its legacy_version. */
  version: number | undefined;
  malformed: string | undefined;
}

/** A cursor over a body that records the first overrun instead of throwing. */
class Cursor {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  short = false;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  has(n: number): boolean {
    if (this.pos + n <= this.end) return true;
    this.short = true;
    return false;
  }

  u8(): number {
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    const v = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  bytes(n: number): Uint8Array {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function line(name: string, label: string, value?: number | string | Uint8Array, children?: ProtoField[]): ProtoField {
  const f: ProtoField = { name, label };
  if (value !== undefined) f.value = value;
  if (children !== undefined) f.children = children;
  return f;
}

function suiteLine(id: number): ProtoField {
  return line('tls.handshake.ciphersuite', `Cipher Suite: ${suiteName(id)} (0x${hex4(id)})`, id);
}

/** legacy_version, random, session id: the start both hellos share. */
function readStart(c: Cursor, out: ProtoField[]): boolean {
  if (!c.has(2)) return false;
  const version = c.u16();
  out.push(line('tls.handshake.version', `Version: ${versionLabel(version)}`, version));
  if (!c.has(32)) return false;
  const random = c.bytes(32);
  out.push(line('tls.handshake.random', `Random: ${hex(random)}`, random));
  if (!c.has(1)) return false;
  const idLength = c.u8();
  out.push(line('tls.handshake.session_id_length', `Session ID Length: ${idLength}`, idLength));
  if (!c.has(idLength)) return false;
  const id = c.bytes(idLength);
  if (idLength > 0) out.push(line('tls.handshake.session_id', `Session ID: ${hex(id)}`, id));
  return true;
}

/**
 * The tree of a ClientHello body.
 * @param body the message body (after the 4-byte handshake header)
 */
export function clientHelloTree(body: Uint8Array): HelloResult {
  const fields: ProtoField[] = [];
  const c = new Cursor(body);
  const done = (): HelloResult => ({ fields, version: undefined, malformed: c.short ? 'the Client Hello is cut short' : undefined });
  if (!readStart(c, fields)) return done();
  if (!c.has(2)) return done();
  const suitesLength = c.u16();
  fields.push(line('tls.handshake.cipher_suites_length', `Cipher Suites Length: ${suitesLength}`, suitesLength));
  if (!c.has(suitesLength)) return done();
  const suites: ProtoField[] = [];
  for (let i = 0; i + 1 < suitesLength; i += 2) suites.push(suiteLine(((body[c.pos + i] as number) << 8) | (body[c.pos + i + 1] as number)));
  c.pos += suitesLength;
  fields.push(line('tls.handshake.ciphersuites', `Cipher Suites (${suites.length} suite${suites.length === 1 ? '' : 's'})`, undefined, suites));
  if (!c.has(1)) return done();
  const methodsLength = c.u8();
  fields.push(line('tls.handshake.comp_methods_length', `Compression Methods Length: ${methodsLength}`, methodsLength));
  if (!c.has(methodsLength)) return done();
  const methods: ProtoField[] = [];
  for (let i = 0; i < methodsLength; i++) methods.push(compressionLine(c.u8()));
  fields.push(line('tls.handshake.comp_methods', `Compression Methods (${methodsLength} method${methodsLength === 1 ? '' : 's'})`, undefined, methods));
  readExtensions(c, fields, 'client');
  return done();
}

/**
 * The tree of a ServerHello body; `version` is the negotiated one.
 * @param body the message body (after the 4-byte handshake header)
 */
export function serverHelloTree(body: Uint8Array): HelloResult {
  const fields: ProtoField[] = [];
  const c = new Cursor(body);
  const result: HelloResult = { fields, version: undefined, malformed: undefined };
  const done = (): HelloResult => {
    if (c.short) result.malformed = 'the Server Hello is cut short';
    return result;
  };
  if (!readStart(c, fields)) return done();
  result.version = ((body[0] as number) << 8) | (body[1] as number);
  if (!c.has(3)) return done();
  fields.push(suiteLine(c.u16()));
  fields.push(compressionLine(c.u8()));
  const selected = readExtensions(c, fields, 'server');
  if (selected !== undefined) result.version = selected;
  return done();
}

function compressionLine(method: number): ProtoField {
  return line('tls.handshake.comp_method', `Compression Method: ${method === 0 ? 'null' : method === 1 ? 'DEFLATE' : 'Unknown'} (${method})`, method);
}

/** The extensions block; returns a ServerHello's selected version when it has supported_versions. */
function readExtensions(c: Cursor, out: ProtoField[], who: 'client' | 'server'): number | undefined {
  // RFC 5246 §7.4.1.2: the block may be absent entirely.
  if (c.pos >= c.end) return undefined;
  if (!c.has(2)) return undefined;
  const total = c.u16();
  out.push(line('tls.handshake.extensions_length', `Extensions Length: ${total}`, total));
  if (!c.has(total)) return undefined;
  const end = c.pos + total;
  let selected: number | undefined;
  while (c.pos < end) {
    if (end - c.pos < 4) {
      c.short = true;
      break;
    }
    const type = c.u16();
    const length = c.u16();
    if (c.pos + length > end) {
      c.short = true;
      break;
    }
    const data = c.bytes(length);
    const children: ProtoField[] = [
      line('tls.handshake.extension.type', `Type: ${extensionName(type)} (${type})`, type),
      line('tls.handshake.extension.len', `Length: ${length}`, length),
    ];
    if (type === 0 && who === 'client') serverNameLines(data, children);
    else if (type === 43) selected = supportedVersionsLines(data, children, who) ?? selected;
    out.push(line('', `Extension: ${extensionName(type)} (len=${length})`, undefined, children));
  }
  c.pos = end;
  return selected;
}

/** RFC 6066 §3: ServerNameList<1..2^16-1> of { NameType(1) opaque HostName<1..2^16-1> }. */
function serverNameLines(data: Uint8Array, out: ProtoField[]): void {
  const c = new Cursor(data);
  if (!c.has(2)) return;
  const listLength = c.u16();
  const sni: ProtoField[] = [line('tls.handshake.extensions_server_name_list_len', `Server Name list length: ${listLength}`, listLength)];
  const end = Math.min(c.pos + listLength, c.end);
  while (c.pos + 3 <= end) {
    const nameType = c.u8();
    const nameLength = c.u16();
    sni.push(line('tls.handshake.extensions_server_name_type', `Server Name Type: ${nameType === 0 ? 'host_name' : 'Unknown'} (${nameType})`, nameType));
    sni.push(line('tls.handshake.extensions_server_name_len', `Server Name length: ${nameLength}`, nameLength));
    if (c.pos + nameLength > end) break;
    const name = Buffer.from(c.bytes(nameLength)).toString('latin1');
    sni.push(line('tls.handshake.extensions_server_name', `Server Name: ${name}`, name));
  }
  out.push(line('', 'Server Name Indication extension', undefined, sni));
}

/** RFC 8446 §4.2.1: a list<2..254> in a ClientHello, one selected_version in a ServerHello. */
function supportedVersionsLines(data: Uint8Array, out: ProtoField[], who: 'client' | 'server'): number | undefined {
  const version = (i: number): number => ((data[i] as number) << 8) | (data[i + 1] as number);
  if (who === 'server') {
    if (data.length !== 2) return undefined;
    out.push(line('tls.handshake.extensions.supported_version', `Supported Version: ${versionLabel(version(0))}`, version(0)));
    return version(0);
  }
  if (data.length < 1) return undefined;
  const length = data[0] as number;
  out.push(line('tls.handshake.extensions.supported_versions_len', `Supported Versions length: ${length}`, length));
  for (let i = 1; i + 1 < data.length && i + 1 <= length; i += 2) {
    out.push(line('tls.handshake.extensions.supported_version', `Supported Version: ${versionLabel(version(i))}`, version(i)));
  }
  return undefined;
}
