/**
 * The chat room behind a small interface: what a user needs from its room.
 * The protocol code only ever talks to a `Room`; `LocalRoom` keeps members
 * in this process, with nothing else to pay for (the default). A room that
 * several processes serve (`SharedRoom`, over a `RoomBus`: in-process or
 * Redis) implements the same four calls and plugs in without touching the
 * protocol.
 */
import { DEFAULTS } from '../../constants.js';
import { nicknameKey } from './nickname.js';
import { SharedLine } from './shared-line.js';
import { positiveInteger } from '../../util/validate.js';

/** One user as the room sees it: a name and a way to hand it a line. */
export interface RoomMember {
  readonly nickname: string;
  /**
   * Queues one line (without line ending) for this user. Must not throw.
   * @param shared the same line encoded once for all receivers of a broadcast
   */
  deliver(line: string, shared?: SharedLine): void;
  /**
   * The room took this member out because its name now belongs to a user of
   * another process (claimed there while this one was cut off from the
   * room): the member tells its user and goes. Optional; must not throw.
   */
  nameLost?(): void;
}

export type JoinResult = 'joined' | 'taken' | 'full';

export interface Room {
  /**
   * Claims the member's nickname (case-insensitively unique) and adds it.
   * May be asynchronous for rooms that ask a broker.
   */
  join(member: RoomMember): JoinResult | Promise<JoinResult>;
  /** Removes the member; unknown members are ignored. */
  leave(member: RoomMember): void;
  /** Hands `line` to every member except `from` (when given), in join order. */
  broadcast(line: string, from?: RoomMember): void;
  /**
   * Nicknames present, in join order. A room shared across processes answers
   * from its roster (this process's copy of who is in the room, kept by the
   * same messages that announce joins and leaves), so `/who` costs no round
   * trip and agrees with the announcements the user has seen.
   */
  who(): string[];
}

export interface LocalRoomOptions {
  /** Most members at once. Default 1024. */
  maxUsers?: number;
}

/** A room in this process: a Map in join order. */
export class LocalRoom implements Room {
  readonly maxUsers: number;
  readonly #members = new Map<string, RoomMember>();

  /** @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when maxUsers is not a positive integer */
  constructor(options: LocalRoomOptions = {}) {
    this.maxUsers = options.maxUsers ?? DEFAULTS.chatMaxUsers;
    positiveInteger(this.maxUsers, 'options.maxUsers');
  }

  get size(): number {
    return this.#members.size;
  }

  /** @returns the member whose nickname has this key (nicknameKey()), if any */
  member(key: string): RoomMember | undefined {
    return this.#members.get(key);
  }

  /** Whether `member` itself (not just its name) is in the room. */
  has(member: RoomMember): boolean {
    return this.#members.get(nicknameKey(member.nickname)) === member;
  }

  join(member: RoomMember): JoinResult {
    const key = nicknameKey(member.nickname);
    if (this.#members.has(key)) return 'taken';
    if (this.#members.size >= this.maxUsers) return 'full';
    this.#members.set(key, member);
    return 'joined';
  }

  leave(member: RoomMember): void {
    const key = nicknameKey(member.nickname);
    if (this.#members.get(key) === member) this.#members.delete(key);
  }

  broadcast(line: string, from?: RoomMember): void {
    // One encoding for everyone. No copy of the members: a Map iterator
    // survives deletions (a member cut off while delivering is skipped), and
    // nobody can join synchronously from inside deliver().
    const shared = new SharedLine(line);
    for (const member of this.#members.values()) {
      if (member !== from) member.deliver(line, shared);
    }
  }

  who(): string[] {
    return [...this.#members.values()].map((m) => m.nickname);
  }
}
