/**
 * Caps concurrent sessions (Twisted's LimitTotalConnectionsFactory): a peer
 * over the cap is told why and closed at once; everyone else is untouched.
 */
import { ERROR_CODES, LimitError } from '../errors.js';
import type { Protocol, ProtocolFactory } from '../protocols/protocol.js';
import type { Session } from '../transports/session.js';

const REFUSED: Protocol = Object.freeze({ dataReceived: () => undefined, endReceived: () => undefined });

/**
 * @param max sessions allowed at once (>= 1)
 * @param onRefused told of each refused session, after it was closed
 */
export function limitConnections(inner: ProtocolFactory, max: number, onRefused?: (session: Session, error: LimitError) => void): ProtocolFactory {
  let live = 0;
  // One function for every session, not a closure each.
  const onClose = (): void => {
    live -= 1;
  };
  return (session) => {
    if (live >= max) {
      const error = new LimitError(ERROR_CODES.TOO_MANY_CONNECTIONS, `server is full (${max} connections, the --max-conns limit); try again later`);
      session.fail(error);
      onRefused?.(session, error);
      return REFUSED;
    }
    live += 1;
    session.on('close', onClose);
    return inner(session);
  };
}
