/**
 * The application dissectors (DNS, HTTP) fed from netlab's reader and TCP
 * reassembly, against tshark on the same captures: the frame each message
 * is reported on, the Protocol and Info columns, the `-T fields` values, and
 * which frames tshark marks "[TCP segment of a reassembled PDU]".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCapture } from '../../../src/pcap/read/source.js';
import { dissect, Dissection } from '../../../src/pcap/layers/dissect.js';
import { L4 } from '../../../src/pcap/layers/dissection.js';
import { AppLayers, infoColumn, protocolColumn } from '../../../src/pcap/layers/app-layers.js';
import { formatIpv4, formatIpv6 } from '../../../src/pcap/layers/address.js';
import type { FieldValue, ProtoLayer } from '../../../src/pcap/layers/tree.js';
import { FIXTURES, buildPcap, tool, udpFrame } from '../../helpers/pcap.js';
import { tcpConversation, type Segment } from '../../helpers/tcp-conversation.js';
import { buildDns, withLength } from '../../helpers/dns-build.js';
import { treeText, values } from '../../helpers/proto-tree.js';
import { tempDir } from '../../helpers/temp.js';

/** Fields compared, with how tshark prints our value. */
const HEX4 = (v: FieldValue): string => `0x${(v as number).toString(16).padStart(4, '0')}`;
const FIELDS: [string, (v: FieldValue) => string][] = [
  ['dns.id', HEX4],
  ['dns.flags', HEX4],
  ['dns.flags.response', String],
  ['dns.flags.opcode', String],
  ['dns.flags.rcode', String],
  ['dns.count.queries', String],
  ['dns.count.answers', String],
  ['dns.count.auth_rr', String],
  ['dns.count.add_rr', String],
  ['dns.qry.name', String],
  ['dns.qry.type', String],
  ['dns.qry.class', HEX4],
  ['dns.resp.name', String],
  ['dns.resp.type', String],
  ['dns.resp.class', HEX4],
  ['dns.resp.ttl', String],
  ['dns.a', (v) => formatIpv4(v as Uint8Array, 0)],
  ['dns.aaaa', (v) => formatIpv6(v as Uint8Array, 0)],
  ['dns.cname', String],
  ['dns.ns', String],
  ['dns.mx.mail_exchange', String],
  ['dns.ptr.domain_name', String],
  ['dns.txt', String],
  ['dns.soa.mname', String],
  ['dns.length', String],
  ['http.request', String],
  ['http.response', String],
  ['http.request.method', String],
  ['http.request.uri', String],
  ['http.request.version', String],
  ['http.request.full_uri', String],
  ['http.host', String],
  ['http.user_agent', String],
  ['http.response.code', String],
  ['http.response.phrase', String],
  ['http.response.version', String],
  ['http.content_length', String],
  ['http.content_type', String],
];

const SEGMENT = '[TCP segment of a reassembled PDU]';

interface Ours {
  /** Frame -> the layers it completed. */
  layers: Map<number, ProtoLayer[]>;
  /** Frames whose payload went into an incomplete message, with what tshark's Info says of that message ('' when it shows the TCP summary). */
  segments: Map<number, string>;
  /** Frames netlab's lower layers decoded to TCP or UDP. */
  transport: Set<number>;
}

async function ours(file: string): Promise<Ours> {
  const src = await openCapture(file);
  const d = new Dissection();
  const app = new AppLayers();
  const out: Ours = { layers: new Map(), segments: new Map(), transport: new Set() };
  const add = (events: ReturnType<AppLayers['packet']>): void => {
    for (const e of events) out.layers.set(e.packet, [...(out.layers.get(e.packet) ?? []), e.layer]);
  };
  let last = 0;
  await src.forEach((p) => {
    dissect(d, p);
    last = p.index;
    if (d.l4 === L4.TCP || d.l4 === L4.UDP) out.transport.add(p.index);
    add(app.packet(d, p.index));
    if (app.segmentOfPdu) out.segments.set(p.index, app.partialInfo);
    else assert.equal(app.partialInfo, '', 'partial Info only with a pending message');
  });
  add(app.finish(last));
  return out;
}

interface TsharkRow {
  protocol: string;
  info: string;
  fields: Map<string, string>;
}

function tshark(file: string): Map<number, TsharkRow> {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'frame.number', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info'];
  for (const [f] of FIELDS) args.push('-e', f);
  const rows = new Map<number, TsharkRow>();
  for (const line of tool('tshark', args).split('\n')) {
    if (line === '') continue;
    const cols = line.split('\t');
    const fields = new Map<string, string>();
    FIELDS.forEach(([f], i) => fields.set(f, cols[3 + i] ?? ''));
    rows.set(Number(cols[0]), { protocol: cols[1] ?? '', info: cols[2] ?? '', fields });
  }
  return rows;
}

/** The DNS/HTTP sections of `tshark -V`, per frame: each section's lines, the title first. */
function tsharkSections(file: string): Map<number, string[][]> {
  const out = new Map<number, string[][]>();
  let frame = 0;
  let section: string[] | null = null;
  for (const line of tool('tshark', ['-r', file, '-V']).split('\n')) {
    const m = /^Frame (\d+):/.exec(line);
    if (m !== null) frame = Number(m[1]);
    // The bytes of a data item come as a hex dump between blank lines; they are not a new section.
    if (line !== '' && !line.startsWith(' ') && !/^[0-9a-f]{4}  /.test(line)) {
      section = /^(Hypertext Transfer Protocol|Domain Name System|Multicast Domain Name System)/.test(line) ? [] : null;
      if (section !== null) out.set(frame, [...(out.get(frame) ?? []), section]);
    }
    section?.push(line);
  }
  return out;
}

/** Whether `lines` appear in `within` in the same order (tshark prints more: request/response links, XML, chunk trees). */
function missingLine(lines: string[], within: string[]): string | undefined {
  let at = 0;
  for (const line of lines) {
    while (at < within.length && within[at] !== line) at++;
    if (at === within.length) return line;
    at++;
  }
  return undefined;
}

/** Compares one capture; returns how many frames carried a DNS/HTTP message. */
async function compare(file: string): Promise<number> {
  const mine = await ours(file);
  const ref = tshark(file);
  const sections = tsharkSections(file);
  let messages = 0;
  for (const [frame, row] of ref) {
    if (!mine.transport.has(frame)) continue; // below the application layer netlab does not decode this frame's link yet
    const layers = mine.layers.get(frame) ?? [];
    const isApp = /^(DNS|MDNS|HTTP)/.test(row.protocol);
    assert.equal(layers.length > 0, isApp, `${file} frame ${frame}: tshark shows ${row.protocol} "${row.info}", netlab ${layers.map((l) => l.info).join(' | ') || 'no message'}`);
    if (isApp) {
      messages++;
      assert.equal(protocolColumn(layers), row.protocol, `${file} frame ${frame}: Protocol`);
      assert.equal(infoColumn(layers, mine.segments.get(frame) ?? ''), row.info, `${file} frame ${frame}: Info`);
      for (const [name, print] of FIELDS) {
        const got = layers.flatMap((l) => values(l, name)).map(print).join(',');
        assert.equal(got, row.fields.get(name), `${file} frame ${frame}: ${name}`);
      }
      const theirs = sections.get(frame) ?? [];
      assert.equal(theirs.length, layers.length, `${file} frame ${frame}: sections in -V`);
      layers.forEach((l, i) => {
        const missing = missingLine(treeText(l), theirs[i]!);
        assert.equal(missing, undefined, `${file} frame ${frame}: -V line "${missing}" is not in tshark's, in this order:\n${theirs[i]!.join('\n')}`);
      });
    } else {
      const segment = row.info.endsWith(SEGMENT);
      assert.equal(mine.segments.has(frame), segment, `${file} frame ${frame}: "${row.info}" is ${segment ? '' : 'not '}a segment of a PDU`);
      const partial = mine.segments.get(frame) ?? '';
      if (partial !== '') assert.equal(`${partial} ${SEGMENT}`, row.info, `${file} frame ${frame}: Info of the segment`);
      // Otherwise tshark shows the TCP summary: "40000 → 80 [PSH, ACK] Seq=...".
      else if (segment) assert.match(row.info, /^\d+ → \d+ \[/, `${file} frame ${frame}: Info of the segment`);
    }
  }
  return messages;
}

const FILES = [
  'tcpdump-dns_udp.pcap',
  'tcpdump-dns_tcp.pcap',
  'tcpdump-ppp_ip_udp_dns.pcap',
  'tcpdump-nflog.pcap',
  'tcpdump-LINKTYPE_IPV6.pcap',
  'tcpdump-LINKTYPE_RAW_ipv6.pcap',
  'tcpdump-ipv4_tcp_http_xml.pcap',
  'tcpdump-ipv4_tcp_http_xml_tso.pcap',
];

for (const name of FILES) {
  test(`${name}: DNS/HTTP messages on tshark's frames, with its Protocol, Info and field values`, async () => {
    const file = join(FIXTURES, name);
    const messages = await compare(file);
    const decoded = (await ours(file)).transport.size;
    if (decoded > 0) assert.ok(messages > 0, 'some message was compared');
  });
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const HTTP_CASES: Record<string, Segment[]> = {
  'body split over two segments': [
    { side: 0, data: 'GET /a?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10\r\n\r\n<html>' },
    { side: 1, data: '</a>' },
  ],
  'body over three segments': [
    { side: 0, data: 'GET /big HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789' },
    { side: 1, data: 'abcdefghij' },
    { side: 1, data: 'ABCDEFGHIJ' },
  ],
  'a segment that ends one response and starts the next': [
    { side: 0, data: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Le' },
    { side: 1, data: 'ngth: 3\r\nContent-Type: text/plain\r\n\r\nyes' },
  ],
  'an empty line between requests': [
    { side: 0, data: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n\r\n' },
    { side: 0, data: 'GET /2 HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
  ],
  'heads split over segments, pipelined': [
    { side: 0, data: 'GET / HT' },
    { side: 0, data: 'TP/1.1\r\nHost: h\r' },
    { side: 0, data: '\n\r\n' },
    { side: 0, data: 'GET /x HTTP/1.1\r\nHo' },
    { side: 0, data: 'st: h\r\n\r\nGET /y HTTP/1.1\r\n' },
    { side: 0, data: 'Host: h\r\n\r\nGET /z HTT' },
    { side: 0, data: 'P/1.1\r\n\r\n' },
  ],
  'chunked body over four segments': [
    { side: 0, data: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel' },
    { side: 1, data: 'lo\r\n3\r\nabc' },
    { side: 1, data: '\r\n0\r\n' },
    { side: 1, data: '\r\n' },
  ],
  'bodies of known length and up to the close, over three segments': [
    { side: 0, data: 'POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\n' },
    { side: 0, data: 'ab' },
    { side: 0, data: 'cd' },
    { side: 0, data: 'ef' },
    { side: 0, data: 'GET / HTTP/1.0\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\n\r\nab' },
    { side: 1, data: 'cd' },
    { side: 1, data: 'ef' },
  ],
  'a server that does not answer in HTTP': [
    { side: 0, data: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: Uint8Array.from([0x16, 3, 1, 0, 4, 1, 2, 3, 4]) },
  ],
  'head split over three segments': [
    { side: 0, data: 'GET / HT' },
    { side: 0, data: 'TP/1.1\r\nHost: h\r' },
    { side: 0, data: '\n\r\n' },
    { side: 1, data: 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n' },
  ],
  'HEAD and 304': [
    { side: 0, data: 'HEAD / HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n' },
    { side: 0, data: 'GET /2 HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 304 Not Modified\r\n\r\n' },
  ],
  chunked: [
    { side: 0, data: 'GET / HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n' },
    { side: 1, data: '6\r\n world\r\n0\r\n\r\n' },
  ],
  pipelined: [
    { side: 0, data: 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n' },
    { side: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n' },
  ],
  'body ended by the close': [
    { side: 0, data: 'GET / HTTP/1.0\r\n\r\n' },
    { side: 1, data: 'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"a":1}' },
  ],
  'POST, 100 Continue and 204': [
    { side: 0, data: 'POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\n' },
    { side: 0, data: 'a=b' },
    { side: 1, data: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n' },
  ],
};

for (const [name, segments] of Object.entries(HTTP_CASES)) {
  test(`HTTP, ${name}: the same frames, columns and fields as tshark`, async (t) => {
    const file = join(tempDir(t), 'http.pcap');
    writeFileSync(file, tcpConversation(segments).pcap);
    assert.ok((await compare(file)) >= 2);
  });
}

test('DNS over TCP: two messages in one segment, one over three segments, as tshark reports them', async (t) => {
  const q1 = withLength(buildDns({ id: 1, flags: 0x0100, questions: [{ name: 'a.example', type: 1 }] }));
  const q2 = withLength(buildDns({ id: 2, flags: 0x0100, questions: [{ name: 'b.example', type: 28 }] }));
  const r1 = withLength(buildDns({ id: 1, flags: 0x8180, questions: [{ name: 'a.example', type: 1 }], answers: [{ name: 'a.example', type: 1, data: Uint8Array.from([1, 2, 3, 4]) }] }));
  const file = join(tempDir(t), 'dns-tcp.pcap');
  const segments: Segment[] = [
    { side: 0, data: Buffer.concat([q1, q2]) },
    { side: 1, data: r1.subarray(0, 1) },
    { side: 1, data: r1.subarray(1, 20) },
    { side: 1, data: r1.subarray(20) },
  ];
  writeFileSync(file, tcpConversation(segments, { sport: 53 }).pcap);
  assert.equal(await compare(file), 2);
});

test('DNS over UDP: record types, an error code, an update, and Multicast DNS, as tshark reads them', async (t) => {
  const name = (n: string) => ({ name: n });
  const messages = [
    buildDns({ id: 0xabcd, flags: 0x8180, questions: [{ name: 'www.example.com', type: 255 }], answers: [
      { name: 'www.example.com', type: 5, data: name('example.com'), ttl: 12182 },
      { name: 'example.com', type: 12, data: name('ptr.example.com') },
      { name: 'example.com', type: 15, data: { pref: 10, name: 'mx.example.com' } },
      { name: 'example.com', type: 16, data: Uint8Array.from([5, ...b('hello'), 2, ...b('hi')]) },
      { name: 'example.com', type: 6, data: Uint8Array.from([2, ...b('ns'), 0, 1, ...b('h'), 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]) },
      { name: 'example.com', type: 99, data: Uint8Array.from([3, ...b('v=1')]) },
    ], authority: [{ name: 'example.com', type: 2, data: name('ns1.example.com'), ttl: 86400 }],
    additional: [{ name: 'ns1.example.com', type: 28, data: Uint8Array.from([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) }] }),
    buildDns({ id: 2, flags: 0x8183, questions: [{ name: 'nope.example', type: 1 }] }),
    buildDns({ id: 3, flags: 0x2800, questions: [{ name: 'example.com', type: 6 }] }),
    buildDns({ id: 4, flags: 0x0110, questions: [{ name: 'x\x01y.example', type: 1, cls: 3 }] }),
  ];
  const frames = messages.map((m, i) => udpFrame('10.0.0.1', '10.0.0.2', i % 2 === 0 ? 53 : 40000 + i, i % 2 === 0 ? 40000 + i : 53, m));
  frames.push(udpFrame('10.0.0.1', '224.0.0.251', 5353, 5353, buildDns({ id: 0, flags: 0, questions: [{ name: '_http._tcp.local', type: 12, cls: 0x8001 }, { name: 'b.local', type: 1 }] })));
  frames.push(udpFrame('10.0.0.1', '224.0.0.251', 5353, 5353, buildDns({ id: 0, flags: 0x8400, answers: [{ name: 'b.local', type: 1, cls: 0x8001, data: Uint8Array.from([10, 0, 0, 1]) }] })));
  const file = join(tempDir(t), 'dns-udp.pcap');
  writeFileSync(file, buildPcap(frames.map((data, i) => ({ sec: 1, frac: i, data }))));
  assert.equal(await compare(file), frames.length);
});
