/**
 * The client entry point: open a session to `tcp://`, `tls://`, `udp://` or
 * `ws://` HOST:PORT with the same Session shape servers hand to protocols.
 */
import { DEFAULTS } from '../constants.js';
import { parseTransportUrl, transportFor } from '../transports/registry.js';
import type { Session, TransportName } from '../transports/session.js';
import type { TlsOptions, WireTap } from '../transports/types.js';
import { TRANSPORT_NAMES } from '../transports/registry.js';
import { nonEmptyString, oneOf, optional, port, positiveSeconds, requiredObject, stringValue, validateOptions, type Checker } from '../util/validate.js';

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

/** connect()'s options, checked once (a key added to ConnectOptions must be added here too). */
const CONNECT_OPTIONS = {
  transport: oneOf(TRANSPORT_NAMES),
  host: nonEmptyString,
  port,
  timeoutSeconds: optional(positiveSeconds),
  tls: optional(requiredObject),
  path: optional(stringValue),
  tap: optional(requiredObject),
} satisfies Record<keyof ConnectOptions, Checker<unknown>>;

/** The extra options next to a URL: any of them, none required. */
const PARTIAL_CONNECT_OPTIONS = Object.fromEntries(
  Object.entries(CONNECT_OPTIONS).map(([key, check]) => [key, optional(check as Checker<unknown>)]),
) as { [K in keyof typeof CONNECT_OPTIONS]: Checker<ReturnType<(typeof CONNECT_OPTIONS)[K]> | undefined> };

/**
 * Opens a session.
 * @param target `tcp://127.0.0.1:5000`-style URL, or the options themselves
 * @param options extra options when `target` is a URL
 * @throws (the promise rejects) UsageError NETLAB_ERR_INVALID_ARGUMENT for a
 *   bad URL or a missing or bad option; NetlabError (refused, unknown host, TLS
 *   verification, timeout)
 */
export async function connect(target: string | ConnectOptions, options: Partial<ConnectOptions> = {}): Promise<Session> {
  const resolved = validateOptions(
    typeof target === 'string' ? { ...validateOptions(options, 'options', PARTIAL_CONNECT_OPTIONS), ...withoutPath(parseTransportUrl(target)) } : target,
    'options',
    CONNECT_OPTIONS,
  ) as ConnectOptions;
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
