/**
 * TLS record and handshake parsers (src/pcap/tls): the record decoder, the
 * handshake reassembler behind it and the ClientHello/ServerHello parsers,
 * over mutated RFC 8448 records split at random points.
 */
import { ERROR_CODES, NetlabError } from '../../src/errors.js';
import { HandshakeReassembler, HANDSHAKE_TYPE, parseClientHello, parseServerHello } from '../../src/pcap/tls/handshake.js';
import { TlsRecordDecoder } from '../../src/pcap/tls/record.js';
import * as v from '../../test/fixtures/tls/rfc8448.js';
import { chunk, input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const CODES = new Set<string>(Object.values(ERROR_CODES));
const SEEDS = [
  Buffer.concat([v.CLIENT_HELLO_RECORD, v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD]),
  Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD]),
  v.CLIENT_HELLO_RECORD,
];
const MAX_RECORD = 2 ** 14 + 256;
const MAX_MESSAGE = 1 << 16;

function parseHello(type: number, body: Buffer): void {
  try {
    if (type === HANDSHAKE_TYPE.clientHello) parseClientHello(body);
    else if (type === HANDSHAKE_TYPE.serverHello) parseServerHello(body);
  } catch (err) {
    if (!(err instanceof NetlabError) || err.code !== ERROR_CODES.TLS_HANDSHAKE_MALFORMED) throw err;
  }
}

export const tlsRecords: FuzzTarget = {
  name: 'tls/records',
  run(rng) {
    const bytes = input(rng, SEEDS, 1024);
    let streamOffset = -1;
    const handshake = new HandshakeReassembler({
      maxMessageBytes: MAX_MESSAGE,
      wanted: (t) => t === HANDSHAKE_TYPE.clientHello || t === HANDSHAKE_TYPE.serverHello,
      onMessage: (m) => {
        check(m.body.length <= MAX_MESSAGE && m.length >= 0, 'handshake message over its cap');
        parseHello(m.type, m.body);
      },
      onError: (e) => check(CODES.has(e.code), `uncatalogued handshake error ${e.code}`),
    });
    const records = new TlsRecordDecoder({
      maxRecordBytes: MAX_RECORD,
      onRecord: (r) => {
        check(r.fragment.length <= MAX_RECORD && r.header.length === 5, 'record over its cap');
        check(r.offset > streamOffset, 'record offsets do not increase');
        streamOffset = r.offset;
        if (r.type === 22) handshake.push(r.fragment);
      },
      onError: (e) => check(CODES.has(e.code), `uncatalogued record error ${e.code}`),
    });
    for (const c of chunk(rng, bytes)) {
      records.push(c);
      check(records.bufferedBytes <= MAX_RECORD + 5 + c.length, `record decoder holds ${records.bufferedBytes} bytes`);
    }
  },
};
