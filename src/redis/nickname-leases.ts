/**
 * Who holds which nickname of a chat room, across nodes, in Redis; and
 * which nodes are alive. Two kinds of keys per room (in the URL's DB):
 *
 *     netlab:chat:ROOM:names       hash  nicknameKey -> "NODE NICKNAME"
 *     netlab:chat:ROOM:node:NODE   string, with a TTL: NODE's lease
 *
 * A name belongs to a node while that node's lease lives: the node renews
 * it (SET ... PX) every `renewMs`, and when the node dies the lease expires
 * after `leaseMs` and every name it held is free, whatever the hash still
 * says. So one renewal per node keeps all its users' names, and a crashed
 * node's names need no one to clean up before they can be claimed again
 * (survivors do delete them, to keep the hash small).
 *
 * Claims are Lua scripts, which Redis runs atomically: two nodes claiming
 * `Ann` and `ANN` at once cannot both win. This needs one Redis server (or
 * a primary), not Redis Cluster: the scripts build the lease keys they read.
 */
import type { Redis } from 'ioredis';
import { nicknameKey } from '../protocols/chat/nickname.js';
import type { RosterEntry } from '../protocols/chat/room-bus.js';

/*
 * KEYS[1] names hash; ARGV[1] lease-key prefix; ARGV[2] this node;
 * ARGV[3] "exact" or "add"; ARGV[4] the lease in ms (with "exact"); then
 * pairs ARGV[5+2i] nicknameKey, ARGV[6+2i] "NODE NICKNAME".
 * With "exact" the names are all this node's users: any other name the hash
 * says it holds (a user who left while Redis was unreachable) is deleted,
 * and the node's lease is renewed in the same step. So another node never
 * sees this one alive without its names, which after a restart of Redis
 * (every key gone) would read as all its users having left.
 * A name is free when nobody holds it, when this node does, or when its
 * holder's lease is gone. Returns the indexes (0-based) of the names refused.
 */
const CLAIM = `
if ARGV[3] == 'exact' then
  redis.call('SET', ARGV[1] .. ARGV[2], '1', 'PX', ARGV[4])
  local mine = {}
  for i = 5, #ARGV, 2 do mine[ARGV[i]] = true end
  local entries = redis.call('HGETALL', KEYS[1])
  for i = 1, #entries, 2 do
    if not mine[entries[i]] and string.match(entries[i + 1], '^(%S+)') == ARGV[2] then redis.call('HDEL', KEYS[1], entries[i]) end
  end
end
local refused = {}
for i = 5, #ARGV, 2 do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  local free = true
  if held and held ~= ARGV[i + 1] then
    local owner = string.match(held, '^(%S+)')
    if owner ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. owner) == 1 then free = false end
  end
  if free then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) else refused[#refused + 1] = (i - 5) / 2 end
end
return refused`;

/* KEYS[1] names hash; ARGV[1] nicknameKey; ARGV[2] "NODE NICKNAME": deleted only if still held so. */
const RELEASE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/*
 * KEYS[1] names hash; ARGV[1] lease-key prefix; ARGV[2...] nodes.
 * Deletes the names of each node whose lease is gone. Returns how many.
 */
const PURGE = `
local dead = {}
for i = 2, #ARGV do
  if redis.call('EXISTS', ARGV[1] .. ARGV[i]) == 0 then dead[ARGV[i]] = true end
end
local entries = redis.call('HGETALL', KEYS[1])
local removed = 0
for i = 1, #entries, 2 do
  local owner = string.match(entries[i + 1], '^(%S+)')
  if dead[owner] then
    redis.call('HDEL', KEYS[1], entries[i])
    removed = removed + 1
  end
end
return removed`;

export interface NicknameLeasesOptions {
  /** A connection that may run commands (the link's `commands`). */
  redis: Redis;
  /** The room's name (`--room`). */
  room: string;
  /** This node's id (the link's `nodeId`). */
  node: string;
  /** How long a node's names outlive its last renewal, in ms. */
  leaseMs: number;
}

export class NicknameLeases {
  readonly #redis: Redis;
  readonly #node: string;
  readonly #leaseMs: number;
  readonly #names: string;
  readonly #leasePrefix: string;
  readonly #lease: string;

  constructor(options: NicknameLeasesOptions) {
    this.#redis = options.redis;
    this.#node = options.node;
    this.#leaseMs = options.leaseMs;
    this.#names = `netlab:chat:${options.room}:names`;
    this.#leasePrefix = `netlab:chat:${options.room}:node:`;
    this.#lease = this.#leasePrefix + options.node;
  }

  /**
   * Renews this node's lease (its names live `leaseMs` more).
   * @returns false when it had lapsed (the others may have announced this node's users as left)
   */
  async renew(): Promise<boolean> {
    const before = await this.#redis.set(this.#lease, '1', 'PX', this.#leaseMs, 'GET');
    return before !== null;
  }

  /**
   * Claims names for this node, atomically each.
   * @param exact the names are all of this node's users: names the hash says
   *   this node holds besides them are given back (users who left while
   *   Redis was unreachable), and the lease is renewed with them, atomically
   * @returns the names refused (another live node holds them)
   */
  async claim(nicknames: readonly string[], exact = false): Promise<string[]> {
    if (nicknames.length === 0 && !exact) return [];
    const args: string[] = [];
    for (const name of nicknames) args.push(nicknameKey(name), this.#value(name));
    const refused = (await this.#redis.eval(CLAIM, 1, this.#names, this.#leasePrefix, this.#node, exact ? 'exact' : 'add', exact ? String(this.#leaseMs) : '', ...args)) as number[];
    return refused.map((index) => nicknames[index] as string);
  }

  /** Gives a name back (only if this node still holds it). */
  async release(nickname: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#names, nicknameKey(nickname), this.#value(nickname));
  }

  /**
   * @param known nodes whose liveness to report besides those holding names
   * @returns every other live node's users (in no particular order), and the live nodes among their holders and `known`
   */
  async roster(known: readonly string[] = []): Promise<{ entries: RosterEntry[]; live: Set<string> }> {
    const all = await this.#redis.hgetall(this.#names);
    const entries: RosterEntry[] = [];
    for (const value of Object.values(all)) {
      const space = value.indexOf(' ');
      if (space <= 0) continue;
      entries.push({ node: value.slice(0, space), nickname: value.slice(space + 1) });
    }
    const nodes = [...new Set([...entries.map((e) => e.node), ...known])].filter((node) => node !== this.#node);
    const dead = new Set(await this.deadAmong(nodes));
    if (dead.size > 0) void this.purge([...dead]).catch(() => undefined);
    return { entries: entries.filter((e) => e.node !== this.#node && !dead.has(e.node)), live: new Set(nodes.filter((node) => !dead.has(node))) };
  }

  /** @returns the nodes among `nodes` whose lease is gone */
  async deadAmong(nodes: readonly string[]): Promise<string[]> {
    if (nodes.length === 0) return [];
    const leases = await this.#redis.mget(...nodes.map((node) => this.#leasePrefix + node));
    return nodes.filter((_, i) => leases[i] === null);
  }

  /** Deletes the names of those of `nodes` whose lease is gone. */
  async purge(nodes: readonly string[]): Promise<void> {
    if (nodes.length > 0) await this.#redis.eval(PURGE, 1, this.#names, this.#leasePrefix, ...nodes);
  }

  /** Gives up this node's lease and every name it holds (a clean shutdown). */
  async leave(): Promise<void> {
    await this.#redis.del(this.#lease);
    await this.purge([this.#node]);
  }

  #value(nickname: string): string {
    return `${this.#node} ${nickname}`;
  }
}
