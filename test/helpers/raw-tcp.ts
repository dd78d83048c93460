/** A raw TCP client for tests: bytes in, bytes out, a bounded wait for close. */
import net from 'node:net';
import { once } from 'node:events';
import { FrameDecoder } from '../../src/codec/length-prefixed.js';
import { waitFor } from './wait.js';

export class RawClient {
  readonly socket: net.Socket;
  readonly frames: Buffer[] = [];
  closed = false;
  readonly #decoder = new FrameDecoder({ maxFrameBytes: 16 * 1024 * 1024, onFrame: (p) => this.frames.push(Buffer.from(p)), onError: () => undefined });

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => this.#decoder.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = net.connect({ host, port });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  async waitForFrames(count: number, timeoutMs = 15000): Promise<Buffer[]> {
    await waitFor(`${count} frames (got ${this.frames.length})`, () => this.frames.length >= count, timeoutMs);
    return this.frames.slice(0, count);
  }

  async waitForClose(timeoutMs = 15000): Promise<void> {
    await waitFor('the server to close the connection', () => this.closed, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
