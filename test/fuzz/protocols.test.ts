/**
 * Malformed peers against the chat and relay protocols: random and mutated
 * input never throws out of a handler, never takes down other users, and
 * output stays within the limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeFrame } from '../../src/codec/length-prefixed.js';
import { ERROR_CODES } from '../../src/errors.js';
import { attachProtocol } from '../../src/protocols/protocol.js';
import { ChatServer } from '../../src/protocols/chat/server.js';
import { ImRelay } from '../../src/protocols/im/relay.js';
import { MemorySession } from '../helpers/memory-session.js';

const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 200);
const chunk = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom(...['alice\n', 'bob\r\n', '/who\n', '!Q\n', '/quit\n', '\n', 'x'.repeat(5000), 'hello\n', '\u0000\n', 'Zoë\n'].map((s) => Buffer.from(s))),
);

test('chat: random chunks on every transport kind never throw; a bystander keeps its connection', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('tcp', 'udp', 'ws') as fc.Arbitrary<'tcp' | 'udp' | 'ws'>, fc.array(chunk, { maxLength: 12 })), { maxLength: 4 }), (peers) => {
      const chat = new ChatServer({ linesPerSecond: 1e9, lineBurst: 1e9, now: () => 0 });
      const bystander = new MemorySession('tcp');
      attachProtocol(bystander, chat.protocol);
      bystander.feed(Buffer.from('bystander\n'));
      for (const [transport, chunks] of peers) {
        const s = new MemorySession(transport);
        attachProtocol(s, chat.protocol);
        for (const c of chunks) s.feed(Buffer.from(c));
        s.peerEnd();
        // attachProtocol turns a throwing handler into NETLAB_ERR_INTERNAL: there must be none.
        assert.equal(s.closeError, undefined);
      }
      assert.equal(bystander.closed, false);
      assert.equal(bystander.closeError, undefined);
      for (const line of bystander.text.split('\n')) assert.ok(Buffer.byteLength(line) <= 4096 + 40, 'no line longer than a chat line and a name');
    }),
    { numRuns: RUNS },
  );
});

test('relay: random bytes from one client never throw and never reach others as anything but whole frames', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 5 }), async (noise, good) => {
      const relay = new ImRelay({ maxFrameBytes: 128 });
      const evil = new MemorySession('tcp');
      const honest = new MemorySession('tcp');
      const reader = new MemorySession('tcp');
      for (const s of [evil, honest, reader]) attachProtocol(s, relay.protocol);
      for (const n of noise) evil.feed(Buffer.from(n));
      for (const g of good) honest.feed(encodeFrame(g));
      // Frames for a receiver leave together once the event-loop turn ends.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(honest.closed, false);
      assert.equal(reader.closed, false);
      assert.ok(evil.closeError === undefined || evil.closeError.code === ERROR_CODES.FRAME_TOO_LARGE, String(evil.closeError?.code));
      // What the reader got from the honest client is exactly its frames, in order, at the end.
      const expected = Buffer.concat(good.map((g) => encodeFrame(g)));
      const got = Buffer.concat(reader.written);
      assert.deepEqual(got.subarray(got.length - expected.length), expected);
    }),
    { numRuns: RUNS },
  );
});
