import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP_APP, HTTP_LIMITS, HttpStream } from '../../../../src/pcap/layers/http.js';
import type { StreamSide } from '../../../../src/pcap/layers/app-protocol.js';
import type { ProtoLayer } from '../../../../src/pcap/layers/tree.js';
import { has, layerKey, treeText, values } from '../../../helpers/proto-tree.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const BOUND = 2 * (HTTP_LIMITS.maxHeadBytes + HTTP_LIMITS.maxChunkLineBytes + HTTP_LIMITS.maxBodyKeptBytes);

/** Pushes each [side, chunk] in order; returns every layer with the index of the push that gave it. */
function run(pushes: [StreamSide, Uint8Array][], ends: StreamSide[] = []): { layers: ProtoLayer[]; at: number[]; s: HttpStream } {
  const s = new HttpStream();
  const layers: ProtoLayer[] = [];
  const at: number[] = [];
  pushes.forEach(([side, data], i) => {
    for (const l of s.push(side, data)) {
      layers.push(l);
      at.push(i);
    }
    assert.ok(s.bufferedBytes <= BOUND, `holds ${s.bufferedBytes} bytes`);
  });
  for (const side of ends) for (const l of s.end(side)) layers.push(l), at.push(pushes.length);
  return { layers, at, s };
}

test('a request: method, URI, version, Host and User-Agent as fields, Info and -V lines as tshark prints them', () => {
  const { layers } = run([[0, b('GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: netlab-test/1\r\nAccept: */*\r\n\r\n')]]);
  assert.equal(layers.length, 1);
  const l = layers[0]!;
  assert.equal(l.name, 'http');
  assert.equal(l.protocol, 'HTTP');
  assert.equal(l.title, 'Hypertext Transfer Protocol');
  assert.equal(l.info, 'GET /a/b?x=1&y=2 HTTP/1.1 ');
  assert.equal(l.malformed, undefined);
  assert.deepEqual(values(l, 'http.request'), [1]);
  assert.equal(has(l, 'http.response'), false);
  assert.deepEqual(values(l, 'http.request.method'), ['GET']);
  assert.deepEqual(values(l, 'http.request.uri'), ['/a/b?x=1&y=2']);
  assert.deepEqual(values(l, 'http.request.version'), ['HTTP/1.1']);
  assert.deepEqual(values(l, 'http.host'), ['example.com']);
  assert.deepEqual(values(l, 'http.user_agent'), ['netlab-test/1']);
  assert.deepEqual(values(l, 'http.request.uri.query.parameter'), ['x=1', 'y=2']);
  assert.deepEqual(values(l, 'http.request.full_uri'), ['http://example.com/a/b?x=1&y=2']);
  const tree = treeText(l);
  assert.equal(tree[1], '    GET /a/b?x=1&y=2 HTTP/1.1\\r\\n');
  assert.ok(tree.includes('        Request Method: GET'));
  assert.ok(tree.includes('    Host: example.com\\r\\n'));
  assert.ok(tree.includes('    \\r\\n'));
  assert.ok(tree.includes('    [Full request URI: http://example.com/a/b?x=1&y=2]'));
});

test('a response is reported by the push that completes its body (Content-Length); meanwhile it is pending', () => {
  const s = new HttpStream();
  assert.deepEqual(s.push(1, b('HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 10\r\n\r\n<html>')), []);
  assert.equal(s.pending(1), true);
  assert.equal(s.partialInfo(1), 'HTTP/1.1 200 OK ');
  const [l] = s.push(1, b('</a>'));
  assert.equal(s.pending(1), false);
  assert.equal(s.partialInfo(1), '');
  assert.ok(l !== undefined);
  assert.equal(l.info, 'HTTP/1.1 200 OK  (text/html)');
  assert.deepEqual(values(l, 'http.response'), [1]);
  assert.deepEqual(values(l, 'http.response.code'), [200]);
  assert.deepEqual(values(l, 'http.response.phrase'), ['OK']);
  assert.deepEqual(values(l, 'http.response.version'), ['HTTP/1.1']);
  assert.deepEqual(values(l, 'http.content_length'), [10]);
  assert.deepEqual(values(l, 'http.content_type'), ['text/html; charset=utf-8']);
  assert.deepEqual(values(l, 'http.file_data'), ['<html></a>']);
  assert.ok(treeText(l).includes('        [Content length: 10]'));
  assert.ok(treeText(l).includes('    File Data: 10 bytes'));
});

test('XML and JSON bodies: the Protocol and Info tshark shows for them', () => {
  const xml = run([[1, b('HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 4\r\n\r\n<a/>')]]).layers[0]!;
  assert.equal(xml.protocol, 'HTTP/XML');
  assert.equal(xml.info, 'HTTP/1.1 200 OK ');
  const json = run([[1, b('HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"a":1}')]], [1]).layers[0]!;
  assert.equal(json.protocol, 'HTTP/JSON');
  assert.equal(json.info, 'HTTP/1.0 200 OK , JavaScript Object Notation (application/json)');
});

test('a response to HEAD has no body even with a Content-Length; the next response is read from the next byte', () => {
  const { layers, at } = run([
    [0, b('HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n')],
    [1, b('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n')],
    [1, b('HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno')],
  ]);
  assert.deepEqual(layers.map((l) => l.info), ['HEAD / HTTP/1.1 ', 'GET /2 HTTP/1.1 ', 'HTTP/1.1 200 OK ', 'HTTP/1.1 404 Not Found ']);
  assert.deepEqual(at, [0, 0, 1, 2]);
  assert.deepEqual(values(layers[3]!, 'http.response_for.uri'), ['http://h/2']);
});

test('1xx, 204 and 304 responses have no body; 100 Continue then the final response in one push are two layers', () => {
  const { layers } = run([
    [0, b('POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\na=b')],
    [1, b('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n')],
    [0, b('GET / HTTP/1.1\r\n\r\n')],
    [1, b('HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n')],
  ]);
  assert.deepEqual(layers.map((l) => l.info), ['POST /p HTTP/1.1 ', 'HTTP/1.1 100 Continue ', 'HTTP/1.1 204 No Content ', 'GET / HTTP/1.1 ', 'HTTP/1.1 304 Not Modified ']);
  assert.deepEqual(values(layers[1]!, 'http.response.code'), [100]);
});

const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: yes\r\n\r\n';

test('chunked transfer coding: the body is the chunks, the trailer is read, the message ends after it', () => {
  const { layers, s } = run([[1, b(CHUNKED)]]);
  assert.equal(layers.length, 1);
  assert.equal(layers[0]!.info, 'HTTP/1.1 200 OK  (text/plain)');
  assert.deepEqual(values(layers[0]!, 'http.file_data'), ['hello, world!!!']);
  assert.equal(s.pending(1), false);
});

test('a bad chunk size is malformed and the direction goes on with the next message', () => {
  const { layers } = run([[1, b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nHTTP/1.1 204 No Content\r\n\r\n')]]);
  assert.equal(layers.length, 2);
  assert.match(layers[0]!.malformed ?? '', /chunk size/);
  assert.equal(layers[1]!.info, 'HTTP/1.1 204 No Content ');
});

test('a response without length ends at the close of its side', () => {
  const s = new HttpStream();
  assert.deepEqual(s.push(1, b('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome ')), []);
  assert.deepEqual(s.push(1, b('text')), []);
  assert.equal(s.pending(1), true);
  const [l] = s.end(1);
  assert.equal(l?.info, 'HTTP/1.0 200 OK  (text/plain)');
  assert.deepEqual(values(l!, 'http.file_data'), ['some text']);
  assert.deepEqual(s.end(1), []);
});

test('pipelined requests in one push give one layer each, in order', () => {
  const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: h\r\n\r\n`;
  const { layers } = run([[0, b(req('/1') + req('/2') + 'POST /3 HTTP/1.1\r\nContent-Length: 2\r\n\r\nok' + req('/4'))]]);
  assert.deepEqual(layers.map((l) => values(l, 'http.request.uri')[0]), ['/1', '/2', '/3', '/4']);
});

test('a line of 1 MB: malformed once, nothing grows past the caps, and the next message is read', () => {
  const s = new HttpStream();
  const out: ProtoLayer[] = [];
  out.push(...s.push(0, b('GET /')));
  const piece = new Uint8Array(64 * 1024).fill(0x61);
  for (let i = 0; i < 16; i++) {
    out.push(...s.push(0, piece));
    assert.ok(s.bufferedBytes <= BOUND, `holds ${s.bufferedBytes} bytes`);
  }
  assert.equal(out.length, 1);
  assert.match(out[0]!.malformed ?? '', new RegExp(`longer than ${HTTP_LIMITS.maxHeadBytes}`));
  out.push(...s.push(0, b(' HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\n\r\n')));
  assert.equal(out.length, 2);
  assert.equal(out[1]!.info, 'GET /next HTTP/1.1 ');
  assert.equal(out[1]!.malformed, undefined);
});

test('a head over 64 KiB made of many short headers is malformed too', () => {
  const many = Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('');
  const { layers } = run([[0, b(`GET / HTTP/1.1\r\n${many}\r\nGET /after HTTP/1.1\r\n\r\n`)]]);
  assert.equal(layers.length, 2);
  assert.equal(layers[0]!.info, 'GET / HTTP/1.1 ');
  assert.ok(layers[0]!.malformed !== undefined);
  assert.equal(layers[1]!.info, 'GET /after HTTP/1.1 ');
});

test('bytes that do not start a message are a continuation, not buffered', () => {
  const { layers, s } = run([[1, Uint8Array.from([0x16, 3, 1, 0, 5, 1, 2, 3, 4, 5])]]);
  assert.equal(layers.length, 1);
  assert.equal(layers[0]!.info, 'Continuation');
  assert.equal(s.pending(1), false);
});

test('line ends left after a message in the same push are a continuation (as tshark); before a message they are skipped', () => {
  const { layers } = run([
    [0, b('GET /1 HTTP/1.1\r\n\r\n\r\n')],
    [0, b('\r\nGET /2 HTTP/1.1\r\n\r\n')],
  ]);
  assert.deepEqual(layers.map((l) => l.info), ['GET /1 HTTP/1.1 ', 'Continuation', 'GET /2 HTTP/1.1 ']);
  assert.deepEqual(values(layers[1]!, 'data.len'), [2]);
});

test('after 101 Switching Protocols the connection is no longer read as HTTP', () => {
  const { layers } = run([
    [0, b('GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')],
    [1, b('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello')],
    [0, b('\x81\x85abcdefghi')],
  ]);
  assert.deepEqual(layers.map((l) => l.info), ['GET /chat HTTP/1.1 ', 'HTTP/1.1 101 Switching Protocols ']);
});

/** A conversation with pipelining, HEAD, chunked and Content-Length bodies on both sides. */
const CONVERSATION: [StreamSide, string][] = [
  [0, 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\n'],
  [1, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'],
  [0, 'POST /3 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody'],
  [1, CHUNKED],
];

function conversationLayers(split: (side: StreamSide, bytes: Buffer) => Buffer[]): string[] {
  const pushes: [StreamSide, Uint8Array][] = [];
  for (const [side, text] of CONVERSATION) for (const piece of split(side, b(text))) pushes.push([side, piece]);
  return run(pushes).layers.map(layerKey);
}

test('every chunk boundary, and byte by byte: the same layers come out', () => {
  const want = conversationLayers((_s, bytes) => [bytes]);
  assert.equal(want.length, 6);
  for (let k = 0; k < CONVERSATION.length; k++) {
    const len = b(CONVERSATION[k]![1]).length;
    for (let cut = 1; cut < len; cut++) {
      let n = 0;
      const got = conversationLayers((_s, bytes) => (n++ === k ? [bytes.subarray(0, cut), bytes.subarray(cut)] : [bytes]));
      assert.deepEqual(got, want, `segment ${k} split at ${cut}`);
    }
  }
  assert.deepEqual(conversationLayers((_s, bytes) => [...bytes].map((x) => Buffer.of(x))), want);
});

test('detection: a known method and a space, or "HTTP/1.", on any port, over TCP only', () => {
  const tcp = { transport: 'tcp' as const, srcPort: 40000, dstPort: 5000 };
  for (const m of ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']) assert.equal(HTTP_APP.detect(b(`${m} / HTTP/1.1\r\n`), tcp), true, m);
  assert.equal(HTTP_APP.detect(b('HTTP/1.1 200 OK\r\n'), tcp), true);
  assert.equal(HTTP_APP.detect(b('GETX / HTTP/1.1'), tcp), false);
  assert.equal(HTTP_APP.detect(b('HTTP/2 200'), tcp), false);
  assert.equal(HTTP_APP.detect(Uint8Array.from([0x16, 3, 1, 0, 5]), tcp), false);
  assert.equal(HTTP_APP.detect(b('GE'), tcp), false, 'too short to tell');
  assert.equal(HTTP_APP.detect(b('GET / HTTP/1.1\r\n'), { ...tcp, transport: 'udp' }), false);
});
