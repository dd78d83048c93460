/**
 * A room that several processes serve: this process's users in a LocalRoom
 * (the same fan-out, queues and batching as a room of one process), the
 * other nodes through a RoomBus, and a roster of everyone.
 *
 * A line a user here says goes to the users here at once, then to the bus,
 * once; a line from the bus goes to the users here. So a user's lines reach
 * this node's users without waiting for the bus (and while it is cut off),
 * and the other nodes' users in the order the bus carries them.
 *
 * The roster is this node's copy of who is in the room: its own users, and
 * the other nodes' as the bus reported them (each join and leave, and the
 * whole roster when the bus (re)connects). `/who` reads it, so it costs no
 * round trip and lists everyone a user has been told of. A node that dies
 * cannot say its users left: the bus notices (nodeGone) and every node tells
 * its own users, so each user hears it once.
 *
 * maxUsers caps this node's users (memory and descriptors are per process);
 * the room as a whole holds the sum.
 */
import { DEFAULTS } from '../../constants.js';
import { nicknameKey } from './nickname.js';
import { LocalRoom, type JoinResult, type Room, type RoomMember } from './room.js';
import type { ClaimResult, RoomBus, RoomBusListener, RosterEntry } from './room-bus.js';
import * as text from './text.js';
import { positiveInteger } from '../../util/validate.js';

export interface SharedRoomOptions {
  /** The other nodes. */
  bus: RoomBus;
  /** Users of this node at once. Default 1024. */
  maxUsers?: number;
}

/** A roster row: `node` is '' for this node's users. */
interface Listed {
  nickname: string;
  node: string;
  /** The roster change count when it was added (see mark()). */
  since: number;
}

const HERE = '';

export class SharedRoom implements Room, RoomBusListener {
  readonly maxUsers: number;
  readonly #local: LocalRoom;
  readonly #bus: RoomBus;
  /** Everyone, in the order this node learnt of them. */
  readonly #roster = new Map<string, Listed>();
  /** Names of users here whose claim the bus is still deciding. */
  readonly #claiming = new Set<string>();
  /** Roster changes so far (mark() and roster() compare them). */
  #changes = 0;
  /** While the bus reads the roster: names that left meanwhile, with the change count. */
  #departed: Map<string, number> | undefined;
  /** Left the bus: what happens here from now on stays here. */
  #closed = false;

  /** @throws UsageError NETLAB_ERR_INVALID_ARGUMENT when maxUsers is not a positive integer */
  constructor(options: SharedRoomOptions) {
    this.maxUsers = options.maxUsers ?? DEFAULTS.chatMaxUsers;
    positiveInteger(this.maxUsers, 'options.maxUsers');
    this.#local = new LocalRoom({ maxUsers: this.maxUsers });
    this.#bus = options.bus;
    this.#bus.attach(this);
  }

  /** Users of this node in the room. */
  get size(): number {
    return this.#local.size;
  }

  join(member: RoomMember): JoinResult | Promise<JoinResult> {
    const key = nicknameKey(member.nickname);
    if (this.#roster.has(key) || this.#claiming.has(key)) return 'taken';
    if (this.#local.size + this.#claiming.size >= this.maxUsers) return 'full';
    if (this.#closed) return this.#claimed(member, key, 'claimed');
    this.#claiming.add(key);
    const claim = this.#bus.claim(member.nickname);
    if (typeof claim === 'string') return this.#claimed(member, key, claim);
    return claim.then(
      (result) => this.#claimed(member, key, result),
      () => this.#claimed(member, key, 'taken'),
    );
  }

  #claimed(member: RoomMember, key: string, result: ClaimResult): JoinResult {
    this.#claiming.delete(key);
    // Another node's user of that name may have been reported meanwhile.
    if (result === 'taken' || this.#roster.has(key)) {
      if (result === 'claimed' && !this.#closed) this.#bus.release(member.nickname);
      return 'taken';
    }
    const joined = this.#local.join(member);
    if (joined === 'joined') this.#list(key, member.nickname, HERE);
    else if (!this.#closed) this.#bus.release(member.nickname);
    return joined;
  }

  leave(member: RoomMember): void {
    if (!this.#local.has(member)) return;
    this.#local.leave(member);
    this.#unlist(nicknameKey(member.nickname), HERE);
    if (!this.#closed) this.#bus.release(member.nickname);
  }

  broadcast(line: string, from?: RoomMember): void {
    this.#local.broadcast(line, from);
    if (!this.#closed) this.#bus.publish(line);
  }

  who(): string[] {
    return [...this.#roster.values()].map((listed) => listed.nickname);
  }

  /**
   * Leaves the bus: the other nodes announce this node's users as left, and
   * from now on the room is this node's alone (a server shutting down closes
   * it before telling its users goodbye). Idempotent.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return this.#bus.close();
  }

  // RoomBusListener: what the bus says about the other nodes.

  /** @internal */
  said(line: string): void {
    this.#local.broadcast(line);
  }

  /** @internal */
  entered(nickname: string, node: string, announce: boolean): void {
    const key = nicknameKey(nickname);
    const listed = this.#roster.get(key);
    if (listed !== undefined && listed.node === HERE) return; // ours: its claim decides (lost() if refused)
    this.#changes += 1;
    if (listed !== undefined) {
      listed.node = node;
      return;
    }
    this.#list(key, nickname, node);
    if (announce) this.#local.broadcast(text.entered(nickname));
  }

  /** @internal */
  left(nickname: string, node: string, announce: boolean): void {
    const key = nicknameKey(nickname);
    this.#changes += 1;
    this.#departed?.set(key, this.#changes);
    if (this.#unlist(key, node) && announce) this.#local.broadcast(text.left(nickname));
  }

  /** @internal */
  nodeUsers(node: string, nicknames: readonly string[]): void {
    if (node === HERE) return;
    const listed = new Set(nicknames.map(nicknameKey));
    for (const [key, entry] of this.#roster) {
      if (entry.node === node && !listed.has(key)) this.left(entry.nickname, node, true);
    }
    for (const nickname of nicknames) this.entered(nickname, node, true);
  }

  /** @internal */
  nodeGone(node: string): void {
    if (node === HERE) return;
    // A Map iterator survives the deletions left() makes.
    for (const listed of this.#roster.values()) {
      if (listed.node === node) this.left(listed.nickname, node, true);
    }
  }

  /** @internal */
  mark(): number {
    this.#departed ??= new Map();
    return this.#changes;
  }

  /** @internal */
  roster(entries: readonly RosterEntry[], announce: boolean, mark: number, live: ReadonlySet<string>): void {
    const departed = this.#departed;
    this.#departed = undefined;
    const read = new Map<string, RosterEntry>();
    for (const entry of entries) read.set(nicknameKey(entry.nickname), entry);
    // Users of live nodes not in what was read, and not reported since the mark, are gone.
    for (const [key, listed] of this.#roster) {
      if (listed.node === HERE || read.has(key) || listed.since > mark || !live.has(listed.node)) continue;
      this.#roster.delete(key);
      if (announce) this.#local.broadcast(text.left(listed.nickname));
    }
    for (const [key, entry] of read) {
      if ((departed?.get(key) ?? 0) > mark) continue; // it left after it was read
      const listed = this.#roster.get(key);
      if (listed === undefined) {
        this.#list(key, entry.nickname, entry.node);
        if (announce) this.#local.broadcast(text.entered(entry.nickname));
      } else if (listed.node !== HERE) {
        listed.node = entry.node;
      }
    }
  }

  /** @internal */
  localNicknames(): string[] {
    const names: string[] = [];
    for (const listed of this.#roster.values()) if (listed.node === HERE) names.push(listed.nickname);
    return names;
  }

  /** @internal */
  lost(nickname: string): void {
    const key = nicknameKey(nickname);
    const listed = this.#roster.get(key);
    if (listed === undefined || listed.node !== HERE) return;
    const member = this.#local.member(key);
    this.#roster.delete(key);
    if (member === undefined) return;
    this.#local.leave(member);
    member.nameLost?.();
  }

  /** @internal */
  remoteNodes(): string[] {
    const nodes = new Set<string>();
    for (const listed of this.#roster.values()) if (listed.node !== HERE) nodes.add(listed.node);
    return [...nodes];
  }

  #list(key: string, nickname: string, node: string): void {
    this.#roster.set(key, { nickname, node, since: ++this.#changes });
  }

  /** @returns whether `key` was listed as a user of `node` (and now is not) */
  #unlist(key: string, node: string): boolean {
    const listed = this.#roster.get(key);
    if (listed === undefined || listed.node !== node) return false;
    this.#roster.delete(key);
    return true;
  }
}
