import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeliveryScanner, LINE_BYTES, writeBenchLine } from '../../../src/load/chat-lines.js';

function line(sentUs: number): Buffer {
  const b = Buffer.alloc(LINE_BYTES);
  writeBenchLine(b, sentUs);
  return b;
}

/** What a chat room sends a user: `NAME: TEXT` for each bench line, among other lines. */
function delivered(name: string, sentUs: number, crlf = false): Buffer {
  const text = line(sentUs).toString('latin1').replace('\n', crlf ? '\r\n' : '\n');
  return Buffer.from(`${name}: ${text}`, 'latin1');
}

function scanAll(chunks: Buffer[]): number[] {
  const scanner = new DeliveryScanner();
  const seen: number[] = [];
  for (const c of chunks) scanner.feed(c, 0, (v) => seen.push(v));
  return seen;
}

describe('bench chat lines', () => {
  it('writes `~`, 15 fixed-width digits of time and 6 of the sender', () => {
    assert.equal(line(1234).toString('latin1'), '~000000000001234000000\n');
    const b = Buffer.alloc(LINE_BYTES * 2);
    writeBenchLine(b, 5, 42, LINE_BYTES);
    assert.equal(b.subarray(LINE_BYTES).toString('latin1'), '~000000000000005000042\n');
  });

  it('gives each delivered line its sender', () => {
    const b = Buffer.alloc(LINE_BYTES);
    writeBenchLine(b, 99, 314159);
    const seen: [number, number][] = [];
    new DeliveryScanner().feed(Buffer.concat([Buffer.from('s: '), b]), 0, (t, id) => seen.push([t, id]));
    assert.deepEqual(seen, [[99, 314159]]);
  });

  it('finds the send times in delivered lines and ignores notices and other text', () => {
    const stream = Buffer.concat([
      Buffer.from('Welcome to the chat bob. Please type !Q to quit.\n'),
      Buffer.from('alice has entered the chat\n'),
      delivered('alice', 42),
      Buffer.from('Users: alice, bob\n'),
      Buffer.from('carol: ~12 short\n'),
      Buffer.from('carol: hello: ~000000000000007000000\n'),
      delivered('carol', 987654321, true),
      Buffer.from('dave: ~0000000000000001234000000\n'),
    ]);
    assert.deepEqual(scanAll([stream]), [42, 7, 987654321]);
  });

  it('gives the same deliveries however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'bob', 'x:y'), fc.integer({ min: 0, max: 2 ** 48 }), fc.boolean()), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (lines, cuts) => {
          const stream = Buffer.concat(lines.flatMap(([name, t, crlf]) => [Buffer.from('x has entered the chat\n'), delivered(name, t, crlf)]));
          const chunks: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const n = cuts[i % cuts.length] as number;
            chunks.push(stream.subarray(at, at + n));
            at += n;
          }
          assert.deepEqual(scanAll(chunks), lines.map(([, t]) => t));
        },
      ),
      { numRuns: 300 },
    );
  });
});
