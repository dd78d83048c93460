/**
 * The idle flush of partial lines, with fake timers (node:test mock.timers):
 * the splitter's flushPartial(), the timer, and the chat user and echo
 * line modes that hold it.
 */
import { test, mock, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, type LineEnding } from '../../../src/codec/line-splitter.js';
import { ChatReceiver } from '../../../src/protocols/chat/client.js';
import { ChatServer } from '../../../src/protocols/chat/server.js';
import { echoProtocol } from '../../../src/protocols/echo/echo.js';
import { PartialLineTimer } from '../../../src/protocols/partial-line-timer.js';
import { attachProtocol } from '../../../src/protocols/protocol.js';
import { MemorySession } from '../../helpers/memory-session.js';

function fakeClock(t: TestContext): void {
  mock.timers.enable({ apis: ['setTimeout', 'setImmediate', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
}

function splitter(max = 10, overLong: 'stop' | 'skip' = 'skip'): { s: LineSplitter; out: [string, LineEnding][] } {
  const out: [string, LineEnding][] = [];
  const s = new LineSplitter({ maxLineBytes: max, overLong, onLine: (l, e) => void out.push([l.toString('latin1'), e]), onError: () => void out.push(['<too long>', '']) });
  return { s, out };
}

test('flushPartial: takes the pending bytes as one line, once; nothing pending is a no-op', () => {
  const { s, out } = splitter();
  s.push(Buffer.from('he'));
  s.push(Buffer.from('llo'));
  assert.equal(s.midLine, true);
  assert.equal(s.flushPartial(), true);
  assert.equal(s.flushPartial(), false);
  assert.equal(s.midLine, false);
  s.push(Buffer.from('next\n'));
  assert.deepEqual(out, [
    ['hello', ''],
    ['next', '\n'],
  ]);
});

test('flushPartial: a trailing \\r is the line end, and a \\n arriving after it is no empty line', () => {
  const { s, out } = splitter();
  s.push(Buffer.from('abc\r'));
  s.flushPartial();
  s.push(Buffer.from('\ndef\n'));
  assert.deepEqual(out, [
    ['abc', ''],
    ['def', '\n'],
  ]);
});

test('flushPartial: ends the skipping of an over-long line, so the next message is read', () => {
  const { s, out } = splitter(4);
  s.push(Buffer.from('way too long'));
  assert.equal(s.midLine, true);
  s.flushPartial();
  s.push(Buffer.from('ok'));
  s.flushPartial();
  assert.deepEqual(out, [
    ['<too long>', ''],
    ['ok', ''],
  ]);
});

test('PartialLineTimer: fires idleMs after the last arm, not after the first; clear() cancels', (t) => {
  fakeClock(t);
  let fired = 0;
  const timer = new PartialLineTimer({ partialLineIdle: () => void (fired += 1) }, 200);
  timer.arm();
  mock.timers.tick(150);
  timer.arm();
  mock.timers.tick(150);
  assert.equal(fired, 0, '150 ms after the second arm');
  mock.timers.tick(50);
  assert.equal(fired, 1);
  mock.timers.tick(1000);
  assert.equal(fired, 1, 'once');
  timer.arm();
  timer.clear();
  mock.timers.tick(1000);
  assert.equal(fired, 1, 'cleared');
});

test('echo reverse: "hello" with no newline is answered 200 ms after the last byte, pieces within it are one line', (t) => {
  fakeClock(t);
  const session = new MemorySession('tcp');
  attachProtocol(session, echoProtocol({ mode: 'reverse' }));
  session.feed(Buffer.from('hel'));
  mock.timers.tick(150);
  session.feed(Buffer.from('lo'));
  mock.timers.tick(199);
  assert.equal(session.text, '');
  mock.timers.tick(1);
  assert.equal(session.text, 'olleh');
  session.feed(Buffer.from('ab\n'));
  assert.equal(session.text, 'ollehba\n', 'terminated lines are answered at once, as before');
});

test('echo reply: partialLineIdleMs 0 keeps the old behaviour (answer on the half-close only)', (t) => {
  fakeClock(t);
  const session = new MemorySession('tcp');
  attachProtocol(session, echoProtocol({ mode: 'reply', reply: 'X', partialLineIdleMs: 0 }));
  session.feed(Buffer.from('hello'));
  mock.timers.tick(10_000);
  assert.equal(session.text, '');
  session.peerEnd();
  assert.equal(session.text, 'X\n');
});

test('echo: a bad partialLineIdleMs is a usage error', () => {
  assert.throws(() => echoProtocol({ mode: 'reverse', partialLineIdleMs: -1 }), /options\.partialLineIdleMs must be a number of 0 or more/);
  assert.throws(() => echoProtocol({ mode: 'reverse', partialLineIdleMs: Number.NaN }), /options\.partialLineIdleMs must be a number of 0 or more/);
  assert.throws(() => new ChatServer({ partialLineIdleMs: -5 }), /options\.partialLineIdleMs must be a number of 0 or more/);
});

test('chat: a user who never sends a line end joins and talks after each idle time; !Q quits', (t) => {
  fakeClock(t);
  const chat = new ChatServer();
  const lab = new MemorySession('tcp');
  const other = new MemorySession('tcp');
  attachProtocol(lab, chat.protocol);
  attachProtocol(other, chat.protocol);
  other.feed(Buffer.from('bob\n'));
  lab.feed(Buffer.from('ali'));
  mock.timers.tick(100);
  lab.feed(Buffer.from('ce'));
  mock.timers.tick(199);
  assert.ok(!lab.text.includes('Welcome to the chat'), 'not before the idle time');
  mock.timers.tick(1);
  assert.ok(lab.text.includes('Welcome to the chat alice. Please type !Q to quit.\n'), lab.text);
  lab.feed(Buffer.from('hello'));
  mock.timers.tick(200);
  mock.timers.runAll();
  assert.ok(other.text.includes('alice has entered the chat\nalice: hello\n'), other.text);
  lab.feed(Buffer.from('!Q'));
  mock.timers.tick(200);
  mock.timers.runAll();
  assert.ok(other.text.includes('alice has left the chat\n'), other.text);
  assert.equal(lab.ended, true);
});

test('chat: the idle flush waits while a line waits for a rate-limit token, and keeps the order', (t) => {
  fakeClock(t);
  const chat = new ChatServer({ linesPerSecond: 1, lineBurst: 1, now: () => Date.now() });
  const lab = new MemorySession('tcp');
  const other = new MemorySession('tcp');
  attachProtocol(lab, chat.protocol);
  attachProtocol(other, chat.protocol);
  other.feed(Buffer.from('bob\n'));
  lab.feed(Buffer.from('alice\n'));
  mock.timers.tick(1000);
  lab.feed(Buffer.from('one\ntwo\nthr'));
  mock.timers.tick(200);
  mock.timers.runAll();
  mock.timers.tick(5000);
  mock.timers.runAll();
  const said = other.text.split('\n').filter((l) => l.startsWith('alice: '));
  assert.deepEqual(said, ['alice: one', 'alice: two', 'alice: thr']);
});

test('ChatReceiver: lines mode escapes and joins split lines; chunks mode shows each chunk at once', () => {
  const lines: string[] = [];
  const r = new ChatReceiver({ mode: 'lines', onLine: (l) => void lines.push(l) });
  r.push(Buffer.from('a: hi\x1b[2J'));
  r.push(Buffer.from(' there\r\nb: \xe2', 'latin1'));
  r.push(Buffer.from([0x82, 0xac, 0x0a]));
  r.finish();
  assert.deepEqual(lines, ['a: hi\\x1b[2J there', 'b: \u20ac']);
  const chunks: string[] = [];
  const c = new ChatReceiver({ mode: 'chunks', onLine: (l) => void chunks.push(l) });
  c.push(Buffer.from('Welcome to the server, what is your name?'));
  c.push(Buffer.from('carol: hi\rbob: x\x07'));
  assert.deepEqual(chunks, ['Welcome to the server, what is your name?', 'carol: hi\\x0dbob: x\\x07']);
});

test('property: chunks with idle flushes anywhere never throw, never exceed the cap, and lose no byte of a clean stream', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 24 }), fc.boolean()), { maxLength: 30 }),
      fc.integer({ min: 1, max: 16 }),
      fc.constantFrom<'stop' | 'skip'>('stop', 'skip'),
      (steps, max, overLong) => {
        const lines: Buffer[] = [];
        let errors = 0;
        const s = new LineSplitter({ maxLineBytes: max, overLong, onLine: (l) => void lines.push(Buffer.from(l)), onError: () => void (errors += 1) });
        for (const [chunk, flush] of steps) {
          s.push(Buffer.from(chunk));
          assert.ok(s.pendingBytes <= max + 1);
          if (flush) s.flushPartial();
        }
        s.finish();
        for (const l of lines) assert.ok(l.length <= max);
        // Without CR/LF and over-long lines, every byte comes out, in order.
        const clean = steps.every(([c]) => !c.includes(0x0a) && !c.includes(0x0d));
        if (clean && errors === 0) assert.deepEqual(Buffer.concat(lines), Buffer.concat(steps.map(([c]) => Buffer.from(c))));
      },
    ),
    { numRuns: 500 },
  );
});
