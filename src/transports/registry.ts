/**
 * Transports by scheme: `tcp`, `tls`, `udp`, `ws`. Callers look a driver up
 * here (or pass a `scheme://host:port` URL) instead of branching on names.
 */
import { UsageError } from '../errors.js';
import type { TransportName } from './session.js';
import { tcpTransport } from './tcp.js';
import { tlsTransport } from './tls.js';
import { udpTransport } from './udp.js';
import { wsTransport } from './ws.js';
import type { TransportDriver } from './types.js';

export const TRANSPORTS: Readonly<Record<TransportName, TransportDriver>> = Object.freeze({
  tcp: tcpTransport,
  tls: tlsTransport,
  udp: udpTransport,
  ws: wsTransport,
});

export const TRANSPORT_NAMES = Object.keys(TRANSPORTS) as TransportName[];

export function isTransportName(name: string): name is TransportName {
  return Object.hasOwn(TRANSPORTS, name);
}

/**
 * @throws UsageError for an unknown transport name
 */
export function transportFor(name: string): TransportDriver {
  if (!isTransportName(name)) {
    throw new UsageError(`unknown transport "${name}"; choose one of ${TRANSPORT_NAMES.join(', ')}`);
  }
  return TRANSPORTS[name];
}

/** A parsed `scheme://host:port[/path]` address. */
export interface TransportAddress {
  transport: TransportName;
  host: string;
  port: number;
  path: string | undefined;
}

/**
 * Parses `tcp://127.0.0.1:5000`, `ws://[::1]:8080/chat`...
 * @throws UsageError when the scheme, host or port is missing or wrong
 */
export function parseTransportUrl(url: string): TransportAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not an address like tcp://127.0.0.1:5000`);
  }
  const transport = transportFor(parsed.protocol.replace(/:$/, '')).name;
  const port = Number(parsed.port);
  if (parsed.hostname === '' || parsed.port === '' || !Number.isInteger(port)) {
    throw new UsageError(`"${url}" needs a host and a port, like ${transport}://127.0.0.1:5000`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { transport, host, port, path: parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : undefined };
}
