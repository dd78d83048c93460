/**
 * TCP connect probes: what `nmap -sT` does, no root needed. A port is open
 * when the three-way handshake completes, closed when the answer is a RST
 * (ECONNREFUSED), filtered when nothing answers (the engine's timeout) or an
 * ICMP error comes back.
 *
 * Two drivers with the same behaviour:
 * - `native` opens libuv TCP handles directly through Node's `tcp_wrap`
 *   binding, the layer `net.Socket` itself is built on. A scan only needs
 *   connect and close, and skipping the stream machinery of `net.Socket`
 *   (a Duplex, its buffers and its event plumbing) per port makes a full
 *   65535-port scan of loopback about three times faster.
 * - `socket` uses the public `net.Socket` API; it is the fallback whenever the
 *   binding is missing or does not look as expected, and can be forced with
 *   `driver: 'socket'` (or NETLAB_SCAN_DRIVER=socket).
 */
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { outcomeOfError, type Attempt, type Outcome, type PortState, type ProbeDriver, type ProbeTarget } from './probe.js';
import { ERROR_CODES, NetlabError } from '../errors.js';

// ---------------------------------------------------------------------------
// native driver

interface SockAddr {
  address?: string;
  port?: number;
}

interface NativeTcpHandle {
  connect(req: NativeConnectReq, address: string, port: number): number;
  connect6(req: NativeConnectReq, address: string, port: number): number;
  getsockname(out: SockAddr): number;
  getpeername(out: SockAddr): number;
  close(callback?: () => void): void;
  /** Closes with a RST (uv_tcp_close_reset); non-zero when it could not. Node >= 18.3. */
  reset?(callback?: () => void): number;
}

interface NativeConnectReq {
  oncomplete: (status: number, handle: NativeTcpHandle, req: NativeConnectReq) => void;
  attempt: Attempt | undefined;
}

interface TcpWrapBinding {
  TCP: new (type: number) => NativeTcpHandle;
  TCPConnectWrap: new () => NativeConnectReq;
  constants: { SOCKET: number };
}

interface NativeAttemptData {
  handle: NativeTcpHandle;
  req: NativeConnectReq;
}

let cachedBinding: TcpWrapBinding | null | undefined;

/** Node's tcp_wrap binding when it has the shape this driver relies on, else undefined. */
function tcpWrapBinding(): TcpWrapBinding | undefined {
  if (cachedBinding !== undefined) return cachedBinding ?? undefined;
  cachedBinding = null;
  try {
    const binder = (process as unknown as { binding?: (name: string) => unknown }).binding;
    const candidate = binder?.call(process, 'tcp_wrap') as Partial<TcpWrapBinding> | undefined;
    const proto = candidate?.TCP?.prototype as Partial<NativeTcpHandle> | undefined;
    if (
      typeof candidate?.TCPConnectWrap === 'function' &&
      typeof candidate.constants?.SOCKET === 'number' &&
      typeof proto?.connect === 'function' &&
      typeof proto.connect6 === 'function' &&
      typeof proto.getsockname === 'function' &&
      typeof proto.getpeername === 'function' &&
      typeof proto.close === 'function'
    ) {
      cachedBinding = candidate as TcpWrapBinding;
    }
  } catch {
    // No binding (a future Node, a sandbox): the socket driver takes over.
  }
  return cachedBinding ?? undefined;
}

// Reused out-parameters: getsockname/getpeername fill them in place.
const localAddr: SockAddr = {};
const remoteAddr: SockAddr = {};

/** Classifies a completed handshake: see classifyConnected(). */
function connectedNative(handle: NativeTcpHandle, attempt: Attempt): Outcome {
  localAddr.address = remoteAddr.address = undefined;
  localAddr.port = remoteAddr.port = undefined;
  if (handle.getsockname(localAddr) !== 0 || handle.getpeername(remoteAddr) !== 0) return 'open';
  return classifyConnected(attempt, localAddr.address, localAddr.port, remoteAddr.address, remoteAddr.port);
}

/**
 * A completed handshake is `open` unless the socket is talking to itself:
 * local and remote address and port equal is a self-connect (simultaneous
 * open on loopback). When only the addresses are equal (scanning this very
 * host) the local port is noted on the attempt, so that two of the scan's own
 * sockets that crossed (A: p -> q while B: q -> p, also a simultaneous open)
 * can be recognised once the scan is over (see parallel.ts).
 */
function classifyConnected(attempt: Attempt, localAddress?: string, localPort?: number, remoteAddress?: string, remotePort?: number): Outcome {
  if (localAddress === undefined || localAddress !== remoteAddress) return 'open';
  if (localPort === remotePort) return 'self-connect';
  attempt.localPort = localPort ?? 0;
  return 'open';
}

function errorName(status: number): string {
  try {
    return getSystemErrorName(status);
  } catch {
    return `E${-status}`;
  }
}

/** Connect completion of a native attempt (module-level: no closure per port). */
function onNativeConnect(status: number, handle: NativeTcpHandle, req: NativeConnectReq): void {
  const attempt = req.attempt;
  if (attempt === undefined) return; // cancelled: the engine already moved on
  req.attempt = undefined;
  let outcome: Outcome;
  let code: string | undefined;
  if (status === 0) {
    outcome = connectedNative(handle, attempt);
  } else {
    code = errorName(status);
    outcome = outcomeOfError(code);
  }
  // An open port is left as nmap -sT leaves it: with a RST right after the
  // handshake, not a FIN exchange, so neither side keeps the connection (or
  // a TIME_WAIT) and the scanned service sees a reset rather than an empty
  // session.
  if (status !== 0 || handle.reset === undefined || handle.reset() !== 0) handle.close();
  attempt.driverData = undefined;
  attempt.sink.settle(attempt, outcome, code);
}

class NativeTcpDriver implements ProbeDriver {
  readonly proto = 'tcp' as const;
  readonly name = 'native';
  readonly silentState: PortState = 'filtered';
  readonly #binding: TcpWrapBinding;

  constructor(binding: TcpWrapBinding) {
    this.#binding = binding;
  }

  start(attempt: Attempt, target: ProbeTarget): void {
    const handle = new this.#binding.TCP(this.#binding.constants.SOCKET);
    const req = new this.#binding.TCPConnectWrap();
    req.oncomplete = onNativeConnect;
    req.attempt = attempt;
    attempt.driverData = { handle, req } satisfies NativeAttemptData;
    const err = target.family === 6 ? handle.connect6(req, target.address, attempt.port) : handle.connect(req, target.address, attempt.port);
    if (err !== 0) {
      // Refused before any packet left (EMFILE, EADDRNOTAVAIL...).
      req.attempt = undefined;
      handle.close();
      attempt.driverData = undefined;
      const code = errorName(err);
      attempt.sink.settle(attempt, outcomeOfError(code), code);
    }
  }

  cancel(attempt: Attempt): void {
    const data = attempt.driverData as NativeAttemptData | undefined;
    if (data === undefined) return;
    data.req.attempt = undefined;
    data.handle.close(); // libuv completes the pending connect with ECANCELED, ignored above
    attempt.driverData = undefined;
  }
}

// ---------------------------------------------------------------------------
// socket driver

class ProbeSocket extends net.Socket {
  attempt: Attempt | undefined;
}

/** @param reset close a connected socket with a RST, as the native driver does */
function finishSocket(socket: ProbeSocket, outcome: Outcome, code?: string, reset = false): void {
  const attempt = socket.attempt;
  if (attempt === undefined) return;
  socket.attempt = undefined;
  if (reset) socket.resetAndDestroy();
  else socket.destroy();
  attempt.driverData = undefined;
  attempt.sink.settle(attempt, outcome, code);
}

function onSocketConnect(this: ProbeSocket): void {
  const attempt = this.attempt;
  if (attempt === undefined) return;
  finishSocket(this, classifyConnected(attempt, this.localAddress, this.localPort, this.remoteAddress, this.remotePort), undefined, true);
}

function onSocketError(this: ProbeSocket, err: NodeJS.ErrnoException): void {
  finishSocket(this, outcomeOfError(err.code), err.code);
}

class SocketTcpDriver implements ProbeDriver {
  readonly proto = 'tcp' as const;
  readonly name = 'socket';
  readonly silentState: PortState = 'filtered';

  start(attempt: Attempt, target: ProbeTarget): void {
    const socket = new ProbeSocket();
    socket.attempt = attempt;
    attempt.driverData = socket;
    socket.on('connect', onSocketConnect);
    socket.on('error', onSocketError);
    socket.connect({ port: attempt.port, host: target.address, family: target.family });
  }

  cancel(attempt: Attempt): void {
    const socket = attempt.driverData as ProbeSocket | undefined;
    if (socket === undefined) return;
    socket.attempt = undefined;
    socket.destroy();
    attempt.driverData = undefined;
  }
}

export type TcpDriverName = 'auto' | 'native' | 'socket';

/**
 * Picks the TCP connect driver.
 *
 * @param name `auto` (default): `native` when available, else `socket`;
 *   the NETLAB_SCAN_DRIVER environment variable overrides `auto`
 * @throws NetlabError NETLAB_ERR_UNSUPPORTED when `native` is asked for and the binding is not available
 */
export function createTcpDriver(name: TcpDriverName = 'auto'): ProbeDriver {
  let wanted = name;
  if (wanted === 'auto') {
    const env = process.env.NETLAB_SCAN_DRIVER;
    if (env === 'native' || env === 'socket') wanted = env;
  }
  if (wanted === 'socket') return new SocketTcpDriver();
  const binding = tcpWrapBinding();
  if (binding !== undefined) return new NativeTcpDriver(binding);
  if (wanted === 'native') throw new NetlabError(ERROR_CODES.UNSUPPORTED, "the native TCP scan driver needs Node's tcp_wrap binding, which this Node does not offer");
  return new SocketTcpDriver();
}

/** True when the fast native driver can be used on this Node. */
export function nativeTcpDriverAvailable(): boolean {
  return tcpWrapBinding() !== undefined;
}
