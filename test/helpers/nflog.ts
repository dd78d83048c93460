/** NFLOG (LINKTYPE_NFLOG, 239) frame builders for the tests. */

/** One TLV: length (header + value, padding excluded), type, value, padding to 4 bytes. */
export function nflogTlv(type: number, value: Uint8Array, le = true): Buffer {
  const len = 4 + value.length;
  const b = Buffer.alloc((len + 3) & ~3);
  if (le) b.writeUInt16LE(len, 0), b.writeUInt16LE(type, 2);
  else b.writeUInt16BE(len, 0), b.writeUInt16BE(type, 2);
  Buffer.from(value).copy(b, 4);
  return b;
}

/** The NFLOG header (family, version 0, resource id 1) then `tlvs`. */
export function nflogFrame(family: number, tlvs: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([family, 0, 0, 1]), ...tlvs]);
}
