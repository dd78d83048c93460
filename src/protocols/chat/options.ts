/**
 * ChatServer's options and events: what a chat user is configured with,
 * apart from the server that accepted it (the user reads them from its
 * context, never from the server).
 */
import { DEFAULTS } from '../../constants.js';
import type { NetlabError } from '../../errors.js';
import type { Session } from '../../transports/session.js';
import type { Room } from './room.js';
import { numberAtLeast, nonNegativeMs, optional, positiveInteger, requiredFunction, requiredObject, withDefault, type Checker } from '../../util/validate.js';

export interface ChatServerOptions {
  /** The room; default a LocalRoom of `maxUsers`. */
  room?: Room;
  /**
   * Users in the room at once, on this server (this process). With a room
   * shared across processes (`--redis`) each node caps its own users: the
   * cap protects this process's memory and descriptors. Default 1024.
   */
  maxUsers?: number;
  /** Longest line, in bytes. Default 4096. */
  maxLineBytes?: number;
  /** Longest nickname, in characters. Default 32. */
  nicknameMaxChars?: number;
  /** Rate limit: lines per second per user; 0 turns the limit off. Default 20. */
  linesPerSecond?: number;
  /** Rate limit: burst of lines. Default 40. */
  lineBurst?: number;
  /** Bytes that may wait for a slow reader before it is cut off. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** A reader whose socket stays full this long is cut off, in ms. Default 5000. */
  drainTimeoutMs?: number;
  /**
   * TCP/TLS: a partial line a user sends nothing after for this long is taken
   * as a line (nickname or chat), in milliseconds; 0 waits for the line end.
   * Default 200.
   */
  partialLineIdleMs?: number;
  /** Clock for the rate limit (tests). Default Date.now. */
  now?: () => number;
  /** UDP users in the room at once, within maxUsers (UDP sources can be forged). Default 64. */
  maxUdpUsers?: number;
}

export type ResolvedChatOptions = Readonly<Required<Omit<ChatServerOptions, 'room'>>>;

export interface ChatServerEvents {
  /** A user of this server joined the room (users of other nodes are not reported here). */
  joined: [nickname: string, session: Session];
  /** A user of this server left the room. */
  left: [nickname: string, session: Session];
  /** A user cut off for a reason of its own (too slow a reader). */
  dropped: [session: Session, error: NetlabError];
}

/** ChatServer's options, checked once (a key added to ChatServerOptions must be added here too). */
export const CHAT_OPTIONS = {
  room: optional(requiredObject),
  maxUsers: withDefault(positiveInteger, DEFAULTS.chatMaxUsers),
  maxLineBytes: withDefault(positiveInteger, DEFAULTS.chatMaxLineBytes),
  nicknameMaxChars: withDefault(positiveInteger, DEFAULTS.nicknameMaxChars),
  linesPerSecond: withDefault(numberAtLeast(0, 'lines a second'), DEFAULTS.chatLinesPerSecond),
  lineBurst: withDefault(numberAtLeast(1, 'lines'), DEFAULTS.chatLineBurst),
  maxQueuedBytes: withDefault(positiveInteger, DEFAULTS.maxQueuedBytesPerClient),
  drainTimeoutMs: withDefault(nonNegativeMs, DEFAULTS.drainTimeoutMs),
  partialLineIdleMs: withDefault(nonNegativeMs, DEFAULTS.partialLineIdleMs),
  now: withDefault(requiredFunction, Date.now),
  maxUdpUsers: withDefault(positiveInteger, DEFAULTS.chatMaxUdpUsers),
} satisfies Record<keyof ChatServerOptions, Checker<unknown>>;
