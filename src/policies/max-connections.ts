/**
 * Caps concurrent sessions (Twisted's LimitTotalConnectionsFactory): a peer
 * over the cap is told why and closed at once; everyone else is untouched.
 *
 * The cap is a pool of seats shared with the listener: a transport with a
 * phase before a session exists (a TLS handshake) seats the socket itself
 * while that phase lasts, and hands the seat over as the session starts; a
 * UDP peer is seated by its listener only once it has proven itself
 * (Session.proven), so datagrams from forged addresses cost no seat.
 */
import { ERROR_CODES, LimitError } from '../errors.js';
import type { Protocol, ProtocolFactory } from '../protocols/protocol.js';
import type { Session } from '../transports/session.js';
import type { Seats } from '../transports/types.js';

const REFUSED: Protocol = Object.freeze({ dataReceived: () => undefined, endReceived: () => undefined });

/** A counted pool of connection seats (the --max-conns limit). */
export class ConnectionSeats implements Seats {
  readonly max: number;
  #taken = 0;

  /** @param max seats (>= 1) */
  constructor(max: number) {
    this.max = max;
  }

  /** Seats in use. */
  get taken(): number {
    return this.#taken;
  }

  take(): boolean {
    if (this.#taken >= this.max) return false;
    this.#taken += 1;
    return true;
  }

  release(): void {
    if (this.#taken > 0) this.#taken -= 1;
  }

  /** The error a peer is refused with when no seat is free. */
  refusal(): LimitError {
    return tooMany(this.max);
  }
}

/** The "server is full" error of a cap of `max` connections. */
export function tooMany(max: number): LimitError {
  return new LimitError(ERROR_CODES.TOO_MANY_CONNECTIONS, `server is full (${max} connections, the --max-conns limit); try again later`);
}

/**
 * @param seats the shared seats (or a cap, for a pool of its own)
 * @param onRefused told of each refused session, after it was closed
 */
export function limitConnections(inner: ProtocolFactory, seats: number | Seats, onRefused?: (session: Session, error: LimitError) => void): ProtocolFactory {
  const pool = typeof seats === 'number' ? new ConnectionSeats(seats) : seats;
  // One function for every session, not a closure each.
  const onClose = (): void => {
    pool.release();
  };
  return (session) => {
    // An unproven UDP peer is seated by its listener once it proves itself.
    if (!session.proven) return inner(session);
    if (!pool.take()) {
      const error = tooMany(pool.max);
      session.fail(error);
      onRefused?.(session, error);
      return REFUSED;
    }
    session.on('close', onClose);
    return inner(session);
  };
}
