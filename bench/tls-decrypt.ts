/**
 * TLS 1.3 decryption throughput of TlsStreamDecryptor: the RFC 8448 §3
 * handshake followed by N application records of SIZE bytes, encrypted here
 * with the trace's client application keys, fed in CHUNK-byte pieces (as
 * TCP reassembly would). Median of RUNS.
 *
 *   npm run bench:tls [-- --records 20000 --size 1400 --chunk 1448 --runs 5]
 */
import { createCipheriv } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as v from '../test/fixtures/tls/rfc8448.js';
import { TlsStreamDecryptor, parseKeyLog } from '../src/pcap/tls/index.js';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '20000' }, size: { type: 'string', default: '1400' }, chunk: { type: 'string', default: '1448' }, runs: { type: 'string', default: '5' } },
});
const RECORDS = Number(values.records);
const SIZE = Number(values.size);
const CHUNK = Number(values.chunk);
const RUNS = Number(values.runs);

/** One TLS 1.3 application-data record under the client application keys (RFC 8446 §5.2). */
function seal(seq: number, plaintext: Buffer): Buffer {
  const inner = Buffer.concat([plaintext, Buffer.of(23)]);
  const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
  const nonce = Buffer.from(v.CLIENT_AP_IV);
  nonce.writeUInt32BE(nonce.readUInt32BE(8) ^ seq, 8);
  const cipher = createCipheriv('aes-128-gcm', v.CLIENT_AP_KEY, nonce);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, body]);
}

const payload = Buffer.alloc(SIZE, 0x61);
const client = Buffer.concat([v.CLIENT_HELLO_RECORD, v.CLIENT_FINISHED_RECORD, ...Array.from({ length: RECORDS }, (_, i) => seal(i, payload))]);
const server = Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD]);
const keyLog = parseKeyLog(v.KEY_LOG);

const rates: number[] = [];
for (let run = 0; run < RUNS; run++) {
  let bytes = 0;
  const started = process.hrtime.bigint();
  const d = new TlsStreamDecryptor({ keyLog, onData: (e) => (bytes += e.data.length) });
  d.pushServer(server);
  for (let i = 0; i < client.length; i += CHUNK) d.pushClient(client.subarray(i, i + CHUNK));
  const summary = d.finish();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (summary.status !== 'decrypted' || bytes !== RECORDS * SIZE) throw new Error(`bench decrypted ${bytes} bytes, status ${summary.status}: ${summary.reason}`);
  rates.push(client.length / seconds / 2 ** 20);
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)] ?? 0;
console.log(
  `TLS 1.3 AES-128-GCM: ${RECORDS} records x ${SIZE} B in ${CHUNK}-byte chunks: median ${median.toFixed(1)} MiB/s of ciphertext ` +
    `(${((median * 2 ** 20) / (SIZE + 22)).toFixed(0)} records/s), runs: ${rates.map((r) => r.toFixed(1)).join(', ')}`,
);
