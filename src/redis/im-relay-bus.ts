/**
 * The IM relay's Redis bus (`im serve --redis URL --room NAME`): every relay
 * given the same Redis and room is one relay. A frame a client sends goes to
 * its own relay's other clients at once (never waiting for Redis), and, as
 * one record on the room's channel (`netlab:DB:im:ROOM`), to every other
 * relay, which hands it to its own clients through their bounded queues
 * (the slow-reader rule is unchanged). Frames cross byte for byte: the
 * record is the payload itself, and the receiving relay frames it again.
 *
 * Delivery: see src/redis/link.ts. Each relay ignores its own records (the
 * link skips them by origin), so a frame reaches every client once, in its
 * sender's order; frames sent while Redis is unreachable, or while the
 * link's bound is full, reach only the sender's own relay.
 *
 * The link is the caller's: it is opened before the relay and closed after.
 */
import { ERROR_CODES, NetlabError } from '../errors.js';
import { roomName } from './room-name.js';
import type { RedisLink } from './link.js';
import type { RelayBus, RelayBusContext } from '../protocols/im/relay-bus.js';

/** One relay's fan-out over a Redis link: its own clients, and every other relay of the room. */
export class RedisRelayBus implements RelayBus {
  readonly #link: RedisLink;
  /** The link's logical channel name for this room. */
  readonly #channel: string;
  #context: RelayBusContext | undefined;

  /**
   * @param link an open link (openRedisLink())
   * @param room the room name: 1-64 letters, digits, `.`, `_`, `-`
   * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT for another room name
   */
  constructor(link: RedisLink, room: string) {
    this.#link = link;
    this.#channel = `im:${roomName(room, 'room')}`;
  }

  /**
   * @throws NetlabError NETLAB_ERR_INVALID_STATE if this bus already has a
   *   relay, or the link already serves this room (one relay per room per link)
   */
  attach(context: RelayBusContext): void {
    if (this.#context !== undefined || this.#link.hasSubscription(this.#channel)) {
      throw new NetlabError(ERROR_CODES.INVALID_STATE, `the Redis link already serves IM room ${this.#channel.slice(3)}: one relay per room per link`);
    }
    this.#context = context;
    // Checked above, so the only failure left is a closed link: nothing to deliver then.
    this.#link.subscribe(this.#channel, (record) => context.deliverFromNode(record)).catch(() => undefined);
  }

  publish(payload: Buffer, from: object): void {
    this.#context?.deliverLocal(payload, from);
    this.#link.send(this.#channel, payload);
  }
}
