/**
 * The push-producer rule every protocol follows: when a write says the peer
 * is not keeping up, stop reading from that peer until its buffer drains, so
 * a slow reader can never make us buffer without bound.
 */
import type { Session } from '../transports/session.js';

const waitingForDrain = new WeakSet<Session>();

function resumeOnDrain(this: Session): void {
  waitingForDrain.delete(this);
  this.resume();
}

/**
 * Writes `data`; if the session's buffer is over its high-water mark, pauses
 * reading until 'drain'.
 * @returns the value of session.write()
 */
export function writeOrPause(session: Session, data: Uint8Array): boolean {
  const ok = session.write(data);
  if (!ok && !session.closed && !waitingForDrain.has(session)) {
    waitingForDrain.add(session);
    session.pause();
    session.once('drain', resumeOnDrain);
  }
  return ok;
}
