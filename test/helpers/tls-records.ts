/** Hand-built TLS records for tests (RFC 8446 §4, §5.1 layouts). */

/** TLSPlaintext: type(1) legacy_record_version(2) length(2) fragment. */
export function record(type: number, body: Uint8Array, version = 0x0303): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeUInt16BE(version, 1);
  header.writeUInt16BE(body.length, 3);
  return Buffer.concat([header, body]);
}

/** Handshake: msg_type(1) length(3) body. */
export function handshake(type: number, body: Uint8Array, declaredLength = body.length): Buffer {
  const header = Buffer.alloc(4);
  header[0] = type;
  header.writeUIntBE(declaredLength, 1, 3);
  return Buffer.concat([header, body]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function vector16(body: Buffer): Buffer {
  return Buffer.concat([u16(body.length), body]);
}

function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vector16(data)]);
}

/** A ClientHello body offering `suites`, naming `sni`, and (for TLS 1.3) supported_versions. */
export function clientHelloBody(options: { suites: number[]; sni?: string; versions?: number[]; random?: Buffer }): Buffer {
  const exts: Buffer[] = [];
  if (options.sni !== undefined) {
    const name = Buffer.from(options.sni, 'latin1');
    exts.push(extension(0, vector16(Buffer.concat([Buffer.from([0]), vector16(name)]))));
  }
  if (options.versions !== undefined) {
    const list = Buffer.concat(options.versions.map(u16));
    exts.push(extension(43, Buffer.concat([Buffer.from([list.length]), list])));
  }
  return Buffer.concat([
    u16(0x0303),
    options.random ?? Buffer.alloc(32, 0xab),
    Buffer.from([0]),
    vector16(Buffer.concat(options.suites.map(u16))),
    Buffer.from([1, 0]),
    vector16(Buffer.concat(exts)),
  ]);
}

/** A ServerHello body choosing `suite`; with `tls13` it carries supported_versions = 0x0304. */
export function serverHelloBody(options: { suite: number; tls13?: boolean; random?: Buffer }): Buffer {
  const exts = options.tls13 === true ? extension(43, u16(0x0304)) : Buffer.alloc(0);
  return Buffer.concat([u16(0x0303), options.random ?? Buffer.alloc(32, 0xcd), Buffer.from([0]), u16(options.suite), Buffer.from([0]), vector16(exts)]);
}
