/**
 * The chat application: one room, shared by every listener it is attached
 * to (TCP, TLS, UDP, WebSocket alike), and an orderly shutdown that tells
 * every user before closing.
 */
import { EventEmitter } from 'node:events';
import { DEFAULTS } from '../../constants.js';
import type { NetlabError } from '../../errors.js';
import type { Session } from '../../transports/session.js';
import type { ProtocolFactory } from '../protocol.js';
import { LocalRoom, type Room } from './room.js';
import { SHUTDOWN_NOTICE } from './text.js';
import { ChatUser } from './user.js';
import { TokenBucket } from './rate-limit.js';
import { numberAtLeast, nonNegativeMs, optional, positiveInteger, requiredFunction, requiredObject, validateOptions, withDefault, type Checker } from '../../util/validate.js';

export interface ChatServerOptions {
  /** The room; default a LocalRoom of `maxUsers`. */
  room?: Room;
  /** Default 1024. */
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
  joined: [nickname: string, session: Session];
  left: [nickname: string, session: Session];
  /** A user cut off for a reason of its own (too slow a reader). */
  dropped: [session: Session, error: NetlabError];
}

/** ChatServer's options, checked once (a key added to ChatServerOptions must be added here too). */
const CHAT_OPTIONS = {
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

export class ChatServer extends EventEmitter<ChatServerEvents> {
  readonly room: Room;
  readonly options: ResolvedChatOptions;
  readonly #users = new Set<ChatUser>();
  #closing = false;
  /** UDP users in the room (they count against maxUdpUsers). */
  #udpUsers = 0;
  /** Room-wide allowance of UDP join announcements: a flood of UDP joins is not broadcast to everyone. */
  #udpAnnouncements: TokenBucket | undefined;

  /**
   * @param options limits (see ChatServerOptions for defaults) and the room
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT (synchronously) for a
   *   limit that is not a number in range, or an unknown option key
   */
  constructor(options: ChatServerOptions = {}) {
    super();
    const { room, ...checked } = validateOptions(options, 'options', CHAT_OPTIONS, true);
    const maxUsers = checked.maxUsers;
    this.options = Object.freeze({ ...checked, now: checked.now as () => number });
    this.room = (room as Room | undefined) ?? new LocalRoom({ maxUsers });
  }

  /** The per-session protocol: attach it to as many servers/listeners as you like. */
  readonly protocol: ProtocolFactory = (session) => {
    const user = new ChatUser(this, session);
    if (this.#closing) user.close(SHUTDOWN_NOTICE);
    else this.#users.add(user);
    return user;
  };

  /** Sessions connected (named or not). */
  get connections(): number {
    return this.#users.size;
  }

  /** UDP users in the room. */
  get udpUsers(): number {
    return this.#udpUsers;
  }

  /**
   * @internal A UDP user with a valid nickname asks for one of the UDP seats.
   * @returns false when maxUdpUsers are in the room already
   */
  takeUdpSeat(): boolean {
    if (this.#udpUsers >= this.options.maxUdpUsers) return false;
    this.#udpUsers += 1;
    return true;
  }

  /** @internal */
  releaseUdpSeat(): void {
    if (this.#udpUsers > 0) this.#udpUsers -= 1;
  }

  /** @internal Whether this UDP join may be announced to the room now. */
  announceUdpJoin(): boolean {
    const rate = DEFAULTS.chatUdpJoinAnnouncementsPerSecond;
    this.#udpAnnouncements ??= new TokenBucket(rate, rate, this.options.now());
    return this.#udpAnnouncements.take(this.options.now());
  }

  /** @internal */
  forget(user: ChatUser): void {
    this.#users.delete(user);
  }

  /**
   * Tells every user the server is closing, ends their connections, and
   * waits (at most `timeoutMs`) for them to go.
   */
  async shutdown(timeoutMs: number = DEFAULTS.chatCloseTimeoutMs): Promise<void> {
    this.#closing = true;
    const sessions = [...this.#users].map((u) => u.session);
    for (const user of [...this.#users]) user.close(SHUTDOWN_NOTICE);
    const open = sessions.filter((s) => !s.closed && s.transport !== 'udp');
    if (open.length === 0) return;
    await new Promise<void>((resolve) => {
      let left = open.length;
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      for (const s of open) {
        s.once('close', () => {
          left -= 1;
          if (left === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
  }
}
