/**
 * Steps labs share: an echo-family server and its client recorded, a client
 * that sends its messages to a server, waits for each answer, and closes (so
 * the capture holds the whole conversation, close included), and the packet
 * helpers a lab's explanation leans on.
 */
import { connect, type ConnectOptions } from '../client/connect.js';
import { exchange } from '../client/exchange.js';
import { TCP_FLAGS } from '../pcap/layers/dissection.js';
import { echoProtocol, type EchoMode } from '../protocols/echo/echo.js';
import { createServer } from '../server/server.js';
import type { Session } from '../transports/session.js';
import type { TlsOptions } from '../transports/types.js';
import type { LabPacket } from './capture-reading.js';
import type { LabContext } from './context.js';

/**
 * Connects, sends each message (a line on TCP/TLS, a datagram on UDP) and
 * waits for its answer, then closes and waits until the session is gone.
 * @returns the answers, in order
 * @throws NetlabError (refused, timeout, TLS verification)
 */
export async function sendAndClose(options: ConnectOptions, messages: readonly string[]): Promise<Buffer[]> {
  const session: Session = await connect(options);
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  try {
    return await exchange(session, messages);
  } finally {
    session.end();
    await closed;
  }
}

/** What {@link recordEchoExchange} starts. */
export interface EchoExchangeOptions {
  transport: 'tcp' | 'tls' | 'udp';
  /** The echo server's mode (`netlab serve -m`). Default `echo`. */
  mode?: EchoMode;
  /** TLS: the server's certificate (and key-log callback), the client's trust. */
  tls?: { server?: TlsOptions; client?: TlsOptions };
}

/**
 * Records one exchange with an echo-family server (what `netlab serve
 * TRANSPORT -m MODE` runs) into capture `name`: the server on a free
 * loopback port with the lab's recorder, a client that sends `messages`,
 * waits for each answer and closes, then the server closed and the file
 * finished.
 * @returns the capture's path
 * @throws NetlabError (a file, the capture engine, the exchange)
 */
export async function recordEchoExchange(ctx: LabContext, name: string, options: EchoExchangeOptions, messages: readonly string[]): Promise<string> {
  const { transport } = options;
  const recording = ctx.record(name);
  const server = await createServer({ transport, host: '127.0.0.1', port: 0, protocol: echoProtocol(options.mode === undefined ? {} : { mode: options.mode }), tls: options.tls?.server, tap: recording.tap });
  const port = server.address.port;
  try {
    await recording.start(`${transport === 'udp' ? 'udp' : 'tcp'} port ${port}`);
    await sendAndClose({ transport, host: '127.0.0.1', port, tls: options.tls?.client }, messages);
  } finally {
    await server.close();
    await recording.stop();
  }
  return recording.path;
}

/** The packets whose payload contains `text` (as bytes). */
export function packetsCarrying(packets: readonly LabPacket[], text: string | Buffer): LabPacket[] {
  return packets.filter((p) => p.payload.includes(text));
}

/** What a TCP packet does in its connection, read from its flags and payload. */
export type TcpRole = 'handshake' | 'data' | 'ack' | 'close' | 'reset';

/** Each role in the lab sheets' words. */
export const TCP_ROLE_WORDS: Readonly<Record<TcpRole, string>> = Object.freeze({
  handshake: 'handshake',
  data: 'data',
  ack: 'acknowledgement',
  close: 'close',
  reset: 'reset',
});

/**
 * The role of each packet of one TCP stream (RFC 9293 section 3.5): SYN and
 * SYN-ACK and the ACK that answers the SYN-ACK open it; segments with
 * payload carry data; a FIN, and the ACKs after the first FIN that carry
 * nothing, close it; a RST resets it; any other empty segment is an ACK.
 */
export function tcpRoles(stream: readonly LabPacket[]): TcpRole[] {
  let synAckSeen = false;
  let handshakeDone = false;
  let finSeen = false;
  return stream.map((p): TcpRole => {
    const bits = p.flagBits;
    if ((bits & TCP_FLAGS.RST) !== 0) return 'reset';
    if ((bits & TCP_FLAGS.SYN) !== 0) {
      if ((bits & TCP_FLAGS.ACK) !== 0) synAckSeen = true;
      return 'handshake';
    }
    if ((bits & TCP_FLAGS.FIN) !== 0) {
      finSeen = true;
      return p.payload.length > 0 ? 'data' : 'close';
    }
    if (p.payload.length > 0) {
      handshakeDone = true;
      return 'data';
    }
    if (synAckSeen && !handshakeDone) {
      handshakeDone = true;
      return 'handshake';
    }
    return finSeen ? 'close' : 'ack';
  });
}
