/**
 * A protocol is the per-session application logic (echo, chat, relay), built
 * by a factory once per session: Twisted's Factory.buildProtocol. It reacts to
 * the session's events and writes back through the session; it never sees a
 * socket.
 */
import { ERROR_CODES, NetlabError } from '../errors.js';
import type { Session } from '../transports/session.js';

export interface Protocol {
  /** A chunk (stream) or one datagram/message (message framing). */
  dataReceived(chunk: Buffer): void;
  /** The peer half-closed: it sends no more but may still read. Default: end our side too. */
  endReceived?(): void;
  /** The session is gone; release timers and state. */
  connectionLost?(): void;
}

/** Builds one protocol instance for one session. */
export type ProtocolFactory = (session: Session) => Protocol;

const kProtocol = Symbol('netlab.protocol');
type SessionWithProtocol = Session & { [kProtocol]?: Protocol };

/**
 * A throwing handler is a bug, but it must cost one session, never the
 * server: Twisted's reactor does the same around dataReceived.
 */
function handlerFailed(session: Session, err: unknown): void {
  session.destroy(new NetlabError(ERROR_CODES.INTERNAL, `internal error in the protocol handler: ${(err as Error).message}`, { cause: err }));
}

function guarded(session: SessionWithProtocol, call: (protocol: Protocol) => void): void {
  const protocol = session[kProtocol];
  if (protocol === undefined) return;
  try {
    call(protocol);
  } catch (err) {
    handlerFailed(session, err);
  }
}

// The per-chunk path: no closure per call (this runs for every datagram).
function sessionOnData(this: SessionWithProtocol, chunk: Buffer): void {
  const protocol = this[kProtocol];
  if (protocol === undefined) return;
  try {
    protocol.dataReceived(chunk);
  } catch (err) {
    handlerFailed(this, err);
  }
}

function sessionOnEnd(this: SessionWithProtocol): void {
  guarded(this, (protocol) => {
    if (protocol.endReceived !== undefined) protocol.endReceived();
    else this.end();
  });
}

function sessionOnClose(this: SessionWithProtocol): void {
  guarded(this, (protocol) => protocol.connectionLost?.());
  delete this[kProtocol];
}

/**
 * Builds the protocol for a session and connects it to the session's events.
 * Called once per session by the server (or by a client wanting the same logic).
 */
export function attachProtocol(session: Session, factory: ProtocolFactory): void {
  const target = session as SessionWithProtocol;
  try {
    target[kProtocol] = factory(session);
  } catch (err) {
    session.destroy(new NetlabError(ERROR_CODES.INTERNAL, `internal error building the protocol: ${(err as Error).message}`, { cause: err }));
    return;
  }
  if (session.closed) return;
  session.on('data', sessionOnData);
  session.on('end', sessionOnEnd);
  session.on('close', sessionOnClose);
}
