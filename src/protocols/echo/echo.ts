/**
 * The echo family (echo, upper, rot13, reverse, reply), written once against
 * the Session shape and run over every transport. Stream transports get line
 * framing for the line modes; message transports treat each datagram or
 * WebSocket message as one line.
 */
import { DEFAULTS } from '../../constants.js';
import { LineSplitter, type LineEnding } from '../../codec/line-splitter.js';
import { ERROR_CODES, LimitError, UsageError } from '../../errors.js';
import type { Session } from '../../transports/session.js';
import { writeOrPause } from '../backpressure.js';
import { PartialLineTimer, type PartialLineOwner } from '../partial-line-timer.js';
import type { Protocol, ProtocolFactory } from '../protocol.js';
import { reverseByCharacter, rot13InPlace, upperInPlace } from './transforms.js';
import { booleanValue, nonNegativeMs, oneOf, optional, positiveInteger, stringValue, validateOptions, withDefault, type Checker } from '../../util/validate.js';

export const ECHO_MODES = ['echo', 'upper', 'rot13', 'reverse', 'reply'] as const;
export type EchoMode = (typeof ECHO_MODES)[number];

export interface EchoOptions {
  /** Default `echo`. */
  mode?: EchoMode;
  /** The answer of `reply` mode (required there). */
  reply?: string;
  /** `reply` mode: close a connection after its first answer. */
  once?: boolean;
  /** Longest line of the line modes, in bytes. Default 65536. */
  maxLineBytes?: number;
  /**
   * Line modes over TCP/TLS: a partial line the peer sends nothing after for
   * this long is answered as a line, in milliseconds (for clients that send
   * each message without a line end). 0 waits for the line end (or the
   * half-close). Default 200.
   */
  partialLineIdleMs?: number;
}

interface ResolvedEchoOptions {
  readonly mode: EchoMode;
  readonly reply: Buffer;
  readonly once: boolean;
  readonly maxLineBytes: number;
  readonly partialLineIdleMs: number;
}

/** Modes that transform bytes as they come and know nothing of lines. */
const BYTE_TRANSFORMS: Partial<Record<EchoMode, (bytes: Buffer) => Uint8Array>> = {
  echo: (bytes) => bytes,
  upper: upperInPlace,
  rot13: rot13InPlace,
};

const ENDING_BYTES: Record<LineEnding, Buffer> = { '\n': Buffer.from('\n'), '\r\n': Buffer.from('\r\n'), '': Buffer.alloc(0) };

/** echoProtocol()'s options, checked once (a key added to EchoOptions must be added here too). */
const ECHO_OPTIONS = {
  mode: withDefault(oneOf(ECHO_MODES), 'echo'),
  reply: optional(stringValue),
  once: optional(booleanValue),
  maxLineBytes: withDefault(positiveInteger, DEFAULTS.maxLineBytes),
  partialLineIdleMs: withDefault(nonNegativeMs, DEFAULTS.partialLineIdleMs),
} satisfies Record<keyof EchoOptions, Checker<unknown>>;

/**
 * Builds the echo-family protocol factory.
 * @param options mode (default echo), reply text, once, maxLineBytes (default
 *   65536), partialLineIdleMs (default 200; 0: wait for the line end)
 * @throws UsageError NETLAB_ERR_INVALID_ARGUMENT (synchronously) for an
 *   unknown mode, reply mode without text, a bad limit or an unknown option key
 */
export function echoProtocol(options: EchoOptions = {}): ProtocolFactory {
  const { mode, maxLineBytes, partialLineIdleMs } = validateOptions(options, 'options', ECHO_OPTIONS, true);
  if (mode === 'reply' && options.reply === undefined) throw new UsageError('reply mode needs the answer text: options.reply');
  const resolved: ResolvedEchoOptions = Object.freeze({
    mode,
    reply: Buffer.from(options.reply ?? ''),
    once: options.once === true,
    maxLineBytes,
    partialLineIdleMs,
  });
  return (session) => {
    const transform = BYTE_TRANSFORMS[mode];
    if (transform !== undefined) return new ByteEcho(session, transform);
    return session.framing === 'stream' ? new StreamLineEcho(session, resolved) : new MessageLineEcho(session, resolved);
  };
}

/** echo / upper / rot13 on any transport: chunk in, transformed chunk out. */
class ByteEcho implements Protocol {
  readonly #session: Session;
  readonly #transform: (bytes: Buffer) => Uint8Array;

  constructor(session: Session, transform: (bytes: Buffer) => Uint8Array) {
    this.#session = session;
    this.#transform = transform;
  }

  dataReceived(chunk: Buffer): void {
    writeOrPause(this.#session, this.#transform(chunk));
  }
}

/** The answer to one line, shared by the stream and message variants. */
function answerLine(options: ResolvedEchoOptions, line: Buffer, ending: LineEnding, framing: 'stream' | 'message'): Buffer {
  if (options.mode === 'reverse') {
    const out = Buffer.allocUnsafe(line.length + ending.length);
    reverseByCharacter(line).copy(out);
    ENDING_BYTES[ending].copy(out, line.length);
    return out;
  }
  // reply: "followed by \n on TCP/TLS, as-is per UDP datagram or WS message"
  return framing === 'stream' ? Buffer.concat([options.reply, ENDING_BYTES['\n']]) : options.reply;
}

/**
 * reverse / reply over TCP and TLS: line framing with a length cap. A line
 * the peer leaves unterminated is answered once the peer has been quiet for
 * `partialLineIdleMs` (so a client that writes `hello` and waits gets its
 * answer), or when it half-closes.
 */
class StreamLineEcho implements Protocol, PartialLineOwner {
  readonly #session: Session;
  readonly #options: ResolvedEchoOptions;
  readonly #lines: LineSplitter;
  /** Made when a chunk first leaves a partial line; most peers never need it. */
  #idle: PartialLineTimer | undefined;
  #done = false;

  constructor(session: Session, options: ResolvedEchoOptions) {
    this.#session = session;
    this.#options = options;
    this.#lines = new LineSplitter({
      maxLineBytes: options.maxLineBytes,
      onLine: (line, ending) => this.#lineReceived(line, ending),
      // Twisted's lineLengthExceeded: tell the peer and drop only that connection.
      onError: (error) => {
        this.#done = true;
        session.fail(error);
      },
    });
  }

  dataReceived(chunk: Buffer): void {
    if (this.#done) return;
    this.#lines.push(chunk);
    if (this.#lines.midLine && !this.#done && this.#options.partialLineIdleMs > 0) {
      (this.#idle ??= new PartialLineTimer(this, this.#options.partialLineIdleMs)).arm();
    }
  }

  /** A final unterminated line is answered when the peer half-closes. */
  endReceived(): void {
    this.#idle?.clear();
    if (!this.#done) this.#lines.finish();
    this.#session.end();
  }

  connectionLost(): void {
    this.#idle?.clear();
  }

  /** @internal PartialLineTimer: the peer went quiet mid-line; answer what it sent. */
  partialLineIdle(): void {
    if (!this.#done && !this.#session.closed) this.#lines.flushPartial();
  }

  #lineReceived(line: Buffer, ending: LineEnding): void {
    if (this.#done) return;
    writeOrPause(this.#session, answerLine(this.#options, line, ending, 'stream'));
    if (this.#options.mode === 'reply' && this.#options.once) {
      this.#done = true;
      this.#session.end();
    }
  }
}

/** reverse / reply over UDP and WebSocket: each datagram/message is a line. */
class MessageLineEcho implements Protocol {
  readonly #session: Session;
  readonly #options: ResolvedEchoOptions;

  constructor(session: Session, options: ResolvedEchoOptions) {
    this.#session = session;
    this.#options = options;
  }

  dataReceived(message: Buffer): void {
    let ending: LineEnding = '';
    if (message[message.length - 1] === 0x0a) ending = message[message.length - 2] === 0x0d ? '\r\n' : '\n';
    const line = message.subarray(0, message.length - ending.length);
    if (line.length > this.#options.maxLineBytes) {
      // One oversize datagram is answered with a notice; the peer may go on.
      const error = new LimitError(ERROR_CODES.LINE_TOO_LONG, `line longer than ${this.#options.maxLineBytes} bytes (the --max-line limit)`);
      writeOrPause(this.#session, Buffer.from(`error: ${error.message}\n`));
      return;
    }
    writeOrPause(this.#session, answerLine(this.#options, line, ending, 'message'));
    if (this.#options.mode === 'reply' && this.#options.once) this.#session.end();
  }
}
