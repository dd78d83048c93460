/**
 * An HTTP/1.x message head (RFC 9112 sections 2-5) as protocol fields: the
 * start line and header lines as Wireshark's HTTP dissector shows them
 * (packet-http.c, tshark 4.0), and what framing of the body they announce.
 */
import { formatText, latin1 } from './text.js';
import type { ProtoField } from './tree.js';

/** Request methods recognised at the start of a message (RFC 9110 section 9, RFC 5789). */
export const HTTP_METHODS: readonly string[] = Object.freeze(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']);

/** Header names with a field of their own in Wireshark (lower case -> field name). */
const HEADER_FIELDS = new Map<string, string>([
  ['host', 'http.host'],
  ['user-agent', 'http.user_agent'],
  ['content-type', 'http.content_type'],
  ['content-length', 'http.content_length_header'],
  ['accept', 'http.accept'],
  ['accept-encoding', 'http.accept_encoding'],
  ['accept-language', 'http.accept_language'],
  ['authorization', 'http.authorization'],
  ['cache-control', 'http.cache_control'],
  ['connection', 'http.connection'],
  ['content-encoding', 'http.content_encoding'],
  ['cookie', 'http.cookie'],
  ['date', 'http.date'],
  ['last-modified', 'http.last_modified'],
  ['location', 'http.location'],
  ['referer', 'http.referer'],
  ['server', 'http.server'],
  ['set-cookie', 'http.set_cookie'],
  ['transfer-encoding', 'http.transfer_encoding'],
  ['upgrade', 'http.upgrade'],
  ['x-forwarded-for', 'http.x_forwarded_for'],
]);

/** What a parsed head says. */
export interface HttpHead {
  response: boolean;
  /** The start line without its line end, as text (format_text). */
  firstLine: string;
  method: string;
  uri: string;
  /** HTTP/1.1 */
  version: string;
  /** Status code, -1 for a request. */
  code: number;
  host: string;
  contentType: string;
  /** Content-Length, -1 when absent, -2 when not a number. */
  contentLength: number;
  chunked: boolean;
  /** Transfer-Encoding present (chunked or not). */
  transferEncoding: boolean;
  fields: ProtoField[];
  /** Empty, or why the head is malformed. */
  error: string;
}

/** RFC 9110 section 15 reason phrases, for [Status Code Description]. */
const STATUS = new Map<number, string>([
  [100, 'Continue'], [101, 'Switching Protocols'], [102, 'Processing'], [103, 'Early Hints'],
  [200, 'OK'], [201, 'Created'], [202, 'Accepted'], [203, 'Non-authoritative Information'], [204, 'No Content'], [205, 'Reset Content'], [206, 'Partial Content'], [207, 'Multi-Status'],
  [300, 'Multiple Choices'], [301, 'Moved Permanently'], [302, 'Found'], [303, 'See Other'], [304, 'Not Modified'], [305, 'Use Proxy'], [307, 'Temporary Redirect'], [308, 'Permanent Redirect'],
  [400, 'Bad Request'], [401, 'Unauthorized'], [402, 'Payment Required'], [403, 'Forbidden'], [404, 'Not Found'], [405, 'Method Not Allowed'], [406, 'Not Acceptable'],
  [407, 'Proxy Authentication Required'], [408, 'Request Time-out'], [409, 'Conflict'], [410, 'Gone'], [411, 'Length Required'], [412, 'Precondition Failed'],
  [413, 'Request Entity Too Large'], [414, 'Request-URI Too Long'], [415, 'Unsupported Media Type'], [416, 'Requested Range Not Satisfiable'], [417, 'Expectation Failed'],
  [418, "I'm a teapot"], [421, 'Misdirected Request'], [422, 'Unprocessable Entity'], [423, 'Locked'], [424, 'Failed Dependency'], [426, 'Upgrade Required'],
  [428, 'Precondition Required'], [429, 'Too Many Requests'], [431, 'Request Header Fields Too Large'], [451, 'Unavailable For Legal Reasons'],
  [500, 'Internal Server Error'], [501, 'Not Implemented'], [502, 'Bad Gateway'], [503, 'Service Unavailable'], [504, 'Gateway Time-out'], [505, 'HTTP Version not supported'],
  [507, 'Insufficient Storage'], [511, 'Network Authentication Required'],
]);

/**
 * Whether `b[0, len)` can start an HTTP message: a known method and a space,
 * or "HTTP/1." (RFC 9112 sections 3 and 4). 'maybe' while too few bytes tell.
 */
export function startLineKind(b: Uint8Array, len: number): 'yes' | 'maybe' | 'no' {
  let maybe = false;
  for (const token of START_TOKENS) {
    const n = Math.min(len, token.length);
    let i = 0;
    while (i < n && b[i] === token[i]) i++;
    if (i === n) {
      if (n === token.length) return 'yes';
      maybe = true;
    }
  }
  return maybe ? 'maybe' : 'no';
}

const START_TOKENS: readonly Uint8Array[] = [...HTTP_METHODS.map((m) => `${m} `), 'HTTP/1.'].map((t) => Uint8Array.from(Buffer.from(t, 'latin1')));

function expert(line: string): ProtoField {
  return {
    name: '_ws.expert',
    label: `[Expert Info (Chat/Sequence): ${line}]`,
    children: [
      { name: 'http.chat', label: `[${line}]` },
      { name: '_ws.expert.severity', label: '[Severity level: Chat]' },
      { name: '_ws.expert.group', label: '[Group: Sequence]' },
    ],
  };
}

/** The line end of the line `[start, end)` (end at its '\n') as tshark shows it: '\r\n' or '\n'. */
function lineText(b: Uint8Array, start: number, nl: number): { text: string; shown: string; contentEnd: number } {
  const contentEnd = nl > start && b[nl - 1] === 0x0d ? nl - 1 : nl;
  const text = formatText(b, start, contentEnd);
  return { text, shown: text + (contentEnd < nl ? '\\r\\n' : '\\n'), contentEnd };
}

/**
 * Parses the head `b[0, len)` (start line, header lines, the empty line).
 * Never throws; an unparsable start line gives `error`.
 */
export function parseHead(b: Uint8Array, len: number): HttpHead {
  const head: HttpHead = {
    response: false, firstLine: '', method: '', uri: '', version: '', code: -1, host: '', contentType: '',
    contentLength: -1, chunked: false, transferEncoding: false, fields: [], error: '',
  };
  let nl = b.indexOf(0x0a);
  if (nl < 0 || nl >= len) nl = len - 1;
  const first = lineText(b, 0, nl);
  head.firstLine = first.text;
  const line = latin1(b, 0, first.contentEnd);
  const top: ProtoField = { name: '', label: first.shown, value: 1, offset: 0, length: nl + 1, children: [expert(first.shown)] };
  head.fields.push(top);
  const kids = top.children!;
  if (line.startsWith('HTTP/')) {
    // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 section 4)
    head.response = true;
    top.name = 'http.response';
    const sp = line.indexOf(' ');
    head.version = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    const codeText = rest.slice(0, 3);
    const phrase = rest.length > 4 ? formatText(b, sp + 5, first.contentEnd) : '';
    kids.push({ name: 'http.response.version', label: `Response Version: ${head.version}`, value: head.version });
    if (/^[0-9]{3}$/.test(codeText) && (rest.length === 3 || rest[3] === ' ')) {
      head.code = Number(codeText);
      kids.push({ name: 'http.response.code', label: `Status Code: ${head.code}`, value: head.code });
      kids.push({ name: 'http.response.code.desc', label: `[Status Code Description: ${STATUS.get(head.code) ?? 'Unknown'}]`, value: STATUS.get(head.code) ?? 'Unknown' });
      kids.push({ name: 'http.response.phrase', label: `Response Phrase: ${phrase}`, value: phrase });
    } else {
      head.error = 'status line without a 3-digit status code';
    }
  } else {
    // request-line = method SP request-target SP HTTP-version (RFC 9112 section 3)
    top.name = 'http.request';
    const a = line.indexOf(' ');
    const z = line.lastIndexOf(' ');
    head.method = a < 0 ? line : line.slice(0, a);
    kids.push({ name: 'http.request.method', label: `Request Method: ${head.method}`, value: head.method });
    if (a > 0 && z > a) {
      head.uri = formatText(b, a + 1, z);
      head.version = line.slice(z + 1);
      kids.push(uriField(head.uri));
      kids.push({ name: 'http.request.version', label: `Request Version: ${head.version}`, value: head.version });
    } else {
      head.error = 'request line without a target and a version';
    }
  }
  // Header lines up to the empty line (RFC 9112 section 5: field-name ":" OWS field-value OWS).
  let start = nl + 1;
  while (start < len) {
    let end = b.indexOf(0x0a, start);
    if (end < 0 || end >= len) end = len - 1;
    const l = lineText(b, start, end);
    if (l.contentEnd === start) {
      head.fields.push({ name: '', label: l.shown, offset: start, length: end + 1 - start });
      break;
    }
    head.fields.push(headerField(head, b, start, l.contentEnd, l.shown, end + 1 - start));
    start = end + 1;
  }
  return head;
}

function uriField(uri: string): ProtoField {
  const field: ProtoField = { name: 'http.request.uri', label: `Request URI: ${uri}`, value: uri };
  const q = uri.indexOf('?');
  if (q >= 0) {
    const query = uri.slice(q + 1);
    field.children = [
      { name: 'http.request.uri.path', label: `Request URI Path: ${uri.slice(0, q)}`, value: uri.slice(0, q) },
      {
        name: 'http.request.uri.query',
        label: `Request URI Query: ${query}`,
        value: query,
        children: query.split('&').map((p) => ({ name: 'http.request.uri.query.parameter', label: `Request URI Query Parameter: ${p}`, value: p })),
      },
    ];
  }
  return field;
}

function headerField(head: HttpHead, b: Uint8Array, start: number, end: number, shown: string, length: number): ProtoField {
  const text = latin1(b, start, end);
  const colon = text.indexOf(':');
  const key = colon < 0 ? '' : text.slice(0, colon).trim().toLowerCase();
  const value = colon < 0 ? '' : formatText(b, start + colon + 1, end).trim();
  const name = HEADER_FIELDS.get(key) ?? (colon < 0 ? '' : 'http.unknown_header');
  const field: ProtoField = { name, label: shown, value: name === 'http.unknown_header' ? formatText(b, start, end) : value, offset: start, length };
  if (key === 'host' && head.host === '') head.host = value;
  else if (key === 'content-type' && head.contentType === '') head.contentType = value;
  else if (key === 'transfer-encoding') {
    head.transferEncoding = true;
    // RFC 9112 section 6.1: chunked is the final transfer coding when present.
    head.chunked = /(^|,)\s*chunked\s*$/i.test(value);
  } else if (key === 'content-length' && head.contentLength === -1) {
    if (/^[0-9]{1,15}$/.test(value)) {
      head.contentLength = Number(value);
      field.children = [{ name: 'http.content_length', label: `[Content length: ${head.contentLength}]`, value: head.contentLength }];
    } else {
      head.contentLength = -2;
    }
  }
  return field;
}
