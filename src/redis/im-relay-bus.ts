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
import type { RedisLink } from './link.js';
import type { RelayBus, RelayBusContext } from '../protocols/im/relay-bus.js';

export class RedisRelayBus implements RelayBus {
  readonly #link: RedisLink;
  /** The link's logical channel name for this room. */
  readonly #channel: string;
  #context: RelayBusContext | undefined;

  /**
   * @param link an open link (openRedisLink())
   * @param room the room name (roomName() has checked it)
   */
  constructor(link: RedisLink, room: string) {
    this.#link = link;
    this.#channel = `im:${room}`;
  }

  attach(context: RelayBusContext): void {
    this.#context = context;
    void this.#link.subscribe(this.#channel, (record) => context.deliverFromNode(record));
  }

  publish(payload: Buffer, from: object): void {
    this.#context?.deliverLocal(payload, from);
    this.#link.send(this.#channel, payload);
  }
}
