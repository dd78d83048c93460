/**
 * A transparent Duplex around a TCP socket that reports every byte in and out
 * to a WireTap. TLS and WebSocket layers run on top of it (Node accepts any
 * Duplex under a TLSSocket or an HTTP server), so the tap records exactly
 * what crossed the TCP connection: ciphertext, frames, handshakes.
 * Used only when tapping; the normal path stays on the bare socket.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { toEndpoint, type Endpoint } from '../util/endpoint.js';
import type { ConversationTap, WireTap } from './types.js';

export class RecordingSocket extends Duplex {
  readonly raw: Socket;
  readonly #tap: WireTap;
  /** True on the client side of the connection (we connected out). */
  readonly #localIsClient: boolean;
  #conversation: ConversationTap | undefined;

  constructor(raw: Socket, tap: WireTap, localIsClient: boolean) {
    super({ allowHalfOpen: true });
    this.raw = raw;
    this.#tap = tap;
    this.#localIsClient = localIsClient;
    if (raw.connecting) raw.once('connect', () => this.#open());
    else this.#open();
    raw.on('data', (chunk: Buffer) => {
      this.#conversation?.data(!this.#localIsClient, chunk);
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => {
      this.#conversation?.fin(!this.#localIsClient);
      this.push(null);
    });
    raw.on('timeout', () => this.emit('timeout'));
    raw.on('error', (err) => this.destroy(err));
    raw.on('close', (hadError) => {
      // Closing a socket sends a FIN; only a reset from the peer is an error
      // (what a capture would show as a RST from that side).
      this.#conversation?.close(hadError ? !this.#localIsClient : undefined);
      if (!this.destroyed) this.destroy();
    });
  }

  #open(): void {
    const local = toEndpoint(this.raw.localAddress, this.raw.localPort, this.raw.localFamily);
    const remote = toEndpoint(this.raw.remoteAddress, this.raw.remotePort, this.raw.remoteFamily);
    this.#conversation = this.#localIsClient ? this.#tap.tcp(local, remote) : this.#tap.tcp(remote, local);
    this.emit('connect');
  }

  get localEndpoint(): Endpoint {
    return toEndpoint(this.raw.localAddress, this.raw.localPort, this.raw.localFamily);
  }

  get remoteEndpoint(): Endpoint {
    return toEndpoint(this.raw.remoteAddress, this.raw.remotePort, this.raw.remoteFamily);
  }

  // What TLS, HTTP and ws ask of a socket, answered by the real one.
  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.raw.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.raw.localAddress;
  }
  get localPort(): number | undefined {
    return this.raw.localPort;
  }
  get localFamily(): string | undefined {
    return this.raw.localFamily;
  }
  get connecting(): boolean {
    return this.raw.connecting;
  }

  setNoDelay(noDelay?: boolean): this {
    this.raw.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.raw.setKeepAlive(enable, initialDelay);
    return this;
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.raw.setTimeout(ms);
    if (callback !== undefined) this.once('timeout', callback);
    return this;
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // A client may write before the connection is up (an HTTP upgrade request
    // does); record it once the conversation exists, so nothing is missed.
    if (this.#conversation === undefined) {
      this.raw.once('connect', () => this._write(chunk, encoding, callback));
      return;
    }
    this.#conversation.data(this.#localIsClient, chunk);
    this.raw.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#conversation?.fin(this.#localIsClient);
    this.raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.raw.destroy();
    callback(error);
  }
}
