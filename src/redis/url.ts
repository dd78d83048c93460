/**
 * `--redis redis://HOST:PORT[/DB]`: the one parser of Redis URLs, checked
 * once when a command starts (a bad URL is a usage error, exit 2, never a
 * reconnect loop against a host that cannot exist).
 */
import { UsageError } from '../errors.js';
import { describeValue } from '../util/validate.js';
import { formatHostPort } from '../util/endpoint.js';

/** Redis's own default port, for `redis://HOST` without one. */
export const REDIS_DEFAULT_PORT = 6379;

/** A parsed Redis URL. */
export interface RedisEndpoint {
  host: string;
  port: number;
  /** Logical database (SELECT). It scopes keys; the link also puts it in channel names, so rooms on different DBs stay apart. */
  db: number;
  username?: string;
  password?: string;
  /** `HOST:PORT` as log lines show it (`[::1]:6379` for IPv6). */
  label: string;
}

const SHAPE = 'a Redis URL looks like redis://HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0';

/**
 * Parses `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`.
 * @param url the URL as the user typed it
 * @param name how messages name it (default `options.redis`, shown as `--redis` by the CLI)
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT for another scheme
 *   (`rediss://` included: TLS to Redis is not supported), a missing host,
 *   a bad port, a DB that is not a whole number, or a query or fragment
 */
export function parseRedisUrl(url: unknown, name = 'options.redis'): RedisEndpoint {
  if (typeof url !== 'string') throw new UsageError(`${name} must be a string; ${SHAPE}, got ${describeValue(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${name} ${describeValue(url)} is not a URL; ${SHAPE}`);
  }
  if (parsed.protocol === 'rediss:') throw new UsageError(`${name} ${describeValue(url)}: TLS to Redis (rediss://) is not supported; ${SHAPE}`);
  if (parsed.protocol !== 'redis:') throw new UsageError(`${name} ${describeValue(url)} is not a redis:// URL; ${SHAPE}`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UsageError(`${name} ${describeValue(url)} names no host; ${SHAPE}`);
  if (parsed.search !== '' || parsed.hash !== '') throw new UsageError(`${name} ${describeValue(url)} has a query or fragment, which netlab does not read; ${SHAPE}`);
  // URL drops the default port of known schemes only; redis: has none, so "" means "not given".
  const port = parsed.port === '' ? REDIS_DEFAULT_PORT : Number(parsed.port);
  if (port < 1 || port > 65535) throw new UsageError(`${name} ${describeValue(url)}: port must be 1-65535; ${SHAPE}`);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,9}$/.test(path)) throw new UsageError(`${name} ${describeValue(url)}: the database after the / must be a whole number, e.g. /0; ${SHAPE}`);
  const endpoint: RedisEndpoint = { host, port, db: path === '' ? 0 : Number(path), label: formatHostPort(host, port) };
  if (parsed.username !== '') endpoint.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') endpoint.password = decodeURIComponent(parsed.password);
  return endpoint;
}
