/**
 * The TLS row of the packet view, from hand-built records and from the
 * RFC 8448 trace: each record is reported once, on the chunk that completes
 * it, whatever the chunking; Info, Protocol and fields read as tshark's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from '../../../fixtures/tls/rfc8448.js';
import { TLS_PROTOCOL, createTlsStreamDissector, detectTls, type TlsLayer } from '../../../../src/pcap/layers/tls.js';
import type { StreamSide } from '../../../../src/pcap/layers/app-protocol.js';
import type { ProtoField } from '../../../../src/pcap/layers/tree.js';
import { parseKeyLog } from '../../../../src/pcap/tls/keylog.js';
import { clientHelloBody, handshake, record, serverHelloBody } from '../../../helpers/tls-records.js';

const CONTEXT = { transport: 'tcp' as const, srcPort: 40000, dstPort: 8443 };
const SEGMENT = '[TCP segment of a reassembled PDU]';

/** Every value of field `name` in the layer, depth first. */
function values(layer: TlsLayer, name: string): unknown[] {
  const out: unknown[] = [];
  const walk = (fields: ProtoField[]): void => {
    for (const f of fields) {
      if (f.name === name && f.value !== undefined) out.push(f.value);
      if (f.children) walk(f.children);
    }
  };
  walk(layer.fields);
  return out;
}

function labels(layer: TlsLayer): string[] {
  const out: string[] = [];
  const walk = (fields: ProtoField[], depth: number): void => {
    for (const f of fields) {
      out.push(`${'  '.repeat(depth)}${f.label}`);
      if (f.children) walk(f.children, depth + 1);
    }
  };
  walk(layer.fields, 0);
  return out;
}

const CLIENT_HELLO = record(22, handshake(1, clientHelloBody({ suites: [0x1301, 0x1302, 0x00ff], sni: 'example.com', versions: [0x0304, 0x0303] })), 0x0301);
const SERVER_HELLO_12 = record(22, handshake(2, serverHelloBody({ suite: 0xc02f })));
const SERVER_HELLO_13 = record(22, handshake(2, serverHelloBody({ suite: 0x1301, tls13: true })));
const CCS = record(20, Buffer.from([1]));
const APP = record(23, Buffer.alloc(40, 0x5a));

test('detect: a record header with type 20-23, version 3.0-3.4 and a sane length, on any port', () => {
  assert.equal(detectTls(CLIENT_HELLO), true);
  assert.equal(TLS_PROTOCOL.detect(APP, { transport: 'tcp', srcPort: 1, dstPort: 2 }), true);
  assert.equal(detectTls(Buffer.from('GET / HTTP/1.1\r\n')), false);
  assert.equal(detectTls(record(24, Buffer.alloc(3))), false, 'heartbeat does not open a connection');
  assert.equal(detectTls(record(22, Buffer.alloc(3), 0x0305)), false);
  assert.equal(detectTls(record(22, Buffer.alloc(0))), false, 'an empty first record');
  assert.equal(detectTls(Buffer.from([22, 3, 3, 0x50, 0x00])), false, 'a length past 2^14 + 2048');
  assert.equal(detectTls(Buffer.from([22, 3, 1])), false, 'too short to tell');
});

test('a Client Hello is reported once, on the chunk that completes it, at every split', () => {
  for (let cut = 1; cut < CLIENT_HELLO.length; cut++) {
    const d = createTlsStreamDissector(CONTEXT);
    const first = d.push(0, CLIENT_HELLO.subarray(0, cut));
    // As tshark: the segment that starts the record gets an empty TLS tree and TCP's reassembly note.
    assert.deepEqual(
      first.map((l) => [l.protocol, l.info, l.fields.length]),
      [['TCP', SEGMENT, 0]],
      `no record before it is whole (cut ${cut})`,
    );
    assert.equal(d.pending(0), true);
    const [layer, ...rest] = d.push(0, CLIENT_HELLO.subarray(cut));
    assert.equal(rest.length, 0);
    assert.ok(layer);
    assert.equal(layer.info, 'Client Hello');
    assert.equal(layer.protocol, 'TLSv1', 'before the Server Hello the record version names the protocol, as tshark');
    assert.equal(d.pending(0), false);
  }
});

test('Client Hello fields: every offered suite, the server name, the versions', () => {
  const [layer] = createTlsStreamDissector(CONTEXT).push(0, CLIENT_HELLO);
  assert.ok(layer);
  assert.equal(layer.title, 'Transport Layer Security');
  assert.deepEqual(values(layer, 'tls.record.content_type'), [22]);
  assert.deepEqual(values(layer, 'tls.record.version'), [0x0301]);
  assert.deepEqual(values(layer, 'tls.record.length'), [CLIENT_HELLO.length - 5]);
  assert.deepEqual(values(layer, 'tls.handshake.type'), [1]);
  assert.deepEqual(values(layer, 'tls.handshake.version'), [0x0303]);
  assert.deepEqual(values(layer, 'tls.handshake.ciphersuite'), [0x1301, 0x1302, 0x00ff]);
  assert.deepEqual(values(layer, 'tls.handshake.extensions_server_name'), ['example.com']);
  const tree = labels(layer);
  for (const want of [
    'TLSv1 Record Layer: Handshake Protocol: Client Hello',
    '  Content Type: Handshake (22)',
    '  Version: TLS 1.0 (0x0301)',
    `  Length: ${CLIENT_HELLO.length - 5}`,
    '  Handshake Protocol: Client Hello',
    '    Handshake Type: Client Hello (1)',
    '    Version: TLS 1.2 (0x0303)',
    '      Cipher Suite: TLS_AES_128_GCM_SHA256 (0x1301)',
    '      Cipher Suite: TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff)',
    '        Server Name: example.com',
    '      Supported Version: TLS 1.3 (0x0304)',
  ]) {
    assert.ok(tree.includes(want), `missing line ${JSON.stringify(want)} in\n${tree.join('\n')}`);
  }
});

test('several records in one segment: one layer, Info joined as tshark, the chosen suite only', () => {
  const d = createTlsStreamDissector(CONTEXT);
  d.push(0, CLIENT_HELLO);
  const [layer] = d.push(1, Buffer.concat([SERVER_HELLO_12, CCS, APP]));
  assert.ok(layer);
  assert.equal(layer.info, 'Server Hello, Change Cipher Spec, Application Data');
  assert.equal(layer.protocol, 'TLSv1.2');
  assert.deepEqual(values(layer, 'tls.record.content_type'), [22, 20, 23]);
  assert.deepEqual(values(layer, 'tls.handshake.ciphersuite'), [0xc02f]);
  assert.equal(values(layer, 'tls.app_data').length, 1);
  assert.deepEqual(layer.decrypted, [], 'no key log: nothing decrypted');
});

test('TLS 1.3: the version comes from the Server Hello supported_versions; its app records have an opaque type', () => {
  const d = createTlsStreamDissector(CONTEXT);
  d.push(0, CLIENT_HELLO);
  const [layer] = d.push(1, Buffer.concat([SERVER_HELLO_13, CCS, APP]));
  assert.ok(layer);
  assert.equal(layer.protocol, 'TLSv1.3');
  assert.equal(layer.info, 'Server Hello, Change Cipher Spec, Application Data');
  const tree = labels(layer);
  assert.ok(tree.includes('TLSv1.2 Record Layer: Handshake Protocol: Server Hello'), 'the Server Hello record itself is still named by its record version');
  assert.ok(tree.includes('TLSv1.3 Record Layer: Application Data Protocol: Application Data'));
  assert.ok(tree.includes('  Opaque Type: Application Data (23)'));
  assert.deepEqual(values(layer, 'tls.record.content_type'), [22, 20], 'tshark puts TLS 1.3 application records in tls.record.opaque_type');
  const [next] = d.push(0, Buffer.concat([CCS, APP]));
  assert.equal(next?.protocol, 'TLSv1.3', 'the client side of a 1.3 connection is 1.3 too');
  assert.equal(next?.info, 'Change Cipher Spec, Application Data');
});

test('alerts: in the clear with level and description, after ChangeCipherSpec "Encrypted Alert"', () => {
  const d = createTlsStreamDissector(CONTEXT);
  d.push(0, CLIENT_HELLO);
  const [plain] = d.push(1, record(21, Buffer.from([2, 40])));
  assert.equal(plain?.info, 'Alert (Level: Fatal, Description: Handshake Failure)');
  assert.deepEqual(values(plain!, 'tls.alert_message.level'), [2]);
  assert.deepEqual(values(plain!, 'tls.alert_message.desc'), [40]);

  const e = createTlsStreamDissector(CONTEXT);
  e.push(0, CLIENT_HELLO);
  e.push(1, Buffer.concat([SERVER_HELLO_12, CCS]));
  const [encrypted] = e.push(1, Buffer.concat([record(22, Buffer.alloc(40, 1)), record(21, Buffer.alloc(26, 2))]));
  assert.equal(encrypted?.info, 'Encrypted Handshake Message, Encrypted Alert');
  assert.deepEqual(values(encrypted!, 'tls.alert_message.level'), []);
});

test('malformed: a record length past 2^14 + 2048 marks the layer; that side stops, the other goes on', () => {
  const d = createTlsStreamDissector(CONTEXT);
  d.push(0, CLIENT_HELLO);
  const [bad] = d.push(1, Buffer.concat([SERVER_HELLO_12, Buffer.from([23, 3, 3, 0x50, 0x00]), Buffer.alloc(100)]));
  assert.ok(bad);
  assert.match(bad.malformed ?? '', /20480 bytes/);
  assert.equal(bad.info, 'Server Hello', 'the records before it are still reported');
  assert.deepEqual(d.push(1, APP), [], 'the side stopped: nothing is buffered for it any more');
  assert.equal(d.pending(1), false);
  assert.equal(d.push(0, APP)[0]?.info, 'Application Data', 'the client side still dissects');
  assert.equal(createTlsStreamDissector(CONTEXT).push(0, CLIENT_HELLO)[0]?.info, 'Client Hello', 'the next connection is unaffected');
});

test('malformed: a handshake length past its record', () => {
  const body = clientHelloBody({ suites: [0x1301] });
  const [layer] = createTlsStreamDissector(CONTEXT).push(0, record(22, handshake(1, body, body.length + 50)));
  assert.ok(layer);
  assert.match(layer.malformed ?? '', /more than its record holds/);
  assert.equal(layer.info, 'Client Hello');
});

test('a direction that does not start with a record header is not TLS: no layer', () => {
  const d = createTlsStreamDissector(CONTEXT);
  assert.deepEqual(d.push(1, Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), []);
});

/**
 * The RFC 8448 §3 connection, each direction cut at `cut` (clamped),
 * interleaved as on the wire; the pushes that gave layers (Info is the
 * frame's, the same on each layer of a push).
 */
function rfc8448(cut: number, keys: boolean): { side: StreamSide; layers: TlsLayer[] }[] {
  const d = createTlsStreamDissector(CONTEXT, keys ? { keyLog: parseKeyLog(v.KEY_LOG) } : {});
  const steps: [StreamSide, Buffer][] = [
    [0, v.CLIENT_HELLO_RECORD],
    [1, Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD])],
    [0, Buffer.concat([v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD])],
  ];
  const out: { side: StreamSide; layers: TlsLayer[] }[] = [];
  for (const [side, bytes] of steps) {
    const at = Math.min(cut, bytes.length);
    for (const part of [bytes.subarray(0, at), bytes.subarray(at)]) {
      const layers = d.push(side, part).filter((l) => l.info !== SEGMENT);
      if (layers.length > 0) out.push({ side, layers });
    }
  }
  return out;
}

test('RFC 8448 without keys, at every chunk boundary: tshark words for an undecrypted 1.3 handshake', () => {
  const longest = v.SERVER_HELLO_RECORD.length + v.SERVER_FLIGHT_RECORD.length;
  for (let cut = 0; cut <= longest; cut++) {
    const infos = rfc8448(cut, false).map((r) => r.layers[0]!.info);
    assert.deepEqual(infos.join(' | ').split(/, | \| /), ['Client Hello', 'Server Hello', 'Application Data', 'Application Data', 'Application Data'], `cut ${cut}`);
  }
});

test('RFC 8448 with the key log, at every chunk boundary: the decrypted handshake and the application data', () => {
  const longest = v.SERVER_HELLO_RECORD.length + v.SERVER_FLIGHT_RECORD.length;
  for (let cut = 0; cut <= longest; cut++) {
    const reports = rfc8448(cut, true);
    const infos = reports.map((r) => r.layers[0]!.info).join(', ');
    assert.equal(infos, 'Client Hello, Server Hello, Encrypted Extensions, Certificate, Certificate Verify, Finished, Finished, Application Data', `cut ${cut}`);
    const decrypted = reports.flatMap((r) => r.layers.flatMap((l) => l.decrypted));
    assert.deepEqual(
      decrypted.map((x) => [x.side, x.contentType]),
      [
        [1, 22],
        [0, 22],
        [0, 23],
      ],
    );
    const app = decrypted[2]!;
    assert.deepEqual(app.data, v.APP_DATA);
    assert.equal(app.offset, v.CLIENT_HELLO_RECORD.length + v.CLIENT_FINISHED_RECORD.length, 'the offset of its record header in the client stream');
    const server = reports.filter((r) => r.side === 1).flatMap((r) => r.layers);
    assert.deepEqual(server.flatMap((l) => values(l, 'tls.handshake.type')), [2, 8, 11, 15, 20]);
    const flight = server.find((l) => l.decrypted.length > 0)!;
    assert.ok(labels(flight).includes('TLSv1.3 Record Layer: Handshake Protocol: Multiple Handshake Messages'));
    assert.ok(labels(flight).includes('  [Content Type: Handshake (22)]'));
  }
});

test('one byte at a time gives the same records as whole segments', () => {
  const d = createTlsStreamDissector(CONTEXT, { keyLog: parseKeyLog(v.KEY_LOG) });
  const infos: string[] = [];
  const feed = (side: StreamSide, bytes: Buffer): void => {
    for (let i = 0; i < bytes.length; i++) {
      const layers = d.push(side, bytes.subarray(i, i + 1));
      if (layers.length > 0) infos.push(layers[0]!.info);
    }
  };
  feed(0, v.CLIENT_HELLO_RECORD);
  feed(1, Buffer.concat([v.SERVER_HELLO_RECORD, v.SERVER_FLIGHT_RECORD]));
  feed(0, Buffer.concat([v.CLIENT_FINISHED_RECORD, v.CLIENT_APP_RECORD]));
  // Each record's first byte starts a record it does not finish.
  assert.deepEqual(infos, [
    SEGMENT,
    'Client Hello',
    SEGMENT,
    'Server Hello',
    SEGMENT,
    'Encrypted Extensions, Certificate, Certificate Verify, Finished',
    SEGMENT,
    'Finished',
    SEGMENT,
    'Application Data',
  ]);
});

test('a segment that finishes a record begun earlier and goes on gives two sections, as tshark -V', () => {
  const d = createTlsStreamDissector(CONTEXT);
  d.push(0, CLIENT_HELLO);
  const flight = Buffer.concat([SERVER_HELLO_12, CCS, APP]);
  const cut = 20;
  d.push(1, flight.subarray(0, cut));
  const layers = d.push(1, flight.subarray(cut));
  assert.deepEqual(
    layers.map((l) => l.fields.map((f) => f.label)),
    [['TLSv1.2 Record Layer: Handshake Protocol: Server Hello'], ['TLSv1.2 Record Layer: Change Cipher Spec Protocol: Change Cipher Spec', 'TLSv1.2 Record Layer: Application Data Protocol: Application Data']],
  );
  assert.deepEqual(
    layers.map((l) => [l.protocol, l.info]),
    [
      ['TLSv1.2', 'Server Hello, Change Cipher Spec, Application Data'],
      ['TLSv1.2', 'Server Hello, Change Cipher Spec, Application Data'],
    ],
  );
  // Finishing a record and beginning the next: the second section is empty.
  const e = createTlsStreamDissector(CONTEXT);
  const two = Buffer.concat([CLIENT_HELLO, APP]);
  e.push(0, two.subarray(0, 10));
  const [whole, begun, ...none] = e.push(0, two.subarray(10, CLIENT_HELLO.length + 3));
  assert.equal(none.length, 0);
  assert.equal(whole?.fields.length, 1);
  assert.equal(begun?.fields.length, 0);
  assert.equal(begun?.info, 'Client Hello');
});
