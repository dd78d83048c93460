/**
 * One-shot exchanges: send a message, wait for its answer. Over TCP/TLS a
 * message is a line and the answer is the next line; over UDP/WS a message
 * is a datagram/message and the answer the next one.
 */
import { LineSplitter } from '../codec/line-splitter.js';
import { DEFAULTS } from '../constants.js';
import { ERROR_CODES, NetworkError, TimeoutError, type NetlabError } from '../errors.js';
import { Session } from '../transports/session.js';
import { arrayOf, invalidOption, optional, positiveSeconds, requiredFunction, stringValue, validateOptions } from '../util/validate.js';

/** Replies longer than this are an error rather than unbounded buffering. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

/**
 * Reads answers from a session one at a time, in order.
 */
export class ReplyReader {
  readonly #session: Session;
  readonly #queue: Buffer[] = [];
  #waiter: { resolve: (reply: Buffer) => void; reject: (err: NetlabError) => void } | undefined;
  #ended: NetlabError | undefined;
  readonly #lines: LineSplitter | undefined;
  /** Answers received so far, for the message when the peer stops early. */
  #received = 0;

  constructor(session: Session) {
    this.#session = session;
    if (session.framing === 'stream') {
      this.#lines = new LineSplitter({
        maxLineBytes: MAX_REPLY_BYTES,
        onLine: (line) => this.#push(Buffer.from(line)),
        onError: (error) => this.#fail(error),
      });
    }
    session.on('data', (chunk) => (this.#lines ? this.#lines.push(chunk) : this.#push(chunk)));
    // A half-close ends the answers as surely as a close: a server that
    // answers once and sends FIN (`--once`) must not leave us waiting for the
    // timeout while our side of the connection stays open.
    session.on('end', () => {
      this.#lines?.finish();
      this.#fail(this.#closedError());
    });
    session.once('close', ({ error }) => {
      this.#lines?.finish();
      this.#fail(error ?? this.#closedError());
    });
  }

  #closedError(): NetlabError {
    const peer = this.#session.peer;
    if (this.#received > 0) {
      return new NetworkError(ERROR_CODES.PEER_CLOSED, `${peer} closed the connection after ${this.#received} answer${this.#received === 1 ? '' : 's'}`);
    }
    const tlsHint = this.#session.transport === 'tcp' ? '; a TLS server does this when sent plain text: if it is one, connect with tls' : '';
    return new NetworkError(ERROR_CODES.PEER_CLOSED, `${peer} closed the connection before answering${tlsHint}`);
  }

  #push(reply: Buffer): void {
    this.#received += 1;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve(reply);
    } else {
      this.#queue.push(reply);
    }
  }

  #fail(error: NetlabError): void {
    this.#ended ??= error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }

  /**
   * The next answer (without its line ending on streams).
   * @throws TimeoutError after `timeoutMs`; NetlabError when the peer closed first
   */
  next(timeoutMs: number): Promise<Buffer> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        // A TLS server waits silently for a ClientHello, so silence after a
        // plain-text line is what a student who forgot TLS sees.
        const tlsHint = this.#session.transport === 'tcp' ? ' A TLS server is silent too when sent plain text: if it is one, connect with tls.' : '';
        reject(new TimeoutError(`no answer from ${this.#session.peer} within ${timeoutMs / 1000} s; is it an echo-style server?${tlsHint} (--timeout to wait longer)`));
      }, timeoutMs);
      this.#waiter = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }
}

/**
 * Whether bytes begin like a TLS record (RFC 8446, 5.1: a content type of
 * change_cipher_spec 20, alert 21, handshake 22 or application_data 23, then
 * legacy_record_version 0x03 0x00..0x04). A plain-text client that gets this
 * back is talking to a TLS server.
 */
export function looksLikeTlsRecord(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0]! >= 20 && bytes[0]! <= 23 && bytes[1] === 0x03 && bytes[2]! <= 0x04;
}

/** Encodes one message for the session's framing: a line on streams, as-is otherwise. */
export function encodeMessage(session: Session, message: string): Buffer {
  return Buffer.from(session.framing === 'stream' ? `${message}\n` : message);
}

const EXCHANGE_OPTIONS = { timeoutSeconds: optional(positiveSeconds), onReply: optional(requiredFunction) };

/**
 * Sends each message and waits for its answer before the next one.
 * @param onReply called with each answer as it arrives
 * @param timeoutSeconds wait per answer. Default 5.
 * @returns the answers, in order
 * @throws (the promise rejects) UsageError NETLAB_ERR_INVALID_ARGUMENT when
 *   `session` is not a Session, `messages` not an array of strings or an
 *   option is bad; TimeoutError, NetworkError
 */
export async function exchange(
  session: Session,
  messages: readonly string[],
  options: { timeoutSeconds?: number; onReply?: (reply: Buffer, message: string) => void } = {},
): Promise<Buffer[]> {
  if (!(session instanceof Session)) throw invalidOption('session', 'a Session (from connect())', session);
  arrayOf(stringValue)(messages, 'messages');
  validateOptions(options, 'options', EXCHANGE_OPTIONS, true);
  const timeoutMs = (options.timeoutSeconds ?? DEFAULTS.clientTimeoutSeconds) * 1000;
  const reader = new ReplyReader(session);
  const replies: Buffer[] = [];
  for (const message of messages) {
    session.write(encodeMessage(session, message));
    const reply = await reader.next(timeoutMs);
    if (session.transport === 'tcp' && looksLikeTlsRecord(reply) && !looksLikeTlsRecord(Buffer.from(message))) {
      const kind = reply[0] === 21 ? 'a TLS alert' : 'a TLS record';
      throw new NetworkError(ERROR_CODES.PROTOCOL_MISMATCH, `${session.peer} answered with ${kind}: the server expects TLS; connect to it with the tls transport`);
    }
    replies.push(reply);
    options.onReply?.(reply, message);
  }
  return replies;
}
