/**
 * The in-process RoomBus: several SharedRooms in one process serving one
 * room, as several `chat serve --redis` processes do over Redis, with the
 * hub's Maps in place of Redis's keys and channel. It is the reference the
 * Redis bus is measured against (same listener calls, same claims), and a
 * way to embed several servers in one program. A room of one process needs
 * neither: LocalRoom is that room, with nothing to pay for.
 *
 * Delivery is synchronous, in publish order, once per other node.
 */
import { nicknameKey } from './nickname.js';
import type { ClaimResult, RoomBus, RoomBusListener, RosterEntry } from './room-bus.js';
import { ERROR_CODES, NetlabError } from '../../errors.js';

/** The room's shared state: its nodes and who holds each name. */
export class InProcessRoomHub {
  readonly #nodes = new Map<string, InProcessRoomBus>();
  readonly #claims = new Map<string, RosterEntry>();
  #nextId = 0;

  /** @returns the bus of one more node of this room (give it to a SharedRoom) */
  node(): RoomBus {
    const bus = new InProcessRoomBus(this, `node-${++this.#nextId}`);
    this.#nodes.set(bus.id, bus);
    return bus;
  }

  /** @internal */
  claim(node: string, nickname: string): ClaimResult {
    const key = nicknameKey(nickname);
    const holder = this.#claims.get(key);
    if (holder !== undefined && holder.node !== node) return 'taken';
    this.#claims.set(key, { nickname, node });
    this.#others(node, (bus) => bus.listener?.entered(nickname, node, false));
    return 'claimed';
  }

  /** @internal */
  release(node: string, nickname: string): void {
    const key = nicknameKey(nickname);
    if (this.#claims.get(key)?.node !== node) return;
    this.#claims.delete(key);
    this.#others(node, (bus) => bus.listener?.left(nickname, node, false));
  }

  /** @internal */
  publish(node: string, line: string): void {
    this.#others(node, (bus) => bus.listener?.said(line));
  }

  /** @internal the users of every node but `node` */
  rosterFor(node: string): RosterEntry[] {
    return [...this.#claims.values()].filter((entry) => entry.node !== node);
  }

  /** @internal */
  nodeIds(): Set<string> {
    return new Set(this.#nodes.keys());
  }

  /** @internal */
  leave(node: string): void {
    if (!this.#nodes.delete(node)) return;
    for (const [key, entry] of this.#claims) if (entry.node === node) this.#claims.delete(key);
    this.#others(node, (bus) => bus.listener?.nodeGone(node));
  }

  #others(node: string, call: (bus: InProcessRoomBus) => void): void {
    for (const bus of this.#nodes.values()) if (bus.id !== node) call(bus);
  }
}

class InProcessRoomBus implements RoomBus {
  readonly id: string;
  readonly #hub: InProcessRoomHub;
  listener: RoomBusListener | undefined;

  constructor(hub: InProcessRoomHub, id: string) {
    this.#hub = hub;
    this.id = id;
  }

  /** @throws NetlabError NETLAB_ERR_INVALID_STATE when a room is attached already */
  attach(listener: RoomBusListener): void {
    if (this.listener !== undefined) throw new NetlabError(ERROR_CODES.INVALID_STATE, 'this node already has a room');
    this.listener = listener;
    listener.roster(this.#hub.rosterFor(this.id), false, listener.mark(), this.#hub.nodeIds());
  }

  claim(nickname: string): ClaimResult {
    return this.#hub.claim(this.id, nickname);
  }

  release(nickname: string): void {
    this.#hub.release(this.id, nickname);
  }

  publish(line: string): void {
    this.#hub.publish(this.id, line);
  }

  async close(): Promise<void> {
    this.#hub.leave(this.id);
  }
}
