/**
 * HTTP/1.x over TCP (RFC 9112), sans-IO: each direction's bytes in order,
 * each message reported (as a ProtoLayer) by the push that completes it,
 * head and body, as tshark reassembles HTTP by default. The body is framed
 * as RFC 9112 section 6.3 says: no body for a response to HEAD or with
 * status 1xx/204/304, else chunked transfer coding, else Content-Length,
 * else (responses only) up to the close.
 *
 * Every buffer is bounded (HTTP_LIMITS): a head longer than maxHeadBytes is
 * reported malformed and skipped up to its empty line without being kept.
 */
import type { AppContext, AppProtocol, StreamDissector, StreamSide } from './app-protocol.js';
import { parseHead, startLineKind, type HttpHead } from './http-head.js';
import { formatText, latin1 } from './text.js';
import type { ProtoField, ProtoLayer } from './tree.js';

/** Bounds of the HTTP dissector, per direction of a connection. */
export const HTTP_LIMITS = Object.freeze({
  /** A message head (start line, header lines, empty line); longer is malformed and skipped. */
  maxHeadBytes: 64 * 1024,
  /** A chunk-size line (RFC 9112 section 7.1) or one trailer line. */
  maxChunkLineBytes: 4096,
  /** Body bytes kept for http.file_data; the rest is counted, not kept. */
  maxBodyKeptBytes: 64 * 1024,
  /** Requests waiting for their responses (pipelining); past it the oldest is forgotten. */
  maxPipelined: 256,
});

const TITLE = 'Hypertext Transfer Protocol';

// Per-direction states.
const START = 0;
const HEAD = 1;
const SKIP_HEAD = 2;
const BODY = 3;
const CHUNK_SIZE = 4;
const CHUNK_DATA = 5;
const CHUNK_END = 6;
const TRAILER = 7;
const UNTIL_CLOSE = 8;
const OPAQUE = 9;

/** What a response needs from its request (RFC 9112 section 6.3: a response to HEAD has no body). */
interface Pending {
  method: string;
}

/** One direction's decoder state. */
class Direction {
  state = START;
  head = new Uint8Array(0);
  headLen = 0;
  /** Start of the line being read in `head` (or, in TRAILER/SKIP_HEAD, whether the last byte ended a line). */
  lineStart = 0;
  msg: HttpHead | null = null;
  fullUri = '';
  remaining = 0;
  body: Uint8Array | null = null;
  bodyLen = 0;
  line = new Uint8Array(0);
  lineLen = 0;
  trailerBytes = 0;
  /** Full URI of the peer's latest request: what tshark shows as a response's [Request URI], pipelined or not. */
  lastRequestUri = '';
  /** Requests of this direction's peer that wait for a response on this direction. */
  readonly awaiting: Pending[] = [];
  /** Info of the message whose head the last push completed without completing the message. */
  partial = '';
  /** The current push completed a head. */
  headRead = false;
}

function basicLayer(info: string): ProtoLayer {
  return { name: 'http', title: TITLE, protocol: 'HTTP', info, fields: [] };
}

/** Bytes that do not start a message, as tshark shows them: a Continuation with the bytes as data (the first maxBodyKeptBytes). */
function continuation(data: Uint8Array, from: number, to: number): ProtoLayer {
  const n = to - from;
  const kept = new Uint8Array(data.subarray(from, Math.min(to, from + HTTP_LIMITS.maxBodyKeptBytes)));
  const data0: ProtoField = {
    name: '',
    label: `Data (${n} byte${n === 1 ? '' : 's'})`,
    offset: from,
    length: n,
    children: [
      { name: 'data.data', label: `Data: ${Buffer.from(kept.buffer, kept.byteOffset, Math.min(kept.length, 24)).toString('hex')}${kept.length > 24 ? '…' : ''}`, value: kept, offset: from, length: n },
      { name: 'data.len', label: `[Length: ${n}]`, value: n },
    ],
  };
  return { ...basicLayer('Continuation'), fields: [data0] };
}

/** The Info suffix and Protocol column of a body of `contentType` (what tshark's media dissectors add). */
function mediaColumns(contentType: string): { protocol: string; suffix: string } {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === '') return { protocol: 'HTTP', suffix: '' };
  if (type === 'application/json' || type.endsWith('+json')) return { protocol: 'HTTP/JSON', suffix: `, JavaScript Object Notation (${type})` };
  if (type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml')) return { protocol: 'HTTP/XML', suffix: '' };
  return { protocol: 'HTTP', suffix: ` (${type})` };
}

/**
 * One connection's HTTP dissector. Sides are symmetric: a message starting
 * "HTTP/1." is a response whichever side sends it, so a capture that starts
 * mid-connection is read as it is.
 */
export class HttpStream implements StreamDissector {
  readonly #dirs: [Direction, Direction] = [new Direction(), new Direction()];
  #out: ProtoLayer[] = [];

  push(side: StreamSide, data: Uint8Array): ProtoLayer[] {
    const d = this.#dirs[side];
    this.#out = [];
    d.partial = '';
    d.headRead = false;
    let at = 0;
    while (at < data.length) {
      switch (d.state) {
        case START:
        case HEAD:
          at = this.#head(side, d, data, at);
          break;
        case SKIP_HEAD:
          at = this.#skipHead(d, data, at);
          break;
        case BODY:
        case CHUNK_DATA:
        case UNTIL_CLOSE:
          at = this.#body(d, data, at);
          break;
        case CHUNK_SIZE:
        case CHUNK_END:
        case TRAILER:
          at = this.#chunkLine(d, data, at);
          break;
        default:
          at = data.length;
      }
    }
    d.partial = this.#partialInfo(d);
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /**
   * What tshark's Info shows for a message still incomplete after a push: its
   * start line once that line is whole while the head is incomplete (tshark
   * asks for one more segment and reads the head again each time), and while
   * a chunked body is read (the same); for a body of known length (or up to
   * the close) only on the segment that completed the head, since TCP then
   * gathers the rest without asking HTTP.
   */
  #partialInfo(d: Direction): string {
    if (d.state === HEAD) {
      if (d.lineStart === 0) return '';
      const nl = d.head.indexOf(0x0a);
      const end = nl > 0 && d.head[nl - 1] === 0x0d ? nl - 1 : nl;
      return `${formatText(d.head, 0, end)} `;
    }
    if (d.msg === null) return '';
    if (d.state >= CHUNK_SIZE && d.state <= TRAILER) return `${d.msg.firstLine} `;
    if ((d.state === BODY || d.state === UNTIL_CLOSE) && d.headRead) return `${d.msg.firstLine} `;
    return '';
  }

  /** Bytes held for both directions (head, chunk line and kept body buffers): at most 2 * (maxHeadBytes + maxChunkLineBytes + maxBodyKeptBytes). */
  get bufferedBytes(): number {
    let n = 0;
    for (const d of this.#dirs) n += d.head.length + d.line.length + (d.body?.length ?? 0);
    return n;
  }

  pending(side: StreamSide): boolean {
    const s = this.#dirs[side].state;
    return s !== START && s !== OPAQUE && !(s === HEAD && this.#dirs[side].headLen === 0);
  }

  /**
   * The Info tshark adds for the message left incomplete by the last push on
   * `side` ('GET / HTTP/1.1 '), or ''. With no message completed by the push,
   * tshark shows it followed by " [TCP segment of a reassembled PDU]"; after
   * the messages it completed, it is appended to their Info.
   */
  partialInfo(side: StreamSide): string {
    return this.#dirs[side].partial;
  }

  end(side: StreamSide): ProtoLayer[] {
    const d = this.#dirs[side];
    this.#out = [];
    // RFC 9112 section 6.3 item 8: a response without a length ends at the close.
    if (d.state === UNTIL_CLOSE) this.#done(d);
    else if (d.state !== OPAQUE) this.#reset(d);
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** Gathers a head up to its empty line (bare LF line ends accepted, RFC 9112 section 2.2). */
  #head(side: StreamSide, d: Direction, data: Uint8Array, at: number): number {
    if (d.state === START) {
      // RFC 9112 section 2.2: empty lines before a request-line are ignored.
      const from = at;
      while (at < data.length && (data[at] === 0x0d || data[at] === 0x0a)) at++;
      if (at === data.length) {
        // tshark shows line ends left after a message in the same segment as a continuation.
        if (from > 0) this.#out.push(continuation(data, from, at));
        return at;
      }
      d.state = HEAD;
      d.headLen = 0;
      d.lineStart = 0;
    }
    if (d.head.length < 1024) d.head = new Uint8Array(1024);
    const before = d.headLen;
    if (before < 8) {
      // Peek at the first bytes (written past headLen, not yet kept): do they start a message?
      const k = Math.min(8 - before, data.length - at);
      d.head.set(data.subarray(at, at + k), before);
      if (startLineKind(d.head, before + k) === 'no') {
        // Not the start of a message: tshark shows such bytes as a continuation.
        this.#out.push(continuation(data, at, data.length));
        this.#reset(d);
        return data.length;
      }
    }
    let nl = data.indexOf(0x0a, at);
    const stop = nl < 0 ? data.length : nl + 1;
    const n = stop - at;
    if (before + n > HTTP_LIMITS.maxHeadBytes) {
      this.#malformedHead(d);
      // Go on in SKIP_HEAD from this byte, the current line not empty.
      d.lineStart = 1;
      return at;
    }
    if (d.head.length < before + n) {
      const grown = new Uint8Array(Math.min(HTTP_LIMITS.maxHeadBytes, Math.max(2 * d.head.length, before + n)));
      grown.set(d.head.subarray(0, before));
      d.head = grown;
    }
    d.head.set(data.subarray(at, stop), before);
    d.headLen = before + n;
    if (nl < 0) return stop;
    nl = d.headLen - 1;
    const lineLen = nl - d.lineStart;
    if (lineLen === 0 || (lineLen === 1 && d.head[d.lineStart] === 0x0d)) {
      this.#headDone(side, d);
    } else {
      d.lineStart = d.headLen;
    }
    return stop;
  }

  #malformedHead(d: Direction): void {
    const first = d.head.indexOf(0x0a);
    const layer = basicLayer('Continuation');
    if (d.headLen > 0 && first > 0 && first < d.headLen) {
      const h = parseHead(d.head, first + 1);
      layer.info = `${h.firstLine} `;
      layer.fields = h.fields;
    }
    layer.malformed = `message head longer than ${HTTP_LIMITS.maxHeadBytes} bytes`;
    this.#out.push(layer);
    d.state = SKIP_HEAD;
    d.headLen = 0;
    d.head = new Uint8Array(0);
  }

  /** Drops bytes up to the empty line that ends an over-long head; keeps only whether the last line was empty. */
  #skipHead(d: Direction, data: Uint8Array, at: number): number {
    for (let i = at; i < data.length; i++) {
      const c = data[i]!;
      if (c === 0x0a) {
        if (d.lineStart === 0) {
          this.#reset(d);
          return i + 1;
        }
        d.lineStart = 0;
      } else if (c !== 0x0d) {
        d.lineStart = 1;
      }
    }
    return data.length;
  }

  #headDone(side: StreamSide, d: Direction): void {
    const h = parseHead(d.head, d.headLen);
    d.msg = h;
    d.headRead = true;
    d.body = null;
    d.bodyLen = 0;
    d.fullUri = '';
    const peer = this.#dirs[side === 0 ? 1 : 0];
    if (!h.response) {
      if (h.uri !== '') d.fullUri = h.uri.startsWith('/') ? (h.host !== '' ? `http://${h.host}${h.uri}` : '') : h.uri;
      if (peer.awaiting.length >= HTTP_LIMITS.maxPipelined) peer.awaiting.shift();
      peer.awaiting.push({ method: h.method });
      peer.lastRequestUri = d.fullUri;
      if (h.chunked) this.#startChunks(d);
      else if (h.contentLength > 0) this.#startBody(d, h.contentLength);
      else this.#done(d);
      return;
    }
    // A 1xx response is interim: the request still waits for its final response (RFC 9110 section 15.2).
    const req = h.code >= 200 || h.code === 101 ? d.awaiting.shift() : d.awaiting[0];
    // tshark links a response to the latest request seen (so a pipelined response names the last URI).
    if (req !== undefined) d.fullUri = d.lastRequestUri;
    const noBody = req?.method === 'HEAD' || (h.code >= 100 && h.code < 200) || h.code === 204 || h.code === 304;
    if (noBody) this.#done(d);
    else if (h.chunked) this.#startChunks(d);
    else if (h.contentLength >= 0 && !h.transferEncoding) {
      if (h.contentLength === 0) this.#done(d);
      else this.#startBody(d, h.contentLength);
    } else d.state = UNTIL_CLOSE;
    // After 101 Switching Protocols, or a 2xx to CONNECT, the connection is no longer HTTP (RFC 9110 sections 9.3.6, 15.2.2).
    if (h.code === 101 || (req?.method === 'CONNECT' && h.code >= 200 && h.code < 300)) {
      d.state = OPAQUE;
      peer.state = OPAQUE;
    }
  }

  #startBody(d: Direction, length: number): void {
    d.state = BODY;
    d.remaining = length;
  }

  #startChunks(d: Direction): void {
    d.state = CHUNK_SIZE;
    d.lineLen = 0;
    d.trailerBytes = 0;
  }

  /** Counts body bytes and keeps the first maxBodyKeptBytes (the buffer doubles, so keeping is linear). */
  #keep(d: Direction, data: Uint8Array, at: number, n: number): void {
    const kept = Math.min(d.bodyLen, HTTP_LIMITS.maxBodyKeptBytes);
    d.bodyLen += n;
    const take = Math.min(HTTP_LIMITS.maxBodyKeptBytes - kept, n);
    if (take <= 0) return;
    if (d.body === null || d.body.length < kept + take) {
      const grown = new Uint8Array(Math.min(HTTP_LIMITS.maxBodyKeptBytes, Math.max(kept + take, 2 * (d.body?.length ?? 256))));
      if (d.body !== null) grown.set(d.body.subarray(0, kept));
      d.body = grown;
    }
    d.body.set(data.subarray(at, at + take), kept);
  }

  #body(d: Direction, data: Uint8Array, at: number): number {
    if (d.state === UNTIL_CLOSE) {
      this.#keep(d, data, at, data.length - at);
      return data.length;
    }
    const n = Math.min(d.remaining, data.length - at);
    this.#keep(d, data, at, n);
    d.remaining -= n;
    if (d.remaining === 0) {
      if (d.state === BODY) this.#done(d);
      else {
        d.state = CHUNK_END;
        d.lineLen = 0;
      }
    }
    return at + n;
  }

  /** A line of the chunked coding: chunk-size [ext] CRLF, the CRLF after chunk data, or a trailer line (RFC 9112 section 7.1). */
  #chunkLine(d: Direction, data: Uint8Array, at: number): number {
    const nl = data.indexOf(0x0a, at);
    const stop = nl < 0 ? data.length : nl + 1;
    const n = stop - at;
    if (d.state === TRAILER) {
      d.trailerBytes += n;
      if (d.trailerBytes > HTTP_LIMITS.maxHeadBytes) return this.#chunkError(d, 'chunked trailer too long', stop);
    }
    if (d.lineLen + n > HTTP_LIMITS.maxChunkLineBytes) {
      if (d.state !== TRAILER) return this.#chunkError(d, `chunk line longer than ${HTTP_LIMITS.maxChunkLineBytes} bytes`, stop);
      // A long trailer line is only counted (bounded by maxHeadBytes above).
      d.lineLen = HTTP_LIMITS.maxChunkLineBytes;
      if (nl < 0) return stop;
    } else {
      if (d.line.length < HTTP_LIMITS.maxChunkLineBytes) d.line = new Uint8Array(HTTP_LIMITS.maxChunkLineBytes);
      d.line.set(data.subarray(at, stop), d.lineLen);
      d.lineLen += n;
    }
    if (nl < 0) return stop;
    let end = d.lineLen - 1;
    if (end > 0 && d.line[end - 1] === 0x0d) end--;
    const empty = end === 0;
    const state = d.state;
    d.lineLen = 0;
    if (state === CHUNK_END) {
      if (!empty) return this.#chunkError(d, 'chunk data not followed by CRLF', stop);
      d.state = CHUNK_SIZE;
    } else if (state === TRAILER) {
      if (empty) this.#done(d);
    } else {
      let size = 0;
      let digits = 0;
      for (let i = 0; i < end; i++) {
        const c = d.line[i]!;
        const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
        if (v < 0) break;
        if (++digits > 12) return this.#chunkError(d, 'chunk size too large', stop);
        size = size * 16 + v;
      }
      if (digits === 0) return this.#chunkError(d, 'chunk size is not a hex number', stop);
      if (size === 0) d.state = TRAILER;
      else {
        d.state = CHUNK_DATA;
        d.remaining = size;
      }
    }
    return stop;
  }

  /** A broken chunked coding: the message is reported malformed and the direction starts over. */
  #chunkError(d: Direction, why: string, at: number): number {
    this.#done(d, why);
    return at;
  }

  #done(d: Direction, malformed = ''): void {
    const h = d.msg;
    if (h === null) {
      this.#reset(d);
      return;
    }
    const media = d.bodyLen > 0 ? mediaColumns(h.contentType) : { protocol: 'HTTP', suffix: '' };
    const fields: ProtoField[] = [...h.fields];
    if (d.fullUri !== '') {
      fields.push(h.response ? { name: 'http.response_for.uri', label: `[Request URI: ${d.fullUri}]`, value: d.fullUri } : { name: 'http.request.full_uri', label: `[Full request URI: ${d.fullUri}]`, value: d.fullUri });
    }
    // http.file_data is a string field in Wireshark: the body's bytes as characters (the first maxBodyKeptBytes).
    if (d.bodyLen > 0) fields.push({ name: 'http.file_data', label: `File Data: ${d.bodyLen} bytes`, value: d.body === null ? '' : latin1(d.body, 0, Math.min(d.bodyLen, HTTP_LIMITS.maxBodyKeptBytes)) });
    const layer: ProtoLayer = { name: 'http', title: TITLE, protocol: media.protocol, info: `${h.firstLine} ${media.suffix}`, fields };
    const why = malformed !== '' ? malformed : h.error;
    if (why !== '') layer.malformed = why;
    this.#out.push(layer);
    this.#reset(d);
  }

  #reset(d: Direction): void {
    d.state = START;
    d.headLen = 0;
    d.lineStart = 0;
    d.msg = null;
    d.body = null;
    d.bodyLen = 0;
    d.remaining = 0;
    d.lineLen = 0;
    if (d.head.length > 4096) d.head = new Uint8Array(0);
  }
}

/** The HTTP/1.x row of the application-layer table: detected by a request line or "HTTP/1." on any port. */
export const HTTP_APP: AppProtocol = Object.freeze({
  name: 'http',
  detect(first: Uint8Array, context: AppContext): boolean {
    return context.transport === 'tcp' && startLineKind(first, first.length) === 'yes';
  },
  stream(_context: AppContext): StreamDissector {
    return new HttpStream();
  },
});
