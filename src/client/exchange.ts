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
    session.on('end', () => this.#lines?.finish());
    session.once('close', ({ error }) => {
      this.#lines?.finish();
      this.#fail(error ?? new NetworkError(ERROR_CODES.CONNECTION_RESET, `${session.peer} closed the connection before answering`));
    });
  }

  #push(reply: Buffer): void {
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
        reject(new TimeoutError(`no answer from ${this.#session.peer} within ${timeoutMs / 1000} s; is it an echo-style server? (--timeout to wait longer)`));
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
    replies.push(reply);
    options.onReply?.(reply, message);
  }
  return replies;
}
