/**
 * Raw client links of the load generator, one per transport. They sit on
 * node:net, node:tls, node:dgram and ws directly (not on the Session layer)
 * so the generator adds as little as possible to what it measures: each
 * received chunk is reported as a byte count (streams) or one message
 * (datagrams, WebSocket messages); the payload is never copied.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import { type ErrorContext } from '../errors.js';
import { waitUntilReady } from '../transports/connect-timeout.js';
import { formatHostPort } from '../util/endpoint.js';

/** Transports the load generator speaks. */
export const LOAD_TRANSPORTS = ['tcp', 'tls', 'udp', 'ws'] as const;
export type LoadTransport = (typeof LOAD_TRANSPORTS)[number];

/** Where and how to connect. */
export interface LinkTarget {
  transport: LoadTransport;
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** tls: skip certificate verification (lab servers with ephemeral certificates). */
  insecure?: boolean;
  /** tls: SNI name and the name the certificate must match. */
  servername?: string;
}

/** Callbacks a link calls; bound once per connection, never per message. */
export interface LinkHandlers {
  /** Stream transports: `n` more bytes arrived. */
  bytes(n: number): void;
  /** Message transports: one datagram/message of `n` bytes arrived. */
  message(n: number): void;
  /** The socket may take more after write() said false. */
  drain(): void;
  error(err: Error): void;
  close(): void;
}

/** One open client connection. */
export interface Link {
  /** True when every read is a whole message (udp, ws), false for byte streams. */
  readonly messages: boolean;
  /** Sends `payload`; false means "stop until drain()" (stream backpressure). */
  write(payload: Buffer): boolean;
  destroy(): void;
}

const BINARY = Object.freeze({ binary: true });

/**
 * Opens one link.
 * @throws NetlabError explained for the user (refused, unknown host, TLS verification, timeout)
 */
export async function openLink(target: LinkTarget, on: LinkHandlers): Promise<Link> {
  const context: ErrorContext = { action: 'connect', transport: target.transport, host: target.host, port: target.port };
  switch (target.transport) {
    case 'tcp':
    case 'tls': {
      const socket =
        target.transport === 'tcp'
          ? net.connect({ host: target.host, port: target.port, noDelay: true })
          : tls.connect({
              host: target.host,
              port: target.port,
              rejectUnauthorized: target.insecure !== true,
              ...(target.servername !== undefined ? { servername: target.servername } : net.isIP(target.host) ? {} : { servername: target.host }),
            });
      socket.setNoDelay(true);
      await waitUntilReady(socket, target.transport === 'tcp' ? 'connect' : 'secureConnect', target.connectTimeoutMs, context, () => socket.destroy());
      socket.on('data', (chunk: Buffer) => on.bytes(chunk.length));
      socket.on('drain', () => on.drain());
      socket.on('error', (err) => on.error(err));
      socket.on('close', () => on.close());
      return { messages: false, write: (p) => socket.write(p), destroy: () => socket.destroy() };
    }
    case 'udp': {
      const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
      socket.connect(target.port, target.host);
      await waitUntilReady(socket, 'connect', target.connectTimeoutMs, context, () => socket.close());
      socket.on('message', (msg: Buffer) => on.message(msg.length));
      socket.on('error', (err) => on.error(err));
      socket.on('close', () => on.close());
      // dgram has no backpressure signal; the closed loop bounds datagrams in flight.
      return {
        messages: true,
        write: (p) => (socket.send(p), true),
        destroy: () => {
          try {
            socket.close();
          } catch {
            // already closed
          }
        },
      };
    }
    case 'ws': {
      const ws = new WebSocket(`ws://${formatHostPort(target.host, target.port)}/`, { perMessageDeflate: false });
      await waitUntilReady(ws, 'open', target.connectTimeoutMs, context, () => ws.terminate());
      ws.on('message', (data: Buffer) => on.message(data.length));
      ws.on('error', (err) => on.error(err));
      ws.on('close', () => on.close());
      // ws queues internally; the closed loop bounds what is queued to pipeline x size.
      return { messages: true, write: (p) => (ws.send(p, BINARY), true), destroy: () => ws.terminate() };
    }
  }
}
