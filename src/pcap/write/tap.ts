/**
 * The socket tap behind `--pcap FILE`: every session's traffic written to a
 * pcap file as Wireshark would have captured it on the wire, without root
 * and without a capture interface. Real payload bytes; synthesised
 * Ethernet/IP/TCP|UDP headers.
 */
import type { ConversationTap, WireTap } from '../../transports/types.js';
import type { Endpoint } from '../../util/endpoint.js';
import { TcpConversation, writeDatagram } from './conversation.js';
import { PcapWriter } from './pcap-writer.js';

export class PcapTap implements WireTap {
  readonly writer: PcapWriter;
  #open = 0;
  #idleWaiters: (() => void)[] = [];

  /**
   * @throws FileError when `path` cannot be created
   */
  constructor(path: string) {
    this.writer = new PcapWriter(path);
  }

  get path(): string {
    return this.writer.path;
  }

  tcp(client: Endpoint, server: Endpoint): ConversationTap {
    this.#open += 1;
    return new TcpConversation(this.writer, client, server, () => {
      this.#open -= 1;
      if (this.#open === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    });
  }

  /**
   * Resolves once every TCP conversation has closed (its last FIN recorded),
   * or after `timeoutMs`, whichever comes first.
   */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.#open === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  datagram(src: Endpoint, dst: Endpoint, fromClient: boolean, payload: Uint8Array): void {
    writeDatagram(this.writer, src, dst, fromClient, payload);
  }

  /** Flushes and closes the file. */
  close(): void {
    this.writer.close();
  }
}
