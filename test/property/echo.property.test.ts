/**
 * Property: echo mode returns exactly the bytes sent, for random binary
 * payloads cut into random chunks, over every transport.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { once } from 'node:events';
import { connect } from '../../src/client/connect.js';
import type { TransportName } from '../../src/transports/session.js';
import { eventually, startEcho } from '../helpers/servers.js';

/** Cuts `payload` at the given offsets (any order, duplicates ignored). */
function chunk(payload: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (payload.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of [...points, payload.length]) {
    if (p > from) parts.push(Buffer.from(payload.subarray(from, p)));
    from = p;
  }
  return parts;
}

// size 'max': spread lengths over the whole range instead of fast-check's small default bias.
const payloads = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 200_000, size: 'max' }), fc.array(fc.nat(), { maxLength: 12 }));

for (const transport of ['tcp', 'tls'] as TransportName[]) {
  test(`${transport} echo is byte-exact for random binary payloads and chunkings`, async (t) => {
    const server = await startEcho(t, transport);
    await fc.assert(
      fc.asyncProperty(payloads, async ([payload, cuts]) => {
        const session = await connect({ transport, host: '127.0.0.1', port: server.address.port, tls: { insecure: true } });
        const received: Buffer[] = [];
        session.on('data', (c) => received.push(c));
        const closed = once(session, 'close');
        for (const part of chunk(payload, cuts)) session.write(part);
        session.end();
        await closed;
        assert.deepEqual(Buffer.concat(received), Buffer.from(payload));
      }),
      { numRuns: 25 },
    );
  });
}

for (const transport of ['udp', 'ws'] as TransportName[]) {
  test(`${transport} echo returns each random binary message exactly`, async (t) => {
    const server = await startEcho(t, transport);
    const session = await connect({ transport, host: '127.0.0.1', port: server.address.port });
    t.after(() => session.destroy());
    const received: Buffer[] = [];
    session.on('data', (c) => received.push(c));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: transport === 'udp' ? 1400 : 100_000, size: 'max' }), async (message) => {
        const before = received.length;
        session.write(message);
        await eventually(() => received.length > before, 5000, 'the echo');
        assert.deepEqual(received[before], Buffer.from(message));
      }),
      { numRuns: 100 },
    );
  });
}
