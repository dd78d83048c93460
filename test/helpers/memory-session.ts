/** An in-memory Session for protocol tests: feed bytes in, read what was written. */
import type { NetlabError } from '../../src/errors.js';
import { Session, type Framing, type TransportName } from '../../src/transports/session.js';
import { toEndpoint } from '../../src/util/endpoint.js';

let nextPort = 40000;

export class MemorySession extends Session {
  readonly written: Buffer[] = [];
  paused = false;
  ended = false;
  closeError: NetlabError | undefined;

  constructor(transport: TransportName = 'tcp', framing: Framing = transport === 'udp' || transport === 'ws' ? 'message' : 'stream') {
    super(transport, framing, toEndpoint('127.0.0.1', 1234), toEndpoint('127.0.0.1', nextPort++));
  }

  /** Delivers bytes as if they came from the peer. */
  feed(chunk: Buffer): void {
    this.received(chunk);
  }

  /** The peer half-closes. */
  peerEnd(): void {
    this.peerEnded();
  }

  get text(): string {
    return Buffer.concat(this.written).toString('utf8');
  }

  override pause(): void {
    this.paused = true;
  }

  override resume(): void {
    this.paused = false;
  }

  protected override sendData(data: Uint8Array): boolean {
    this.written.push(Buffer.from(data));
    return true;
  }

  protected override sendEnd(): void {
    this.ended = true;
    this.finished();
  }

  protected override sendDestroy(error: NetlabError | undefined): void {
    this.closeError = error;
    this.finished(error);
  }

  protected override sendFailure(error: NetlabError): void {
    this.sendDestroy(error);
  }
}
