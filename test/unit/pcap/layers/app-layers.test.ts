import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppLayers, infoColumn } from '../../../../src/pcap/layers/app-layers.js';
import { APP_PROTOCOLS, detectApp } from '../../../../src/pcap/layers/app-table.js';
import type { AppProtocol } from '../../../../src/pcap/layers/app-protocol.js';
import { Dissection, dissectFrame } from '../../../../src/pcap/layers/dissect.js';
import { HTTP_LIMITS, HttpStream } from '../../../../src/pcap/layers/http.js';
import { tcpFrame, udpFrame } from '../../../helpers/pcap.js';
import { buildDns } from '../../../helpers/dns-build.js';
import { values } from '../../../helpers/proto-tree.js';

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const RST = 0x04;

/** Feeds frames (Ethernet) to AppLayers; returns "frame: info" for each message. */
function run(frames: Buffer[]): string[] {
  const app = new AppLayers();
  const d = new Dissection();
  const out: string[] = [];
  frames.forEach((f, i) => {
    dissectFrame(d, f, 0, f.length, 1);
    const events = app.packet(d, i + 1);
    if (events.length > 0) out.push(`${i + 1}: ${infoColumn(events.map((e) => e.layer))}`);
  });
  for (const e of app.finish(frames.length)) out.push(`end ${e.packet}: ${e.layer.info}`);
  return out;
}

const C = '10.0.0.1';
const S = '10.0.0.2';

test('HTTP on any port, and a body without length ended by the RST of its side', () => {
  const req = Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  const res = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npartial');
  const out = run([
    tcpFrame(C, S, 40000, 5000, 100, 0, SYN),
    tcpFrame(S, C, 5000, 40000, 900, 101, SYN | ACK),
    tcpFrame(C, S, 40000, 5000, 101, 901, PSH | ACK, req),
    tcpFrame(S, C, 5000, 40000, 901, 101 + req.length, PSH | ACK, res),
    tcpFrame(S, C, 5000, 40000, 901 + res.length, 101 + req.length, RST | ACK),
  ]);
  assert.deepEqual(out, ['3: GET / HTTP/1.1 ', '5: HTTP/1.1 200 OK  (text/plain)']);
});

test('a first segment too short to tell ("GE") waits for the next one, and the message is read from its first byte', () => {
  const out = run([
    tcpFrame(C, S, 40000, 8081, 100, 0, SYN),
    tcpFrame(S, C, 8081, 40000, 900, 101, SYN | ACK),
    tcpFrame(C, S, 40000, 8081, 101, 901, PSH | ACK, Buffer.from('GE')),
    tcpFrame(C, S, 40000, 8081, 103, 901, PSH | ACK, Buffer.from('T /x HTTP/1.1\r\n\r\n')),
  ]);
  assert.deepEqual(out, ['4: GET /x HTTP/1.1 ']);
});

test('DNS over UDP on another port, found by its content; a datagram of text is not DNS', () => {
  const q = buildDns({ id: 0x1a2b, flags: 0x0100, questions: [{ name: 'example.com', type: 1 }] });
  const out = run([udpFrame(C, S, 40000, 9999, q), udpFrame(C, S, 40001, 9998, Buffer.from('hello there, this is not DNS'))]);
  assert.deepEqual(out, ['1: Standard query 0x1a2b A example.com']);
});

test('detectApp asks the rows in order and only those that handle the transport', () => {
  const asked: string[] = [];
  const row = (name: string, yes: boolean, udp: boolean): AppProtocol => ({
    name,
    detect: () => (asked.push(name), yes),
    ...(udp ? { datagram: () => ({ name, title: name, protocol: name, info: '', fields: [] }) } : { stream: () => new HttpStream() }),
  });
  const table = [row('tcp-only', true, false), row('first', false, true), row('second', true, true), row('third', true, true)];
  assert.equal(detectApp(Uint8Array.of(1), { transport: 'udp', srcPort: 1, dstPort: 2 }, table)?.name, 'second');
  assert.deepEqual(asked, ['first', 'second']);
  assert.equal(detectApp(new Uint8Array(0), { transport: 'udp', srcPort: 1, dstPort: 2 }, table), undefined);
  // TLS first: a record header is the most specific test; DNS last: its content test is the loosest.
  assert.deepEqual(APP_PROTOCOLS.map((r) => r.name), ['tls', 'http', 'dns']);
});

test('a body longer than the kept cap: the whole length is shown, the first 64 KiB kept', () => {
  const s = new HttpStream();
  const n = HTTP_LIMITS.maxBodyKeptBytes + 5000;
  assert.deepEqual(s.push(1, Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\n\r\n`)), []);
  const piece = Buffer.alloc(1460, 0x62);
  const layers = [];
  for (let sent = 0; sent < n; sent += piece.length) layers.push(...s.push(1, piece.subarray(0, Math.min(piece.length, n - sent))));
  assert.equal(layers.length, 1);
  const data = values(layers[0]!, 'http.file_data');
  assert.equal((data[0] as string).length, HTTP_LIMITS.maxBodyKeptBytes);
  assert.deepEqual(values(layers[0]!, 'http.content_length'), [n]);
  assert.ok(layers[0]!.fields.some((f) => f.label === `File Data: ${n} bytes`));
});
