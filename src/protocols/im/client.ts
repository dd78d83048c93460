/**
 * An IM client: frames over a session, sealed and opened by one cipher
 * (plain, course or etm). Used by `netlab im join`, and by tests and
 * programs as a library.
 */
import { EventEmitter } from 'node:events';
import { DEFAULTS } from '../../constants.js';
import { encodeFrame, FrameDecoder } from '../../codec/length-prefixed.js';
import type { NetlabError } from '../../errors.js';
import { TRANSPORTS } from '../../transports/registry.js';
import type { Session } from '../../transports/session.js';
import { NOT_AUTHENTICATED_NOTICE, type ImCipher } from './crypto.js';
import type { ChatMessage } from './messages.js';
import { imNicknameProblem } from './nickname.js';

/**
 * What plain mode says for a frame that is not a Message, or whose text is
 * not valid UTF-8: most often an encrypted frame from a client using keys.
 */
export const NOT_DECODED_NOTICE = 'message could not be decoded (is the sender using -c/-a keys?)';
/** What plain mode says for a Message whose nickname breaks the rules (see nickname.ts). */
export const INVALID_NICKNAME_NOTICE = 'message with an invalid nickname not shown (a nickname has 1-32 characters, no control characters)';

export interface ImClientEvents {
  /** A message from another client that opened. */
  message: [message: ChatMessage];
  /** A frame that did not open: the uniform notice text. */
  notice: [text: string];
  /** The connection is over (error set when it was not a normal close). */
  close: [error: NetlabError | undefined];
}

export interface ImConnectOptions {
  host: string;
  port: number;
  nickname: string;
  cipher: ImCipher;
  /** Largest frame accepted from the relay, in bytes. Default 65536. */
  maxFrameBytes?: number;
  /** Connect timeout in milliseconds. Default 5000. */
  timeoutMs?: number;
}

export class ImClient extends EventEmitter<ImClientEvents> {
  readonly nickname: string;
  readonly session: Session;
  readonly #cipher: ImCipher;
  readonly #decoder: FrameDecoder;

  /** Use ImClient.connect() unless you already have a session. */
  constructor(session: Session, nickname: string, cipher: ImCipher, maxFrameBytes: number = DEFAULTS.maxFrameBytes) {
    super();
    this.session = session;
    this.nickname = nickname;
    this.#cipher = cipher;
    this.#decoder = new FrameDecoder({
      maxFrameBytes,
      onFrame: (payload) => this.#frame(payload),
      onError: (error) => session.destroy(error),
    });
    session.on('data', (chunk) => this.#decoder.push(chunk));
    session.on('end', () => session.end());
    session.once('close', ({ error }) => this.emit('close', error));
  }

  /**
   * Connects over TCP.
   * @throws NetlabError when the connection fails (refused, timeout...)
   */
  static async connect(options: ImConnectOptions): Promise<ImClient> {
    const session = await TRANSPORTS.tcp.connect({
      host: options.host,
      port: options.port,
      timeoutMs: options.timeoutMs ?? DEFAULTS.clientTimeoutSeconds * 1000,
    });
    return new ImClient(session, options.nickname, options.cipher, options.maxFrameBytes);
  }

  /**
   * Seals and sends one message under this client's nickname.
   * @returns false when the socket buffer is full (wait for the session's 'drain')
   */
  send(text: string): boolean {
    return this.session.write(encodeFrame(this.#cipher.seal({ nickname: this.nickname, message: text })));
  }

  /** Closes gracefully (FIN); 'close' follows. */
  end(): void {
    this.session.end();
  }

  #frame(payload: Buffer): void {
    const message = this.#cipher.open(payload);
    if (message === undefined) this.emit('notice', this.#cipher.suite === 'plain' ? NOT_DECODED_NOTICE : NOT_AUTHENTICATED_NOTICE);
    // Plain frames can come from anyone on the relay: hold them to the rules.
    else if (this.#cipher.suite === 'plain' && imNicknameProblem(message.nickname) !== undefined) this.emit('notice', INVALID_NICKNAME_NOTICE);
    else this.emit('message', message);
  }
}
