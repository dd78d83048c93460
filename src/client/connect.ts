/**
 * The client entry point: open a session to `tcp://`, `tls://`, `udp://` or
 * `ws://` HOST:PORT with the same Session shape servers hand to protocols.
 */
import { DEFAULTS } from '../constants.js';
import { parseTransportUrl, transportFor } from '../transports/registry.js';
import type { Session, TransportName } from '../transports/session.js';
import type { TlsOptions, WireTap } from '../transports/types.js';

export interface ConnectOptions {
  transport: TransportName;
  host: string;
  port: number;
  /** Connect/handshake timeout in seconds. Default 5. */
  timeoutSeconds?: number;
  tls?: TlsOptions;
  /** WebSocket request path. */
  path?: string;
  /** Records the session's traffic as it crossed the socket (e.g. a PcapTap). */
  tap?: WireTap;
}

/**
 * Opens a session.
 * @param target `tcp://127.0.0.1:5000`-style URL, or the options themselves
 * @param options extra options when `target` is a URL
 * @throws UsageError for a bad URL; NetlabError (refused, unknown host, TLS verification, timeout)
 */
export async function connect(target: string | ConnectOptions, options: Partial<ConnectOptions> = {}): Promise<Session> {
  const resolved: ConnectOptions =
    typeof target === 'string' ? { ...options, ...withoutPath(parseTransportUrl(target)) } : target;
  const driver = transportFor(resolved.transport);
  return driver.connect({
    host: resolved.host,
    port: resolved.port,
    tls: resolved.tls,
    path: resolved.path,
    tap: resolved.tap,
    timeoutMs: (resolved.timeoutSeconds ?? DEFAULTS.clientTimeoutSeconds) * 1000,
  });
}

function withoutPath(address: ReturnType<typeof parseTransportUrl>): ConnectOptions {
  const { path, ...rest } = address;
  return path === undefined ? rest : { ...rest, path };
}
