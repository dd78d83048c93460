/**
 * ws:// — WebSocket (RFC 6455) over HTTP/1.1, one message per read.
 * Byte counters count message payloads, not frame headers.
 */
import http from 'node:http';
import net from 'node:net';
import { isUtf8 } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { DEFAULTS } from '../constants.js';
import { ERROR_CODES, explainSystemError, NetworkError, type ErrorCode, type NetlabError } from '../errors.js';
import { toEndpoint, type Endpoint } from '../util/endpoint.js';
import { waitUntilReady } from './connect-timeout.js';
import { allClosed, deleteEmitterFrom, Session } from './session.js';
import { RecordingSocket } from './recording-socket.js';
import type { HttpHooks, Listener, ListenerEvents, TransportDriver, WireTap } from './types.js';

/** RFC 6455 §7.4.1: 1000 normal, 1001 going away, 1005 no status received. */
const NORMAL_CLOSE_CODES = new Set([1000, 1001, 1005]);
/** Close codes for our failures: RFC 6455 §7.4.1 1009 "too big", 1008 "policy"; 1013 "try again later" (IANA registry). */
const CLOSE_CODE_FOR: Partial<Record<ErrorCode, number>> = {
  [ERROR_CODES.LINE_TOO_LONG]: 1009,
  [ERROR_CODES.TOO_MANY_CONNECTIONS]: 1013,
};
const CLOSE_POLICY_VIOLATION = 1008;
/** WebSocket readyState OPEN (RFC 6455 §4.1 "the WebSocket connection is established"). */
const READY_STATE_OPEN = 1;

/** The ws library, loaded when a WebSocket is first needed rather than at every netlab start-up. */
async function wsLibrary(): Promise<typeof import('ws')> {
  return import('ws');
}
/** RFC 6455 §5.5: a control frame payload is at most 125 bytes, 2 of them the code. */
const MAX_CLOSE_REASON_BYTES = 123;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.byteLength <= MAX_CLOSE_REASON_BYTES ? text : bytes.subarray(0, MAX_CLOSE_REASON_BYTES).toString().replace(/\uFFFD+$/, '');
}

/**
 * Which frame type write() uses: a server answers in the type the peer last
 * used (so echo is transparent); a client sends text when the bytes are UTF-8.
 */
type ReplyKind = 'mirror' | 'auto';

export class WebSocketSession extends Session {
  readonly ws: WebSocket;
  readonly #kind: ReplyKind;
  #peerSentBinary = false;
  #pendingBytes = 0;
  #error: NetlabError | undefined;

  constructor(ws: WebSocket, local: Endpoint, remote: Endpoint, kind: ReplyKind) {
    super('ws', 'message', local, remote);
    this.ws = ws;
    this.#kind = kind;
    ws.on('message', (data, isBinary) => {
      this.#peerSentBinary = isBinary;
      this.received(toBuffer(data));
    });
    ws.on('error', (err) => {
      this.#error ??= explainSystemError(err, { action: 'connect', transport: 'ws', host: remote.address, port: remote.port });
    });
    ws.on('close', (code, reason) => {
      if (!NORMAL_CLOSE_CODES.has(code)) {
        const why = reason.length > 0 ? `: ${reason.toString()}` : '';
        this.#error ??= new NetworkError(ERROR_CODES.CONNECTION_RESET, `WebSocket closed with code ${code}${why}`);
      }
      this.finished(this.#error);
    });
  }

  override pause(): void {
    this.ws.pause();
  }

  override resume(): void {
    this.ws.resume();
  }

  /** Bytes handed to send() that the socket has not yet taken. */
  get bufferedAmount(): number {
    return this.#pendingBytes;
  }

  protected override sendData(data: Uint8Array): boolean {
    if (this.ws.readyState !== READY_STATE_OPEN) return false;
    const binary = this.#kind === 'mirror' ? this.#peerSentBinary || !isUtf8(data) : !isUtf8(data);
    this.#pendingBytes += data.byteLength;
    this.ws.send(data, { binary }, () => {
      const before = this.#pendingBytes;
      this.#pendingBytes -= data.byteLength;
      const mark = DEFAULTS.writeHighWaterMarkBytes;
      if (before >= mark && this.#pendingBytes < mark) this.emit('drain');
    });
    return this.#pendingBytes < DEFAULTS.writeHighWaterMarkBytes;
  }

  protected override sendEnd(): void {
    this.ws.close(1000);
  }

  protected override sendDestroy(error: NetlabError | undefined): void {
    this.#error ??= error;
    this.ws.terminate();
  }

  protected override sendFailure(error: NetlabError): void {
    this.#error ??= error;
    this.ws.close(CLOSE_CODE_FOR[error.code] ?? CLOSE_POLICY_VIOLATION, closeReason(error.message));
  }
}

class WebSocketListener extends EventEmitter<ListenerEvents> implements Listener {
  readonly transport = 'ws' as const;
  readonly http: http.Server;
  readonly wss: WebSocketServer;
  readonly #sessions = new Set<Session>();
  readonly #forgetSession = deleteEmitterFrom(this.#sessions);
  #address: Endpoint = toEndpoint('', 0);

  /** What is bound: the HTTP server itself, or, when tapping, a TCP server feeding it recorded sockets. */
  readonly #bound: net.Server;

  constructor(Server: typeof WebSocketServer, maxPayload: number, tap: WireTap | undefined, hooks: HttpHooks = {}) {
    super();
    this.http = http.createServer(
      hooks.onRequest ??
        ((_req, res) => {
          // A plain HTTP request (a browser tab, curl) gets a hint, not a hang.
          res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
          res.end('This is a netlab WebSocket server; connect with a WebSocket client, e.g. netlab connect ws HOST PORT\n');
        }),
    );
    const check = hooks.checkUpgrade;
    this.wss = new Server({
      server: this.http,
      maxPayload,
      perMessageDeflate: false,
      ...(hooks.upgradePath === undefined ? {} : { path: hooks.upgradePath }),
      // Refused before the handshake completes: the peer gets a plain HTTP status, no socket.
      ...(check === undefined
        ? {}
        : {
            verifyClient: (info: { req: http.IncomingMessage }, done: (ok: boolean, status?: number) => void) => {
              const status = check(info.req);
              done(status === undefined, status);
            },
          }),
    });
    this.wss.on('connection', (ws, req) => {
      const socket = req.socket;
      const session = new WebSocketSession(
        ws,
        toEndpoint(socket.localAddress, socket.localPort, socket.localFamily),
        toEndpoint(socket.remoteAddress, socket.remotePort, socket.remoteFamily),
        'mirror',
      );
      this.#sessions.add(session);
      session.on('close', this.#forgetSession);
      this.emit('session', session);
    });
    this.wss.on('error', (err) => this.emit('peerError', err, ''));
    if (tap === undefined) {
      this.#bound = this.http;
    } else {
      // An HTTP server takes any Duplex as a connection: hand it recorded sockets.
      this.#bound = net.createServer({ noDelay: true }, (raw) => this.http.emit('connection', new RecordingSocket(raw, tap, false)));
    }
  }

  get address(): Endpoint {
    return this.#address;
  }

  get sessions(): ReadonlySet<Session> {
    return this.#sessions;
  }

  async bind(host: string, port: number): Promise<this> {
    const context = { action: 'listen' as const, transport: 'ws', host, port };
    const ready = waitUntilReady(this.#bound, 'listening', 0, context, () => undefined);
    this.#bound.listen({ host, port });
    await ready;
    this.#bound.on('error', (err) => this.emit('peerError', err, ''));
    const bound = this.#bound.address();
    if (bound !== null && typeof bound === 'object') this.#address = toEndpoint(bound.address, bound.port, bound.family);
    return this;
  }

  async close(): Promise<void> {
    const sessionsGone = allClosed(this.#sessions);
    for (const session of this.#sessions) session.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    // Upgraded sockets and idle HTTP connections alike must not hold the port.
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.#bound.close(() => resolve()));
    await sessionsGone;
  }
}

export const wsTransport: TransportDriver = {
  name: 'ws',
  framing: 'message',
  connectionless: false,

  async listen(options) {
    const { WebSocketServer: Server } = await wsLibrary();
    return new WebSocketListener(Server, options.maxMessageBytes ?? DEFAULTS.maxWebSocketMessageBytes, options.tap, options.http).bind(options.host, options.port);
  },

  async connect(options) {
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const tap = options.tap;
    const { WebSocket: Client } = await wsLibrary();
    const ws = new Client(`ws://${host}:${options.port}${options.path ?? '/'}`, {
      maxPayload: options.maxMessageBytes ?? DEFAULTS.maxWebSocketMessageBytes,
      perMessageDeflate: false,
      // Tapped: the HTTP upgrade and every frame go through the recording socket.
      ...(tap === undefined
        ? {}
        : { createConnection: () => new RecordingSocket(net.connect({ host: options.host, port: options.port, noDelay: true }), tap, true) as unknown as net.Socket }),
    });
    await waitUntilReady(ws, 'open', options.timeoutMs ?? 0, { action: 'connect', transport: 'ws', host: options.host, port: options.port }, () =>
      ws.terminate(),
    );
    // ws keeps its socket private; the peer and local addresses come from it.
    const socket = (ws as unknown as { _socket: net.Socket })._socket;
    return new WebSocketSession(
      ws,
      toEndpoint(socket.localAddress, socket.localPort, socket.localFamily),
      toEndpoint(socket.remoteAddress, socket.remotePort, socket.remoteFamily),
      'auto',
    );
  },
};
