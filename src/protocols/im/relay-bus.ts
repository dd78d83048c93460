/**
 * Where an IM relay's frames go: the seam between the relay (framing, limits,
 * per-client queues) and the fan-out. A relay has one bus:
 *
 * - the in-process bus (the default): a frame goes to the relay's own other
 *   clients, and nowhere else; it costs one call per frame;
 * - the Redis bus (`im serve --redis URL --room NAME`, src/redis/im-relay-bus.ts): the
 *   same, and to every other relay on that Redis and room, whose own clients
 *   get it from their relay's queues.
 *
 * The relay stays blind either way: a bus moves payloads byte for byte and
 * never looks inside.
 */

/** What a relay gives its bus: its local fan-out. */
export interface RelayBusContext {
  /** The relay's --max-frame, in bytes (a bus checks frames from other nodes against it). */
  readonly maxFrameBytes: number;
  /**
   * Sends `payload` (one frame's bytes, unframed) to every local client but
   * `from` (the client it came from; none for a frame from another node).
   */
  deliverLocal(payload: Buffer, from?: object): void;
  /**
   * A frame from another node: delivered to every local client, unless it is
   * longer than this relay's --max-frame (then counted and dropped: this
   * relay relays nothing longer, whatever another node allows).
   */
  deliverFromNode(payload: Buffer): void;
}

/** One relay's fan-out. */
export interface RelayBus {
  /** Called once by the relay that owns this bus, before any frame; it may throw to refuse the relay. */
  attach(context: RelayBusContext): void;
  /**
   * A frame a local client sent (its payload, unframed); `from` is that
   * client, which must not get it back.
   */
  publish(payload: Buffer, from: object): void;
}

/** The in-process bus: today's relay, its own clients only. */
export class LocalRelayBus implements RelayBus {
  #context: RelayBusContext | undefined;

  attach(context: RelayBusContext): void {
    this.#context = context;
  }

  publish(payload: Buffer, from: object): void {
    this.#context?.deliverLocal(payload, from);
  }
}
