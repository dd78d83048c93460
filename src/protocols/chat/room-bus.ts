/**
 * What a room needs from the world when several processes ("nodes") serve
 * it: a `RoomBus`. The room (SharedRoom) keeps its own users and a roster of
 * everyone; the bus carries lines and roster changes between nodes, claims
 * nicknames across them, and notices nodes that are gone.
 *
 * Two implementations: `InProcessRoomBus` (nodes in one process, for tests
 * and embedding) and `RedisChatBus` (src/redis/chat-room-bus.ts, `chat serve
 * --redis URL --room NAME`). Per-user queues, batching, the rate limit and
 * the slow-reader rule stay in the room and its users: a bus only ever sees
 * one call per line, never one per receiver.
 */

/** A claim's answer: the name is this node's now, or another node holds it. */
export type ClaimResult = 'claimed' | 'taken';

/** One user of another node, as a roster read from the bus lists it. */
export interface RosterEntry {
  readonly nickname: string;
  /** The node serving it (the bus's id for that node). */
  readonly node: string;
}

/** What a bus tells its room about the other nodes. Calls must not throw. */
export interface RoomBusListener {
  /** A line said on another node, for every user here. */
  said(line: string): void;
  /**
   * A user of `node` is in the room.
   * @param announce tell the users here it entered (its node was cut off
   *   from the room and is back; a fresh join's announcement is a line of its own)
   */
  entered(nickname: string, node: string, announce: boolean): void;
  /**
   * A user of `node` left.
   * @param announce tell the users here (its own node could not: it is gone)
   */
  left(nickname: string, node: string, announce: boolean): void;
  /**
   * These are all of `node`'s users (it says so when it is back after a
   * gap): its users not listed left, those not known here entered, both
   * announced here.
   */
  nodeUsers(node: string, nicknames: readonly string[]): void;
  /** `node` is gone (it died, or shut down): each of its users left, announced here. */
  nodeGone(node: string): void;
  /**
   * Marks the roster before the bus reads it whole; pass the mark to roster().
   * Changes that arrive between the two are newer than what is read.
   */
  mark(): number;
  /**
   * The other nodes' users as the bus read them (after connecting, and after
   * being cut off): the room adds those it did not know, and drops those of
   * live nodes that are not listed (they left while this node was not
   * listening). Users of nodes not known to be alive stay until the bus
   * says their node is gone: after Redis itself restarted, a node is
   * missing until it has come back too.
   * @param announce tell the users here of the joins and leaves it missed
   * @param live the nodes known to be alive (their users were read)
   */
  roster(entries: readonly RosterEntry[], announce: boolean, mark: number, live: ReadonlySet<string>): void;
  /** This node's nicknames (to claim again after a gap). */
  localNicknames(): string[];
  /** A name of this node's is another node's now (re-claim refused after a gap): its user must go. */
  lost(nickname: string): void;
  /** The nodes the roster has users of (besides this one), for the liveness check. */
  remoteNodes(): string[];
}

/** What a room needs from the world: the other nodes serving it. */
export interface RoomBus {
  /** Starts handing what the other nodes say to `listener`. Called once, by the room. */
  attach(listener: RoomBusListener): void;
  /**
   * Claims `nickname` for this node, unique case-insensitively across nodes,
   * and on success tells the other nodes' rosters. A bus cut off from the
   * others may grant it provisionally: it claims it again when it is back,
   * and calls lost() if another node holds it by then.
   */
  claim(nickname: string): ClaimResult | Promise<ClaimResult>;
  /** Gives a claimed name back and tells the other nodes' rosters it left. */
  release(nickname: string): void;
  /** Hands `line` to every user of every other node, after what this node published before. */
  publish(line: string): void;
  /** Leaves the room: the other nodes hear this node's users are gone. */
  close(): Promise<void>;
}
