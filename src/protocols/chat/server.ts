/**
 * The chat application: one room, shared by every listener it is attached
 * to (TCP, TLS, UDP, WebSocket alike), and an orderly shutdown that tells
 * every user before closing. The room may itself be shared with other
 * processes (SharedRoom over a RoomBus); the server does not know.
 */
import { EventEmitter } from 'node:events';
import { DEFAULTS } from '../../constants.js';
import type { NetlabError } from '../../errors.js';
import { TRANSPORTS } from '../../transports/registry.js';
import type { Session } from '../../transports/session.js';
import type { ProtocolFactory } from '../protocol.js';
import { FanOutTurn } from '../turn-batch.js';
import type { ChatUserContext, UdpSeats } from './context.js';
import { CHAT_OPTIONS, type ChatServerEvents, type ChatServerOptions, type ResolvedChatOptions } from './options.js';
import { LocalRoom, type Room } from './room.js';
import { SHUTDOWN_NOTICE } from './text.js';
import { ChatUser } from './user.js';
import { TokenBucket } from './rate-limit.js';
import { validateOptions } from '../../util/validate.js';

export type { ChatServerEvents, ChatServerOptions, ResolvedChatOptions } from './options.js';

export class ChatServer extends EventEmitter<ChatServerEvents> {
  readonly room: Room;
  readonly options: ResolvedChatOptions;
  readonly #users = new Set<ChatUser>();
  readonly #context: ChatUserContext;
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
    const seats: UdpSeats = {
      take: () => this.takeUdpSeat(),
      release: () => this.releaseUdpSeat(),
      announceJoin: () => this.announceUdpJoin(),
    };
    // One turn per server: its users' batches share joined Buffers and are flushed together.
    const turn = new FanOutTurn();
    this.#context = Object.freeze({
      options: this.options,
      room: this.room,
      turn,
      udpSeats: seats,
      joined: (nickname: string, session: Session) => this.emit('joined', nickname, session),
      left: (nickname: string, session: Session) => this.emit('left', nickname, session),
      dropped: (session: Session, error: NetlabError) => this.emit('dropped', session, error),
      forget: (user: object) => this.#users.delete(user as ChatUser),
    });
  }

  /** The per-session protocol: attach it to as many servers/listeners as you like. */
  readonly protocol: ProtocolFactory = (session) => {
    const user = new ChatUser(this.#context, session);
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

  /**
   * Tells every user the server is closing, ends their connections, and
   * waits (at most `timeoutMs`) for them to go.
   */
  async shutdown(timeoutMs: number = DEFAULTS.chatCloseTimeoutMs): Promise<void> {
    this.#closing = true;
    const sessions = [...this.#users].map((u) => u.session);
    for (const user of [...this.#users]) user.close(SHUTDOWN_NOTICE);
    // A connectionless peer (UDP) has no close to wait for.
    const open = sessions.filter((s) => !s.closed && !TRANSPORTS[s.transport].connectionless);
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
