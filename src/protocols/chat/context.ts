/**
 * What a chat user needs from the server that accepted it, and nothing
 * more: its options, its room, the room's fan-out turn, where to report,
 * the UDP seats, and how to be forgotten. The user never sees the server
 * (no import cycle, no getters reaching into it); a test or another server
 * can hand a user any object of this shape.
 */
import type { NetlabError } from '../../errors.js';
import type { Session } from '../../transports/session.js';
import type { FanOutTurn } from '../turn-batch.js';
import type { ResolvedChatOptions } from './options.js';
import type { Room } from './room.js';

/** The room-wide UDP bounds (UDP sources can be forged). */
export interface UdpSeats {
  /** @returns false when maxUdpUsers are in the room already */
  take(): boolean;
  release(): void;
  /** Whether a UDP join may be announced to the room now (a room-wide rate). */
  announceJoin(): boolean;
}

export interface ChatUserContext {
  readonly options: ResolvedChatOptions;
  readonly room: Room;
  /** The fan-out turn of this server's users: their batched lines are flushed together. */
  readonly turn: FanOutTurn;
  readonly udpSeats: UdpSeats;
  /** A user of this server joined the room. */
  joined(nickname: string, session: Session): void;
  /** A user of this server left the room. */
  left(nickname: string, session: Session): void;
  /** A user was cut off for a reason of its own. */
  dropped(session: Session, error: NetlabError): void;
  /** The user's connection is gone: drop every reference to it. */
  forget(user: object): void;
}
