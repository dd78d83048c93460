/**
 * How a lab records the wire: the socket tap (a PcapTap given to the
 * servers or clients it starts; no root needed), or with `--capture` a real
 * tcpdump (or dumpcap) capture of loopback, filtered to the lab's ports so
 * that other traffic on lo stays out of the file.
 */
import { startLiveCapture, type LiveCapture } from '../capture/capture.js';
import { PcapTap } from '../pcap/write/tap.js';
import type { WireTap } from '../transports/types.js';

/** What recorded a capture, as the lab's opening line names it. */
export type RecorderName = 'socket tap' | 'tcpdump' | 'dumpcap';

/** Bound on waiting for the last segments of a connection to be written, in ms. */
const SETTLE_TIMEOUT_MS = 3000;
/** A live capture is over once it has been quiet this long after the exchange, in ms. */
const QUIET_MS = 300;
const POLL_MS = 50;

/**
 * One capture file being written. Give `tap` to every server and client
 * whose traffic belongs in it (`createServer({ tap })`, `connect({ tap })`),
 * call `start(filter)` once their ports are known and before any traffic,
 * and `stop()` once the exchange is over and the sockets are closed.
 */
export class Recording {
  readonly path: string;
  readonly #live: boolean;
  readonly #tap: PcapTap | undefined;
  #capture: LiveCapture | undefined;
  #drained: Promise<unknown> | undefined;
  #lastPacketAt = 0;
  #recordedWith: RecorderName = 'socket tap';
  #stopped = false;

  /**
   * @param live record with tcpdump on lo instead of the socket tap
   * @throws FileError when (with the tap) `path` cannot be created
   */
  constructor(path: string, live: boolean) {
    this.path = path;
    this.#live = live;
    this.#tap = live ? undefined : new PcapTap(path);
  }

  /** The tap to hand to servers and clients; undefined with a live capture, which sees the traffic itself. */
  get tap(): WireTap | undefined {
    return this.#tap;
  }

  /** Whether stop() has been called: the file is complete (or, live, the engine asked to stop). */
  get stopped(): boolean {
    return this.#stopped;
  }

  get recordedWith(): RecorderName {
    return this.#recordedWith;
  }

  /**
   * Starts the live capture (nothing to do with the tap): resolves once the
   * engine says it is listening.
   * @param filter a tcpdump filter naming the lab's ports, e.g. `udp port 41000 or tcp port 41001`
   * @throws NetlabError when tcpdump is missing or capturing is not permitted
   */
  async start(filter: string): Promise<void> {
    if (!this.#live || this.#capture !== undefined) return;
    this.#capture = await startLiveCapture({ iface: 'lo', filter, writePath: this.path });
    this.#recordedWith = this.#capture.engine.name;
    this.#lastPacketAt = Date.now();
    this.#drained = this.#capture.source.forEach(() => {
      this.#lastPacketAt = Date.now();
    });
  }

  /**
   * Finishes the file: with the tap, once every TCP conversation has written
   * its close (bounded); live, once the capture has been quiet for a moment
   * (the last FIN/ACK may still be on its way) and the engine has exited.
   * Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#tap !== undefined) {
      await this.#tap.whenIdle(SETTLE_TIMEOUT_MS);
      this.#tap.close();
      return;
    }
    const capture = this.#capture;
    if (capture === undefined) return;
    for (let waited = 0; waited < SETTLE_TIMEOUT_MS && Date.now() - this.#lastPacketAt < QUIET_MS; waited += POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    capture.engine.stop();
    await this.#drained;
    await capture.engine.exited;
  }
}
