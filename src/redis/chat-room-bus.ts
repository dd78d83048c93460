/**
 * The chat room's bus over Redis (`chat serve --redis URL --room NAME`): the
 * RoomBus a SharedRoom uses when its nodes are processes, on one machine or
 * many.
 *
 * Delivery: one pub/sub channel per room (`link.channel('chat:ROOM')`). A
 * node publishes everything over its one publisher connection, in order, and
 * Redis hands each message to every subscriber in the order it ran the
 * PUBLISHes: so every node gets every other node's lines once, each sender's
 * in the order it sent them; a node skips its own (it delivered them locally
 * already). That is at-most-once: what is published while a node is cut off
 * from Redis (or over the link's bound) is not replayed. Streams would give
 * replay, at the price of a log to trim and a de-duplication key per line;
 * a chat line minutes late is worth less than a bounded memory, so the room
 * says what it missed instead (the roster below is re-read and its changes
 * announced).
 *
 * Records on the channel (each one of the link's records):
 *
 *     byte 'S'  then UTF-8: a line for every user (said, entered, left)
 *     byte 'J'  then the nickname: a user of the origin node joined (roster only;
 *               its announcement is an 'S' of its own)
 *     byte 'U'  then nicknames separated by '\n': all the origin node's users,
 *               sent when it is back after a gap (the receivers announce the
 *               joins and leaves they missed)
 *     byte 'L'  then the nickname: a user of the origin node left (roster only)
 *     byte 'X'  the origin node is leaving the room (shutdown): its users left
 *
 * Membership (NicknameLeases): names are claimed atomically in Redis and
 * belong to their node while its lease lives. Every `renewMs` each node
 * renews its lease and checks the leases of the nodes its roster has users
 * of; a node whose lease is gone is dead, and each survivor announces that
 * node's users as left to its own users. A node noticed dead within
 * `leaseMs + renewMs` (8 s by default; the contract asks for 15).
 *
 * Faults: while the link is down, lines go to local users only (the link
 * drops and counts what was for others), claims are granted provisionally
 * (unique on this node only), and nothing waits on Redis. When it is back
 * the node renews its lease, claims its users' names again and gives back
 * those of users who left meanwhile (a name taken meanwhile on another node
 * costs the local user its connection, told why), tells the others who its
 * users are ('U'), and re-reads the roster,
 * announcing the joins and leaves it missed. For one lease after that it
 * takes no node for dead: if Redis itself restarted, its keys are gone and
 * every node is missing until its own link is back (its reconnection
 * backoff is capped well under a lease).
 */
import { EventEmitter } from 'node:events';
import { DEFAULTS } from '../constants.js';
import { TimeoutError, UsageError } from '../errors.js';
import type { ClaimResult, RoomBus, RoomBusListener } from '../protocols/chat/room-bus.js';
import { positiveMs, validateOptions, withDefault, type Checker } from '../util/validate.js';
import type { RedisLink } from './link.js';
import { NicknameLeases } from './nickname-leases.js';
import { roomName } from './room-name.js';

export interface RedisChatBusOptions {
  /** The node's Redis link (the bus does not close it). */
  link: RedisLink;
  /** The room (`--room`); default `lobby`. */
  room?: string;
  /** How long a node's names outlive its last renewal, in ms. Default 6000. */
  leaseMs?: number;
  /** How often the lease is renewed and the other nodes' leases checked, in ms. Default 2000. */
  renewMs?: number;
  /** A claim Redis has not answered by then is granted provisionally, in ms. Default 2000. */
  commandTimeoutMs?: number;
}

export interface RedisChatBusEvents {
  /** After a gap: the names of this node's users claimed again, and those another node holds now. */
  reclaimed: [claimed: number, lost: string[]];
  /** The other nodes' users were re-read from Redis (after connecting or a gap). */
  rosterRead: [users: number];
}

const BUS_OPTIONS = {
  link: (value: unknown, name: string) => {
    if (typeof value !== 'object' || value === null || !('nodeId' in value)) throw new UsageError(`${name} must be a RedisLink (openRedisLink())`);
    return value as RedisLink;
  },
  room: withDefault(roomName, DEFAULTS.room),
  leaseMs: withDefault(positiveMs, DEFAULTS.redisNodeLeaseMs),
  renewMs: withDefault(positiveMs, DEFAULTS.redisNodeRenewMs),
  commandTimeoutMs: withDefault(positiveMs, DEFAULTS.redisCommandTimeoutMs),
} satisfies Record<keyof RedisChatBusOptions, Checker<unknown>>;

const SAID = 0x53; // 'S'
const JOINED = 0x4a; // 'J'
const USERS = 0x55; // 'U'
const LEFT = 0x4c; // 'L'
const EXIT = 0x58; // 'X'

function record(kind: number, text: string): Buffer {
  const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
  bytes[0] = kind;
  bytes.write(text, 1, 'utf8');
  return bytes;
}

/** Rejects after `ms` (NETLAB_ERR_TIMEOUT): Redis paused answers nothing, and nobody should wait for it. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`Redis did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export class RedisChatBus extends EventEmitter<RedisChatBusEvents> implements RoomBus {
  /** The room's name. */
  readonly room: string;
  readonly #link: RedisLink;
  readonly #channel: string;
  readonly #leases: NicknameLeases;
  readonly #options: { leaseMs: number; renewMs: number; commandTimeoutMs: number };
  #listener: RoomBusListener | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** A renewal (or a resumption) is under way: the next tick waits for it. */
  #busy = false;
  /** The link came back (or connected) and the node has not resumed yet. */
  #resume: 'first' | 'gap' | undefined;
  #closed = false;
  /**
   * After a gap, no node is taken for dead before this time (ms): if Redis
   * itself restarted, every lease is gone until each node is back, which
   * its reconnection backoff bounds well within a lease.
   */
  #graceUntil = 0;

  /**
   * @param options the link, the room, and the lease timing
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT for a bad room name or option
   */
  constructor(options: RedisChatBusOptions) {
    super();
    const checked = validateOptions(options, 'options', BUS_OPTIONS);
    this.room = checked.room;
    this.#link = checked.link;
    this.#channel = `chat:${checked.room}`;
    this.#options = { leaseMs: checked.leaseMs, renewMs: checked.renewMs, commandTimeoutMs: checked.commandTimeoutMs };
    this.#leases = new NicknameLeases({ redis: checked.link.commands, room: checked.room, node: checked.link.nodeId, leaseMs: checked.leaseMs });
  }

  /** This node's id (the link's). */
  get nodeId(): string {
    return this.#link.nodeId;
  }

  attach(listener: RoomBusListener): void {
    this.#listener = listener;
    void this.#link.subscribe(this.#channel, (bytes, origin) => this.#received(bytes, origin)).catch(() => undefined);
    this.#link.on('connected', () => this.#resumeSoon('first'));
    this.#link.on('up', () => this.#resumeSoon('gap'));
    if (this.#link.up) this.#resumeSoon('first');
    this.#timer = setInterval(() => void this.#tick(), this.#options.renewMs);
    this.#timer.unref();
  }

  claim(nickname: string): ClaimResult | Promise<ClaimResult> {
    // Cut off from Redis: granted here, claimed in Redis when the link is back.
    if (!this.#link.up || this.#resume !== undefined) return 'claimed';
    const claim = this.#leases.claim([nickname]);
    return within(claim, this.#options.commandTimeoutMs).then(
      (refused) => {
        if (refused.length > 0) return 'taken';
        this.#link.send(this.#channel, record(JOINED, nickname));
        return 'claimed';
      },
      () => {
        // No answer in time (Redis slow or paused): granted for now; Redis's
        // answer, when it comes, decides (or the next resumption claims it again).
        claim.then(
          (refused) => {
            if (refused.length > 0) this.#listener?.lost(nickname);
            // Still here? (A user who left meanwhile was released after this claim, on the same connection.)
            else if (this.#listener?.localNicknames().includes(nickname) === true) this.#link.send(this.#channel, record(JOINED, nickname));
          },
          () => undefined,
        );
        return 'claimed' as const;
      },
    );
  }

  release(nickname: string): void {
    this.#link.send(this.#channel, record(LEFT, nickname));
    if (this.#link.up) void this.#leases.release(nickname).catch(() => undefined);
  }

  publish(line: string): void {
    this.#link.send(this.#channel, record(SAID, line));
  }

  /** Tells the other nodes this node's users are gone and gives up its names. Does not close the link. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (!this.#link.up) return;
    this.#link.send(this.#channel, record(EXIT, ''));
    this.#link.flush();
    await within(this.#leases.leave(), this.#options.commandTimeoutMs).catch(() => undefined);
  }

  #received(bytes: Buffer, origin: string): void {
    const listener = this.#listener;
    if (listener === undefined || bytes.length === 0) return;
    const text = bytes.toString('utf8', 1);
    switch (bytes[0]) {
      case SAID:
        return listener.said(text);
      case JOINED:
        return listener.entered(text, origin, false);
      case USERS:
        return listener.nodeUsers(origin, text === '' ? [] : text.split('\n'));
      case LEFT:
        return listener.left(text, origin, false);
      case EXIT:
        return listener.nodeGone(origin);
      default:
      // A record kind of a later version: skipped.
    }
  }

  #resumeSoon(kind: 'first' | 'gap'): void {
    // A gap after the first connection was never made up for is still a first.
    this.#resume = this.#resume === 'first' ? 'first' : kind;
    void this.#tick();
  }

  /** Renews the lease and checks the others'; after the link came back, resumes instead. */
  async #tick(): Promise<void> {
    if (this.#busy || this.#closed || !this.#link.up || this.#listener === undefined) return;
    this.#busy = true;
    try {
      if (this.#resume !== undefined) await this.#resumeNow();
      else await this.#renew();
    } catch {
      // Redis went away mid-way: the link says so, and the next 'up' resumes.
    } finally {
      this.#busy = false;
    }
  }

  async #renew(): Promise<void> {
    const listener = this.#listener as RoomBusListener;
    const timeout = this.#options.commandTimeoutMs;
    const held = await within(this.#leases.renew(), timeout);
    if (!held) {
      // The lease lapsed (Redis too slow for longer than it): the others may have announced this node's users as left.
      this.#resume = 'gap';
      return this.#resumeNow();
    }
    if (Date.now() < this.#graceUntil) return;
    const dead = await within(this.#leases.deadAmong(listener.remoteNodes()), timeout);
    for (const node of dead) listener.nodeGone(node);
    if (dead.length > 0) await within(this.#leases.purge(dead), timeout);
  }

  async #resumeNow(): Promise<void> {
    const listener = this.#listener as RoomBusListener;
    const kind = this.#resume;
    const timeout = this.#options.commandTimeoutMs;
    const names = listener.localNicknames();
    // The lease is renewed by the same claim: see NicknameLeases.claim.
    const lost = await within(this.#leases.claim(names, true), timeout);
    const refused = new Set(lost);
    for (const name of lost) listener.lost(name);
    this.#link.send(this.#channel, record(USERS, names.filter((name) => !refused.has(name)).join('\n')));
    const mark = listener.mark();
    const { entries, live } = await within(this.#leases.roster(listener.remoteNodes()), timeout);
    listener.roster(entries, kind === 'gap', mark, live);
    if (kind === 'gap') this.#graceUntil = Date.now() + this.#options.leaseMs;
    this.#resume = undefined;
    if (names.length > 0 || kind === 'gap') this.emit('reclaimed', names.length - lost.length, lost);
    this.emit('rosterRead', entries.length);
  }
}
