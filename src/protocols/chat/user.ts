/**
 * One chat user: the per-session protocol. A small state machine:
 *
 *     naming --(valid, free name)--> joining --(room says joined)--> chatting --> gone
 *        ^------(explain, ask again)--'
 *
 * Stream transports (TCP, TLS) are split into lines; each UDP datagram or
 * WebSocket message is a line (or several, if it holds newlines). Every
 * line costs a token of the user's rate limit; with none left, reading from
 * that user pauses until one is back (throttling, never a disconnect).
 * Lines to the user go through a bounded outgoing queue.
 */
import { ChatLineReader } from '../../codec/chat-line-reader.js';
import type { NetlabError } from '../../errors.js';
import type { Session } from '../../transports/session.js';
import { OutboundQueue } from '../outbound-queue.js';
import type { Protocol } from '../protocol.js';
import { commandFor, type CommandContext } from './commands.js';
import { nicknameProblem } from './nickname.js';
import { TokenBucket } from './rate-limit.js';
import type { JoinResult, RoomMember } from './room.js';
import * as text from './text.js';
import type { ChatServer } from './server.js';

type State = 'naming' | 'joining' | 'chatting' | 'gone';

export class ChatUser implements Protocol, RoomMember {
  readonly session: Session;
  readonly #server: ChatServer;
  readonly #queue: OutboundQueue;
  readonly #reader: ChatLineReader | undefined;
  readonly #bucket: TokenBucket;
  readonly #newline: string;
  #nickname = '';
  #state: State = 'naming';
  /** Lines read but not yet handled (waiting for a token or for the room). */
  #backlog: string[] = [];
  #throttle: NodeJS.Timeout | undefined;

  constructor(server: ChatServer, session: Session) {
    this.#server = server;
    this.session = session;
    const o = server.options;
    this.#queue = new OutboundQueue(session, {
      maxQueuedBytes: o.maxQueuedBytes,
      drainTimeoutMs: o.drainTimeoutMs,
      onOverflow: (error) => this.#cutOff(error),
    });
    this.#bucket = new TokenBucket(o.linesPerSecond, o.lineBurst, o.now());
    // A WebSocket message is already a line; everything else gets a newline.
    this.#newline = session.transport === 'ws' ? '' : '\n';
    if (session.framing === 'stream') {
      this.#reader = new ChatLineReader({
        maxLineBytes: o.maxLineBytes,
        onLine: (line) => this.#read(line),
        onTooLong: () => this.deliver(text.lineTooLong(o.maxLineBytes)),
      });
    }
    // UDP has no connection to greet: its first datagram is already the name.
    if (session.transport !== 'udp') this.deliver(text.GREETING);
  }

  get nickname(): string {
    return this.#nickname;
  }

  get state(): State {
    return this.#state;
  }

  deliver(line: string): void {
    this.#queue.send(Buffer.from(line + this.#newline));
  }

  dataReceived(chunk: Buffer): void {
    if (this.#state === 'gone') return;
    if (this.#reader !== undefined) {
      this.#reader.push(chunk);
      return;
    }
    // One datagram or message: one line, or several separated by newlines.
    const max = this.#server.options.maxLineBytes;
    const body = chunk[chunk.length - 1] === 0x0a ? chunk.subarray(0, chunk.length - 1) : chunk;
    for (const raw of body.toString('utf8').split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (Buffer.byteLength(line) > max) this.deliver(text.lineTooLong(max));
      else this.#read(line);
    }
  }

  endReceived(): void {
    this.#reader?.finish();
    this.#leave();
    this.session.end();
  }

  connectionLost(): void {
    clearTimeout(this.#throttle);
    this.#leave();
    this.#server.forget(this);
  }

  /** @internal server shutdown: say goodbye, close, and announce nothing. */
  close(notice: string): void {
    clearTimeout(this.#throttle);
    this.deliver(notice);
    if (this.#state === 'chatting') this.#server.room.leave(this);
    this.#state = 'gone';
    this.session.end();
  }

  #read(line: string): void {
    if (this.#state === 'gone') return;
    this.#backlog.push(line);
    this.#work();
  }

  /** Handles waiting lines while tokens last; otherwise pauses the peer until one is back. */
  #work(): void {
    while (this.#backlog.length > 0 && (this.#state === 'naming' || this.#state === 'chatting')) {
      if (this.#throttle !== undefined) return;
      const now = this.#server.options.now();
      if (!this.#bucket.take(now)) {
        this.session.pause();
        this.#throttle = setTimeout(() => {
          this.#throttle = undefined;
          this.session.resume();
          this.#work();
        }, this.#bucket.waitMs(now));
        return;
      }
      const line = this.#backlog.shift() as string;
      if (this.#state === 'naming') this.#chooseName(line);
      else this.#chat(line);
    }
  }

  #chooseName(line: string): void {
    const name = line.trim();
    const max = this.#server.options.nicknameMaxChars;
    const problem = nicknameProblem(name, max);
    if (problem === 'empty') return this.deliver(text.nameEmpty());
    if (problem === 'too-long') return this.deliver(text.nameTooLong(max));
    if (problem === 'invalid') return this.deliver(text.nameInvalid());
    this.#nickname = name;
    this.#state = 'joining';
    const result = this.#server.room.join(this);
    if (result instanceof Promise) {
      // A broker-backed room answers later; lines meanwhile wait in the backlog.
      this.session.pause();
      result.then(
        (r) => this.#joined(r),
        () => this.#joined('full'),
      );
    } else {
      this.#joined(result);
    }
  }

  #joined(result: JoinResult): void {
    if (this.#state !== 'joining') {
      // The user went away while the room decided.
      if (result === 'joined') this.#server.room.leave(this);
      return;
    }
    this.session.resume();
    if (result === 'taken') {
      this.#state = 'naming';
      this.deliver(text.nameTaken(this.#nickname));
      this.#nickname = '';
    } else if (result === 'full') {
      this.#state = 'gone';
      this.deliver(text.roomFull(this.#server.options.maxUsers));
      this.session.end();
      return;
    } else {
      this.#state = 'chatting';
      this.deliver(text.welcome(this.#nickname));
      this.#server.room.broadcast(text.entered(this.#nickname), this);
      this.#server.emit('joined', this.#nickname, this.session);
    }
    this.#work();
  }

  #chat(line: string): void {
    const command = commandFor(line);
    if (command !== undefined) {
      command(this.#commandContext());
      return;
    }
    if (line.length === 0) return;
    this.#server.room.broadcast(text.said(this.#nickname, line), this);
  }

  #commandContext(): CommandContext {
    return {
      room: this.#server.room,
      reply: (line) => this.deliver(line),
      quit: () => {
        this.#leave();
        this.session.end();
      },
    };
  }

  /** Leaves the room once, telling the others (a quit, a drop and a cut-off alike). */
  #leave(): void {
    const wasChatting = this.#state === 'chatting';
    this.#state = 'gone';
    this.#backlog = [];
    if (!wasChatting) return;
    this.#server.room.leave(this);
    this.#server.room.broadcast(text.left(this.#nickname));
    this.#server.emit('left', this.#nickname, this.session);
  }

  #cutOff(error: NetlabError): void {
    this.#leave();
    this.#server.emit('dropped', this.session, error);
    this.session.destroy(error);
  }
}
