import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder } from '../../src/codec/length-prefixed.js';
import { NetlabError, ERROR_CODES } from '../../src/errors.js';

const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 300);

/** Splits `bytes` at the given cut points. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

test('random bytes in random chunks: never throws, fails only with FRAME_TOO_LARGE, holds at most max+4 bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 0, max: 600 }), (bytes, cuts, max) => {
      let failures = 0;
      const decoder = new FrameDecoder({
        maxFrameBytes: max,
        onFrame: (p) => assert.ok(p.length <= max),
        onError: (e) => {
          failures += 1;
          assert.ok(e instanceof NetlabError);
          assert.equal(e.code, ERROR_CODES.FRAME_TOO_LARGE);
        },
      });
      for (const chunk of split(Buffer.from(bytes), cuts)) {
        decoder.push(chunk);
        assert.ok(decoder.pendingBytes <= max + 4);
      }
      assert.ok(failures <= 1);
    }),
    { numRuns: RUNS },
  );
});

test('valid frames, mutated and re-chunked: whatever decodes before the first mutation is exact', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { nil: undefined }),
      (payloads, cuts, mutation) => {
        const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
        let mutatedAt = Infinity;
        if (mutation !== undefined && stream.length > 0) {
          mutatedAt = mutation[0] % stream.length;
          stream[mutatedAt] = (stream[mutatedAt] as number) ^ mutation[1];
        }
        const got: Buffer[] = [];
        const decoder = new FrameDecoder({ maxFrameBytes: 300, onFrame: (p) => got.push(Buffer.from(p)), onError: () => undefined });
        for (const chunk of split(stream, cuts)) decoder.push(chunk);
        let offset = 0;
        for (let i = 0; i < payloads.length; i++) {
          const end = offset + 4 + (payloads[i] as Uint8Array).length;
          if (end > mutatedAt) break;
          assert.deepEqual(got[i], Buffer.from(payloads[i] as Uint8Array));
          offset = end;
        }
        if (mutation === undefined) assert.equal(got.length, payloads.length);
      },
    ),
    { numRuns: RUNS },
  );
});
