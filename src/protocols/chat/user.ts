/**
 * One chat user: the per-session protocol. A small state machine:
 *
 *     naming --(valid, free name)--> joining --(room says joined)--> chatting --> gone
 *        ^------(explain, ask again)--'
 *
 * Stream transports (TCP, TLS) are split into lines; each UDP datagram or
 * WebSocket message is a line (or several, if it holds newlines). Every
 * line costs a token of the user's rate limit; with none left, reading from
 * that user pauses until one is back (throttling, never a disconnect). While
 * paused, what was already read waits unparsed (at most one chunk, datagram
 * or message), so a flood costs no more memory than one read.
 * Lines to the user go through a bounded outgoing queue. Lines broadcast to
 * a stream user (TCP, TLS) are batched there (`OutboundQueue.sendBatched`):
 * they leave in one write when the event-loop turn ends, so a receiver of ten
 * senders gets one write (one syscall) per turn, not ten. The batch holds
 * the room's shared Buffers, and receivers of the same broadcasts share the
 * one Buffer they are joined into (TurnBatch).
 *
 * A stream user that stops in the middle of a line for `partialLineIdleMs`
 * has that partial line taken as a line, the nickname included: clients like
 * the Twisted lab's write each message with no line end.
 * Relayed text has its control characters other than TAB escaped
 * (`escapeControls`), so no user can forge another's line or drive the
 * receivers' terminals; clean lines (nearly all) are passed on unchanged.
 */
import { LineSplitter, type LineSplitterOptions } from '../../codec/line-splitter.js';
import type { LimitError, NetlabError } from '../../errors.js';
import { TRANSPORTS } from '../../transports/registry.js';
import type { Session } from '../../transports/session.js';
import { escapeControls } from '../../util/terminal-text.js';
import { OutboundQueue, type OutboundQueueOptions } from '../outbound-queue.js';
import { PartialLineTimer, type PartialLineOwner } from '../partial-line-timer.js';
import type { Protocol } from '../protocol.js';
import { commandFor, type CommandContext } from './commands.js';
import { nicknameProblem } from './nickname.js';
import { TokenBucket } from './rate-limit.js';
import type { JoinResult, RoomMember } from './room.js';
import type { SharedLine } from './shared-line.js';
import * as text from './text.js';
import type { ChatUserContext } from './context.js';
import type { FanOutTurn } from '../turn-batch.js';

type State = 'naming' | 'joining' | 'chatting' | 'gone';

export class ChatUser implements Protocol, RoomMember, LineSplitterOptions, OutboundQueueOptions, PartialLineOwner {
  readonly session: Session;
  readonly #context: ChatUserContext;
  readonly #queue: OutboundQueue;
  readonly #reader: LineSplitter | undefined;
  /** Undefined when the rate limit is off. */
  readonly #bucket: TokenBucket | undefined;
  readonly #newline: string;
  /** A peer address, not a connection (UDP): no greeting, and one of the room's UDP seats. */
  readonly #connectionless: boolean;
  #nickname = '';
  #state: State = 'naming';
  /** A line read while no token was left (or the room was deciding). */
  #waiting: string | undefined;
  /** Stream bytes read but not yet parsed (the rest of a chunk). */
  #rest: Buffer | undefined;
  /** Lines of a datagram/message not yet handled (message transports only). */
  #restLines: string[] | undefined;
  #throttle: NodeJS.Timeout | undefined;
  /** Takes a partial line after the idle time; made the first time one is left pending. */
  #idle: PartialLineTimer | undefined;
  /** The peer half-closed: leave once everything it sent is handled. */
  #ended = false;
  #finished = false;
  /** Holds one of the server's UDP seats (maxUdpUsers). */
  #udpSeat = false;
  /** The room was told this user entered, so it is told when it leaves. */
  #announced = false;

  /** @param context what the user needs from its server (options, room, turn, reports) */
  constructor(context: ChatUserContext, session: Session) {
    this.#context = context;
    this.session = session;
    const o = context.options;
    // The queue's and the line reader's options are this user: their
    // callbacks are its methods below, not closures made for every user.
    this.#queue = new OutboundQueue(session, this);
    this.#bucket = o.linesPerSecond > 0 ? new TokenBucket(o.linesPerSecond, o.lineBurst, o.now()) : undefined;
    // What the driver says, not the transport's name: a message on a
    // connection (WebSocket) is already a line; a stream line or a datagram
    // (UDP, connectionless) gets its newline.
    this.#connectionless = TRANSPORTS[session.transport].connectionless;
    this.#newline = session.framing === 'message' && !this.#connectionless ? '' : '\n';
    if (session.framing === 'stream') this.#reader = new LineSplitter(this);
    // UDP has no connection to greet: its first datagram is already the name.
    if (!this.#connectionless) this.deliver(text.GREETING);
  }

  get nickname(): string {
    return this.#nickname;
  }

  /** @internal OutboundQueue option. */
  get maxQueuedBytes(): number {
    return this.#context.options.maxQueuedBytes;
  }

  /** @internal OutboundQueue option: the server's fan-out turn. */
  get turn(): FanOutTurn {
    return this.#context.turn;
  }

  /** @internal OutboundQueue option. */
  get drainTimeoutMs(): number {
    return this.#context.options.drainTimeoutMs;
  }

  /** @internal OutboundQueue: the user fell too far behind. */
  onOverflow(error: LimitError): void {
    this.#cutOff(error);
  }

  /** @internal LineSplitter option. */
  get maxLineBytes(): number {
    return this.#context.options.maxLineBytes;
  }

  /** @internal LineSplitter option: a refused line is skipped and the user may go on chatting. */
  get overLong(): 'skip' {
    return 'skip';
  }

  /**
   * @internal LineSplitter: one line from a stream user. Invalid UTF-8
   * becomes U+FFFD: chat lines are text.
   * @returns false to stop reading for now (see #offer)
   */
  onLine(line: Buffer): boolean {
    return this.#offer(line.toString('utf8'));
  }

  /** @internal LineSplitter: a line over the limit, skipped. */
  onError(): void {
    this.deliver(text.lineTooLong(this.maxLineBytes));
  }

  get state(): State {
    return this.#state;
  }

  deliver(line: string, shared?: SharedLine): void {
    // The queue sends what it batched first: lines to this user alone keep
    // their order behind the broadcasts.
    if (shared !== undefined) this.#queue.sendBatched(shared.bytes(this.#newline !== ''));
    else this.#queue.send(Buffer.from(line + this.#newline));
  }

  /** Ends the connection after what is waiting for it. */
  #end(): void {
    this.#queue.end();
  }

  dataReceived(chunk: Buffer): void {
    if (this.#state === 'gone') return;
    if (this.#reader !== undefined) {
      // Data may still trickle in just after a pause: keep it behind the rest.
      this.#rest = this.#rest === undefined ? chunk : Buffer.concat([this.#rest, chunk]);
    } else {
      (this.#restLines ??= []).push(...this.#splitMessage(chunk));
    }
    this.#work();
  }

  endReceived(): void {
    this.#ended = true;
    this.#work();
  }

  connectionLost(): void {
    clearTimeout(this.#throttle);
    this.#idle?.clear();
    this.#leave();
    this.#context.forget(this);
  }

  /** @internal server shutdown: say goodbye, close, and announce nothing. */
  close(notice: string): void {
    clearTimeout(this.#throttle);
    this.#idle?.clear();
    this.deliver(notice);
    if (this.#state === 'chatting') this.#context.room.leave(this);
    this.#state = 'gone';
    this.#releaseUdpSeat();
    this.#end();
  }

  /**
   * The room lost this user's name to a user of another server (claimed
   * there while this one was cut off from the room): the user is told and
   * closed. The room has removed it already; nothing is announced.
   */
  nameLost(): void {
    if (this.#state !== 'chatting') return;
    clearTimeout(this.#throttle);
    this.#idle?.clear();
    this.#state = 'gone';
    this.#waiting = undefined;
    this.#rest = undefined;
    this.#restLines = undefined;
    this.#releaseUdpSeat();
    this.#context.left(this.#nickname, this.session);
    this.deliver(text.nameLost(this.#nickname));
    this.#end();
  }

  /** One datagram or message: one line, or several separated by newlines. */
  #splitMessage(message: Buffer): string[] {
    const max = this.#context.options.maxLineBytes;
    const body = message[message.length - 1] === 0x0a ? message.subarray(0, message.length - 1) : message;
    const lines: string[] = [];
    for (const raw of body.toString('utf8').split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (Buffer.byteLength(line) > max) this.deliver(text.lineTooLong(max));
      else lines.push(line);
    }
    return lines;
  }

  /** Handles what was read, line by line, while tokens last and the state allows. */
  #work(): void {
    if (this.#waiting !== undefined) {
      const line = this.#waiting;
      this.#waiting = undefined;
      if (!this.#offer(line)) return;
    }
    while (this.#restLines !== undefined && this.#restLines.length > 0) {
      if (!this.#offer(this.#restLines.shift() as string)) return;
    }
    if (this.#rest !== undefined && this.#reader !== undefined) {
      const rest = this.#rest;
      this.#rest = undefined;
      const used = this.#reader.push(rest);
      // Keep only the unparsed tail, copied so the chunk it came from can go.
      if (used < rest.length && this.#state !== 'gone') {
        this.#rest = Buffer.from(rest.subarray(used));
        return;
      }
    }
    // Everything read is handled and a line is left open: start its idle time.
    if (this.#reader?.midLine === true && this.#state !== 'gone' && !this.#ended) this.#armIdle();
    this.#maybeFinish();
  }

  #armIdle(): void {
    const ms = this.#context.options.partialLineIdleMs;
    if (ms > 0) (this.#idle ??= new PartialLineTimer(this, ms)).arm();
  }

  /**
   * @internal PartialLineTimer: the user went quiet mid-line, so what it sent
   * is taken as a line. Not while earlier input still waits (a token, the
   * room's answer, a paused chunk): #work re-arms once that is handled.
   */
  partialLineIdle(): void {
    if (this.#state !== 'naming' && this.#state !== 'chatting') return;
    if (this.#waiting !== undefined || this.#rest !== undefined || this.#ended) return;
    this.#reader?.flushPartial();
  }

  /** After a half-close, once all that was sent is handled: the last line, then leave. */
  #maybeFinish(): void {
    if (!this.#ended || this.#state === 'gone' || this.#state === 'joining') return;
    if (this.#waiting !== undefined || this.#rest !== undefined || (this.#restLines?.length ?? 0) > 0) return;
    if (!this.#finished) {
      this.#finished = true;
      this.#reader?.finish();
      if (this.#waiting !== undefined) return;
    }
    this.#leave();
    this.#end();
  }

  /**
   * Handles one line if a token is there and the user is not waiting for the
   * room; otherwise keeps it and stops reading from the user.
   * @returns whether the next line may be handled right away
   */
  #offer(line: string): boolean {
    if (this.#state === 'gone') return false;
    if (this.#state === 'joining' || this.#throttle !== undefined) {
      this.#waiting = line;
      return false;
    }
    const bucket = this.#bucket;
    const now = bucket === undefined ? 0 : this.#context.options.now();
    if (bucket !== undefined && !bucket.take(now)) {
      this.#waiting = line;
      this.session.pause();
      this.#throttle = setTimeout(() => {
        this.#throttle = undefined;
        this.session.resume();
        this.#work();
      }, bucket.waitMs(now));
      return false;
    }
    if (this.#state === 'naming') this.#chooseName(line);
    else this.#chat(line);
    return this.#state === 'naming' || this.#state === 'chatting';
  }

  #chooseName(line: string): void {
    const name = line.trim();
    const max = this.#context.options.nicknameMaxChars;
    const problem = nicknameProblem(name, max);
    if (problem === 'empty') return this.deliver(text.nameEmpty());
    if (problem === 'too-long') return this.deliver(text.nameTooLong(max));
    if (problem === 'invalid') return this.deliver(text.nameInvalid());
    // UDP users have a cap of their own, so forged sources cannot fill the room.
    if (this.#connectionless && !this.#udpSeat) {
      if (!this.#context.udpSeats.take()) {
        this.#state = 'gone';
        this.deliver(text.udpFull(this.#context.options.maxUdpUsers));
        this.#end();
        return;
      }
      this.#udpSeat = true;
    }
    this.#nickname = name;
    this.#state = 'joining';
    const result = this.#context.room.join(this);
    if (result instanceof Promise) {
      // A broker-backed room answers later; what the user sends meanwhile waits.
      this.session.pause();
      result.then(
        (r) => this.#joined(r, true),
        () => this.#joined('full', true),
      );
    } else {
      this.#joined(result, false);
    }
  }

  /** @param later true when the room answered asynchronously (reading must then restart) */
  #joined(result: JoinResult, later: boolean): void {
    if (this.#state !== 'joining') {
      // The user went away while the room decided.
      if (result === 'joined') this.#context.room.leave(this);
      return;
    }
    if (later) this.session.resume();
    let go = true;
    if (result !== 'joined') this.#releaseUdpSeat();
    if (result === 'taken') {
      this.#state = 'naming';
      this.deliver(text.nameTaken(this.#nickname));
      this.#nickname = '';
    } else if (result === 'full') {
      this.#state = 'gone';
      this.deliver(text.roomFull(this.#context.options.maxUsers));
      this.#end();
      go = false;
    } else if (!this.session.prove()) {
      // A UDP peer with no connection seat left: the listener told it so and closed it.
      this.#context.room.leave(this);
      this.#state = 'gone';
      this.#releaseUdpSeat();
      go = false;
    } else {
      this.#state = 'chatting';
      this.deliver(text.welcome(this.#nickname));
      // UDP joins are announced within a room-wide rate, so a flood of them is no amplifier.
      this.#announced = !this.#udpSeat || this.#context.udpSeats.announceJoin();
      if (this.#announced) this.#context.room.broadcast(text.entered(this.#nickname), this);
      this.#context.joined(this.#nickname, this.session);
    }
    if (go && later) this.#work();
  }

  #chat(line: string): void {
    const command = commandFor(line);
    if (command !== undefined) {
      command(this.#commandContext());
      return;
    }
    if (line.length === 0) return;
    this.#context.room.broadcast(text.said(this.#nickname, escapeControls(line)), this);
  }

  #commandContext(): CommandContext {
    return {
      room: this.#context.room,
      reply: (line) => this.deliver(line),
      quit: () => {
        this.#leave();
        this.#end();
      },
    };
  }

  /** Leaves the room once, telling the others (a quit, a drop and a cut-off alike). */
  #leave(): void {
    const wasChatting = this.#state === 'chatting';
    this.#state = 'gone';
    this.#waiting = undefined;
    this.#rest = undefined;
    this.#restLines = undefined;
    this.#releaseUdpSeat();
    if (!wasChatting) return;
    this.#context.room.leave(this);
    if (this.#announced) this.#context.room.broadcast(text.left(this.#nickname));
    this.#context.left(this.#nickname, this.session);
  }

  #releaseUdpSeat(): void {
    if (!this.#udpSeat) return;
    this.#udpSeat = false;
    this.#context.udpSeats.release();
  }

  #cutOff(error: NetlabError): void {
    this.#leave();
    this.#context.dropped(this.session, error);
    this.session.destroy(error);
  }
}
