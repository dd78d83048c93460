/**
 * A refused connection names the server to start. The transport layer can
 * only suggest `netlab serve`, the echo server; a chat or IM client knows it
 * needs `netlab chat serve` or `netlab im serve` instead, and says so.
 */
import { ERROR_CODES, NetworkError } from '../errors.js';
import { formatHostPort } from '../util/endpoint.js';

/**
 * Rewrites a NETLAB_ERR_CONNECTION_REFUSED error to suggest `startCommand`;
 * any other error is returned unchanged.
 *
 * @param err what the connect attempt failed with
 * @param what the kind of server that was expected, e.g. `a chat server`
 * @param startCommand the command that starts one on that port
 */
export function withServerHint(err: unknown, host: string, port: number, what: string, startCommand: string): unknown {
  if (!(err instanceof NetworkError) || err.code !== ERROR_CODES.CONNECTION_REFUSED) return err;
  return new NetworkError(
    ERROR_CODES.CONNECTION_REFUSED,
    `connection refused by ${formatHostPort(host, port)} (ECONNREFUSED); is ${what} listening there? Start one with: ${startCommand}`,
    { cause: err.cause ?? err },
  );
}
