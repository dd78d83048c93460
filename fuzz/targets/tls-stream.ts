/**
 * TLS decryption from a key log: mutated RFC 8448 client and server streams
 * through TlsStreamDecryptor. Only catalogued codes come out, and plaintext
 * is either exactly what was sent or nothing (a tampered record never
 * decrypts to something else).
 */
import { ERROR_CODES } from '../../src/errors.js';
import { parseKeyLog, TlsStreamDecryptor } from '../../src/pcap/tls/index.js';
import * as v from '../../test/fixtures/tls/rfc8448.js';
import { chunk, mutate, randomBytes } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const CODES = new Set<string>(Object.values(ERROR_CODES));
const KEY_LOG = parseKeyLog(v.KEY_LOG);
const CLIENT = Buffer.concat([v.CLIENT_HELLO_RECORD, v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD]);
const SERVER = Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD]);

export const tlsStream: FuzzTarget = {
  name: 'tls/stream',
  run(rng) {
    const noise = rng.chance(0.15);
    const client = noise ? randomBytes(rng, 2048) : rng.chance(0.7) ? mutate(rng, CLIENT, [SERVER], 3) : CLIENT;
    const server = noise ? randomBytes(rng, 2048) : rng.chance(0.5) ? mutate(rng, SERVER, [CLIENT], 3) : SERVER;
    const data: Buffer[] = [];
    const d = new TlsStreamDecryptor({ keyLog: KEY_LOG, onData: (e) => data.push(Buffer.from(e.data)) });
    const c = chunk(rng, client);
    const s = chunk(rng, server);
    const serverFirst = rng.chance(0.5);
    for (let i = 0; i < Math.max(c.length, s.length); i++) {
      if (serverFirst && s[i]) d.pushServer(s[i]!);
      if (c[i]) d.pushClient(c[i]!);
      if (!serverFirst && s[i]) d.pushServer(s[i]!);
    }
    const summary = d.finish();
    for (const p of summary.problems) check(CODES.has(p.code), `uncatalogued problem code ${p.code}`);
    check(summary.code === null || CODES.has(summary.code), `uncatalogued summary code ${summary.code}`);
    for (const x of data) check(noise ? false : x.equals(v.APP_DATA), 'plaintext that was never sent came out');
  },
};
