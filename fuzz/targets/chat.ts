/**
 * The chat server in-process: several peers on different transports send
 * random and mutated lines; no handler throws, a bystander keeps its
 * connection and receives, and no relayed line is longer than a chat line
 * (after invalid UTF-8 is replaced) plus a name.
 */
import { ChatServer } from '../../src/protocols/chat/server.js';
import { attachProtocol } from '../../src/protocols/protocol.js';
import { MemorySession } from '../../test/helpers/memory-session.js';
import { chunk, input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const SEEDS = ['alice\n', 'bob\r\nhello\n', '/who\n', '/nick carol\n', '/me waves\n', '/quit\n', '\n\n', 'x'.repeat(5000), 'Zoë\nhi\x1b[2J\r\n', '\u0000\n'].map((s) => Buffer.from(s));
const TRANSPORTS = ['tcp', 'tls', 'udp', 'ws'] as const;
const MAX_LINE = 4096;
const MAX_NICK_BYTES = 32 * 4;
/**
 * Invalid UTF-8 is relayed as U+FFFD (3 bytes for each bad input byte), so a
 * relayed line is bounded by three times the line cap plus a name, not by the
 * cap itself.
 */
const MAX_RELAYED_BYTES = 3 * MAX_LINE + MAX_NICK_BYTES + 64;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const chat: FuzzTarget = {
  name: 'server/chat',
  async run(rng) {
    const server = new ChatServer({ linesPerSecond: 1e9, lineBurst: 1e9, now: () => 0 });
    const bystander = new MemorySession('tcp');
    attachProtocol(bystander, server.protocol);
    bystander.feed(Buffer.from('bystander\n'));
    const peers = 1 + rng.below(3);
    for (let i = 0; i < peers; i++) {
      const s = new MemorySession(rng.pick(TRANSPORTS));
      attachProtocol(s, server.protocol);
      const lines = 1 + rng.below(6);
      for (let j = 0; j < lines && !s.closed; j++) {
        const bytes = input(rng, SEEDS, 300);
        for (const p of s.framing === 'message' ? [bytes] : chunk(rng, bytes)) if (!s.closed) s.feed(p);
      }
      if (!s.closed) s.peerEnd();
      check(s.closeError === undefined || s.closeError.code !== 'NETLAB_ERR_INTERNAL', `a handler threw: ${s.closeError?.message}`);
    }
    // Relayed lines leave in one batch per receiver at the end of the event-loop turn.
    await turn();
    check(!bystander.closed && bystander.closeError === undefined, 'the bystander lost its connection');
    check(bystander.written.length > 0, 'the bystander was never greeted');
    for (const line of bystander.text.split('\n')) check(Buffer.byteLength(line) <= MAX_RELAYED_BYTES, `relayed a ${Buffer.byteLength(line)}-byte line`);
  },
};
