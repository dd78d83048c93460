/**
 * Closes sessions with no traffic in either direction for a while (Twisted's
 * TimeoutMixin). One timer per session, re-armed lazily: activity only
 * updates a timestamp (Session.stats.lastActivityMs), and the timer, when it
 * fires early, sleeps again for the remainder instead of being reset on every
 * byte.
 */
import { ERROR_CODES, TimeoutError } from '../errors.js';
import type { ProtocolFactory } from '../protocols/protocol.js';
import type { Session } from '../transports/session.js';

/**
 * @param seconds idle time allowed; 0 or less disables the policy
 */
export function idleTimeout(inner: ProtocolFactory, seconds: number): ProtocolFactory {
  if (!(seconds > 0)) return inner;
  const limitMs = seconds * 1000;
  return (session) => {
    const protocol = inner(session);
    if (!session.closed) watch(session, limitMs);
    return protocol;
  };
}

function watch(session: Session, limitMs: number): void {
  const check = (): void => {
    const idleMs = Date.now() - session.stats.lastActivityMs;
    if (idleMs >= limitMs) {
      session.destroy(new TimeoutError(`no traffic for ${limitMs / 1000} s (the --idle-timeout limit)`, { code: ERROR_CODES.IDLE_TIMEOUT }));
      return;
    }
    timer = setTimeout(check, limitMs - idleMs);
    timer.unref();
  };
  let timer = setTimeout(check, limitMs);
  timer.unref();
  session.on('close', () => clearTimeout(timer));
}
