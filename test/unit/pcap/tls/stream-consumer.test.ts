/**
 * The TLS stream consumer: one decryptor per TLS stream, a cap on how many
 * at once, and per chunk the records it completed (header, handshake
 * messages, plaintext and inner type with keys).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from '../../../fixtures/tls/rfc8448.js';
import { TlsStreamConsumer } from '../../../../src/pcap/tls/stream-consumer.js';
import { TlsConnection } from '../../../../src/pcap/tls/connection.js';
import { parseKeyLog } from '../../../../src/pcap/tls/keylog.js';
import type { TcpStreamInfo } from '../../../../src/pcap/reassembly/tcp-streams.js';

function info(index: number, tls = true): TcpStreamInfo {
  return { index, client: `10.0.0.1:${40000 + index}`, server: '10.0.0.2:443', packets: 1, bytesClient: 0, bytesServer: 0, tls, firstPacket: index, gaps: 0, undelivered: 0, uncaptured: 0 };
}

const SERVER = Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD]);
const CLIENT_REST = Buffer.concat([v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD]);

test('per chunk: record headers, handshake messages, and with keys the plaintext and its inner type', () => {
  const chunks: { side: number; records: { type: number; version: number; length: number; contentType?: number; handshakes: number[]; content?: Buffer }[] }[] = [];
  const consumer = new TlsStreamConsumer({
    keyLog: parseKeyLog(v.KEY_LOG),
    onChunk: (_s, side, report) =>
      chunks.push({
        side,
        records: report.records.map((r) => ({ type: r.type, version: r.version, length: r.length, contentType: r.contentType, handshakes: r.handshakes.map((h) => h.type), content: r.content })),
      }),
  });
  const s = info(0);
  consumer.reassembled(s, 0, v.CLIENT_HELLO_RECORD, 1);
  consumer.reassembled(s, 1, SERVER, 2);
  consumer.reassembled(s, 0, CLIENT_REST, 3);
  assert.deepEqual(
    chunks.map((c) => c.records.map((r) => [c.side, r.type, r.version, r.length, r.contentType, r.handshakes.join('+')])),
    [
      [[0, 22, 0x0301, v.CLIENT_HELLO_RECORD.length - 5, 22, '1']],
      [
        [1, 22, 0x0303, v.SERVER_HELLO_RECORD.length - 5, 22, '2'],
        [1, 23, 0x0303, v.SERVER_FLIGHT_RECORD.length - 5, 22, '8+11+15+20'],
      ],
      [
        [0, 23, 0x0303, v.CLIENT_FINISHED_RECORD.length - 5, 22, '20'],
        [0, 23, 0x0303, v.CLIENT_APP_RECORD.length - 5, 23, ''],
      ],
    ],
  );
  assert.deepEqual(chunks[2]!.records[1]!.content, v.APP_DATA);
});

test('records that wait for the other direction are reported late, on the chunk that unblocks them', () => {
  const c = new TlsConnection({ keyLog: parseKeyLog(v.KEY_LOG) });
  c.push(0, v.CLIENT_HELLO_RECORD);
  const early = c.push(0, CLIENT_REST);
  assert.deepEqual(early.records.map((r) => r.outcome), [undefined, undefined], 'protected, and the suite is not known yet');
  const server = c.push(1, SERVER);
  assert.deepEqual(server.records.map((r) => r.outcome), ['plain', 'decrypted']);
  assert.deepEqual(server.late.map((r) => [r.side, r.index, r.outcome, r.contentType]), [
    [0, 1, 'decrypted', 22],
    [0, 2, 'decrypted', 23],
  ]);
  assert.deepEqual(server.late[1]!.content, v.APP_DATA);
});

test('the number of streams followed at once is capped: the oldest is summarised and let go', () => {
  const summaries: number[] = [];
  const consumer = new TlsStreamConsumer({
    maxStreams: 2,
    onSummary: (s, summary) => {
      summaries.push(s.index);
      assert.equal(summary.tls, true, 'each summary is of its own Client Hello');
    },
  });
  for (let i = 0; i < 3; i++) consumer.reassembled(info(i), 0, v.CLIENT_HELLO_RECORD, i);
  assert.equal(consumer.size, 2);
  assert.deepEqual(summaries, [0]);
  assert.equal(consumer.connection(0), undefined);
  assert.ok(consumer.connection(2));
  consumer.complete(info(1));
  assert.deepEqual(summaries, [0, 1]);
  consumer.finish();
  assert.deepEqual(summaries, [0, 1, 2]);
  assert.equal(consumer.size, 0);
});

test("until 'keys': each stream says once whether the key log holds its secrets, then is let go", () => {
  const keys: [number, boolean][] = [];
  const consumer = new TlsStreamConsumer({ keyLog: parseKeyLog(v.KEY_LOG), until: 'keys', onKeys: (s, found) => keys.push([s.index, found]) });
  consumer.reassembled(info(0), 0, v.CLIENT_HELLO_RECORD, 0);
  consumer.reassembled(info(0), 1, v.SERVER_HELLO_RECORD, 1);
  assert.deepEqual(keys, [[0, true]]);
  assert.equal(consumer.size, 0);
  // Another client random: no keys.
  const other = Buffer.from(v.CLIENT_HELLO_RECORD);
  other[11] = other[11]! ^ 0xff; // a byte of the client random (record 5 + handshake 4 + version 2)
  consumer.reassembled(info(1), 0, other, 2);
  consumer.reassembled(info(1), 1, v.SERVER_HELLO_RECORD, 3);
  // One that ends before the Server Hello.
  consumer.reassembled(info(2), 0, v.CLIENT_HELLO_RECORD, 4);
  consumer.complete(info(2));
  assert.deepEqual(keys, [
    [0, true],
    [1, false],
    [2, false],
  ]);
});

test('only TLS-looking streams by default; with wanted, a stream found not to be TLS goes to onPlain as captured', () => {
  const plain: string[] = [];
  const quiet = new TlsStreamConsumer({ onPlain: (_s, _side, data) => plain.push(Buffer.from(data).toString()) });
  quiet.reassembled(info(0, false), 0, Buffer.from('GET / HTTP/1.1\r\n'), 0);
  assert.equal(quiet.size, 0);
  assert.equal(plain.length, 0, 'a stream that did not look like TLS is not followed');

  let wasPlain: boolean | undefined;
  const all = new TlsStreamConsumer({
    wanted: () => true,
    onPlain: (_s, side, data) => plain.push(`${side}:${Buffer.from(data).toString()}`),
    onSummary: (_s, summary, isPlain) => {
      wasPlain = isPlain;
      assert.equal(summary.status, 'not-tls');
    },
  });
  all.reassembled(info(0, false), 0, Buffer.from('GET / HTTP/1.1\r\n'), 0);
  all.reassembled(info(0, false), 1, Buffer.from('HTTP/1.1 200 OK\r\n'), 1);
  all.finish();
  assert.deepEqual(plain, ['0:GET / HTTP/1.1\r\n', '1:HTTP/1.1 200 OK\r\n']);
  assert.equal(wasPlain, true);
});

test('record outcomes: skipped without keys, failed with wrong keys, and one stream error when the records stop making sense', () => {
  const noKeys = new TlsConnection();
  noKeys.push(0, v.CLIENT_HELLO_RECORD);
  assert.deepEqual(noKeys.push(1, SERVER).records.map((r) => [r.outcome, r.content === undefined]), [
    ['plain', false],
    ['skipped', true],
  ]);

  // The right labels with another connection's secrets: the AEAD tag fails, nothing is shown.
  const wrong = parseKeyLog(v.KEY_LOG.replace(v.SERVER_HS_TRAFFIC.toString('hex'), v.CLIENT_HS_TRAFFIC.toString('hex')));
  const failed = new TlsConnection({ keyLog: wrong });
  failed.push(0, v.CLIENT_HELLO_RECORD);
  const flight = failed.push(1, SERVER).records[1]!;
  assert.equal(flight.outcome, 'failed');
  assert.equal(flight.content, undefined);
  assert.equal(failed.finish().status, 'failed');

  const broken = new TlsConnection();
  const report = broken.push(0, Buffer.concat([v.CLIENT_HELLO_RECORD, Buffer.from([0x47, 0x45, 0x54, 0x20, 0x2f])]));
  assert.equal(report.records.length, 1, 'the record before the garbage is reported');
  assert.equal(report.error?.code, 'NETLAB_ERR_TLS_RECORD_MALFORMED');
  assert.equal(broken.push(0, v.CLIENT_HELLO_RECORD).error, undefined, 'reported once; the direction has stopped');
  assert.equal(broken.push(0, v.CLIENT_HELLO_RECORD).records.length, 0);
});
