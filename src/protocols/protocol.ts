/**
 * A protocol is the per-session application logic (echo, chat, relay), built
 * by a factory once per session: Twisted's Factory.buildProtocol. It reacts to
 * the session's events and writes back through the session; it never sees a
 * socket.
 */
import type { Session } from '../transports/session.js';

export interface Protocol {
  /** A chunk (stream) or one datagram/message (message framing). */
  dataReceived(chunk: Buffer): void;
  /** The peer half-closed: it sends no more but may still read. */
  endReceived?(): void;
  /** The session is gone; release timers and state. */
  connectionLost?(): void;
}

/** Builds one protocol instance for one session. */
export type ProtocolFactory = (session: Session) => Protocol;

/**
 * Connects a protocol to a session's events. Called once per session by the
 * server (or by a client wanting the same logic).
 */
export function attachProtocol(session: Session, protocol: Protocol): void {
  session.on('data', (chunk) => protocol.dataReceived(chunk));
  session.on('end', () => {
    if (protocol.endReceived !== undefined) protocol.endReceived();
    else session.end();
  });
  session.once('close', () => protocol.connectionLost?.());
}
