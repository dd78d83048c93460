/** The report's data on built captures: bounded ladders that say what they left out, streams past --streams only counted, relative numbers, the page escaping what the capture says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureReport } from '../../../../src/pcap/report/index.js';
import { renderReportPage } from '../../../../src/pcap/report/page/document.js';
import { buildPcap, chunked, tcpFrame, type RecordSpec } from '../../../helpers/pcap.js';

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

/** One TCP connection from 10.0.0.1:port to 10.0.0.2:80: handshake, `n` data segments from the client each acknowledged, FIN both ways. */
function connection(port: number, n: number, t0: number, payload = 'x'.repeat(100)): RecordSpec[] {
  const c = 1000;
  const s = 5000;
  const out: RecordSpec[] = [];
  let t = t0;
  const add = (data: Buffer) => {
    out.push({ sec: 1_700_000_000 + Math.floor(t), frac: Math.round((t % 1) * 1e6), data });
    t += 0.001;
  };
  add(tcpFrame('10.0.0.1', '10.0.0.2', port, 80, c, 0, SYN));
  add(tcpFrame('10.0.0.2', '10.0.0.1', 80, port, s, c + 1, SYN | ACK));
  add(tcpFrame('10.0.0.1', '10.0.0.2', port, 80, c + 1, s + 1, ACK));
  let seq = c + 1;
  for (let i = 0; i < n; i++) {
    add(tcpFrame('10.0.0.1', '10.0.0.2', port, 80, seq, s + 1, PSH | ACK, Buffer.from(payload)));
    seq += payload.length;
    add(tcpFrame('10.0.0.2', '10.0.0.1', 80, port, s + 1, seq, ACK));
  }
  add(tcpFrame('10.0.0.1', '10.0.0.2', port, 80, seq, s + 1, FIN | ACK));
  add(tcpFrame('10.0.0.2', '10.0.0.1', 80, port, s + 1, seq + 1, FIN | ACK));
  add(tcpFrame('10.0.0.1', '10.0.0.2', port, 80, seq + 1, s + 2, ACK));
  return out;
}

test('a long stream: 60 segments drawn, the rest counted, relative numbers as Wireshark shows them', async () => {
  const records = connection(40000, 100, 0);
  const r = await captureReport(chunked(buildPcap(records), [100, 5000]), { local: ['10.0.0.1/32'] });
  const s = r.streams[0]!;
  assert.equal(s.segments.length, 60);
  assert.equal(s.segmentsNotDrawn, records.length - 60);
  assert.equal(s.packets, records.length);
  assert.deepEqual(
    s.segments.slice(0, 4).map((g) => [g.from, g.flags, g.seq, g.ack, g.len]),
    [
      ['client', 'SYN', 0, null, 0],
      ['server', 'SYN, ACK', 0, 1, 0],
      ['client', 'ACK', 1, 1, 0],
      ['client', 'PSH, ACK', 1, 1, 100],
    ],
  );
  assert.equal(s.segments[3]!.payload, 'x'.repeat(40));
  assert.equal(s.bytesClient, 100 * 100);
  assert.equal(s.timeSequence.client.at(-1)![1], 100 * 100 + 1 + 1, 'the client reached seq 10002 (after its FIN)');
  assert.ok(s.timeSequence.client.length <= 401);
  const page = renderReportPage(r);
  assert.match(page, /\b\d+ more segments not drawn/);
  assert.ok(page.includes(`${records.length - 60} more segments not drawn`));
});

test('streams past --streams are counted, not drawn', async () => {
  const records = Array.from({ length: 15 }, (_, i) => connection(41000 + i, 1, i * 0.05)).flat();
  const r = await captureReport(chunked(buildPcap(records), []), { streams: 4 });
  assert.equal(r.tcpStreams, 15);
  assert.deepEqual(r.streams.map((s) => s.stream), [0, 1, 2, 3]);
  assert.equal(r.streams[3]!.client, '10.0.0.1:41003');
});

test('what the capture says reaches the page escaped: payload, and nothing of it as markup', async () => {
  const hostile = 'GET /<script>alert("x")</script>&<img src=x onerror=y> HTTP/1.1\r\n\r\n';
  const r = await captureReport(chunked(buildPcap(connection(42000, 1, 0, hostile)), []));
  const page = renderReportPage(r);
  assert.ok(!page.includes('<script>alert'), 'no script element from the capture');
  assert.ok(!page.includes('<img'), 'no image element from the capture');
  assert.ok(page.includes('GET /&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&lt;img'), 'shown as text');
  assert.equal((page.match(/<script/g) ?? []).length, 0);
  assert.ok(r.hierarchy.children[0]!.children[0]!.children[0]!.children.some((n) => n.name === 'http'), 'the request counts as http');
});
