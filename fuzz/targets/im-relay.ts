/**
 * The IM relay in-process: a hostile client sends random and mutated frame
 * streams while an honest one sends frames; the relay never throws, cuts the
 * hostile one off only for an oversized frame, and the reader gets exactly
 * the honest frames, whole and in order.
 */
import { encodeFrame } from '../../src/codec/length-prefixed.js';
import { ERROR_CODES } from '../../src/errors.js';
import { ImRelay } from '../../src/protocols/im/relay.js';
import { attachProtocol } from '../../src/protocols/protocol.js';
import { MemorySession } from '../../test/helpers/memory-session.js';
import { chunk, input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const MAX_FRAME = 128;
const SEEDS = [Buffer.concat([encodeFrame(Buffer.from('hi')), encodeFrame(Buffer.alloc(MAX_FRAME, 1))]), encodeFrame(Buffer.alloc(MAX_FRAME + 1)), Buffer.from([0xff, 0xff, 0xff, 0xff])];
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const imRelay: FuzzTarget = {
  name: 'server/im-relay',
  async run(rng) {
    const relay = new ImRelay({ maxFrameBytes: MAX_FRAME });
    const evil = new MemorySession('tcp');
    const honest = new MemorySession('tcp');
    const reader = new MemorySession('tcp');
    for (const s of [evil, honest, reader]) attachProtocol(s, relay.protocol);
    for (const p of chunk(rng, input(rng, SEEDS, 600))) if (!evil.closed) evil.feed(p);
    const good: Buffer[] = [];
    for (let i = rng.below(4); i > 0; i--) good.push(rng.bytes(rng.below(MAX_FRAME + 1)));
    const stream = Buffer.concat(good.map((g) => encodeFrame(g)));
    for (const p of chunk(rng, stream)) honest.feed(p);
    // Frames for a receiver leave together once the event-loop turn ends.
    await turn();
    check(!honest.closed && !reader.closed, 'a well-behaved client was cut off');
    const code = evil.closeError?.code;
    check(code === undefined || code === ERROR_CODES.FRAME_TOO_LARGE, `the hostile client was closed with ${code}`);
    const got = Buffer.concat(reader.written);
    check(got.length >= stream.length && got.subarray(got.length - stream.length).equals(stream), 'the reader did not get the honest frames intact');
    for (const s of [evil, honest, reader]) if (!s.closed) s.peerEnd();
  },
};
