/** codec/length-prefixed: the IM frame decoder over random and mutated frame streams. */
import { encodeFrame, FrameDecoder } from '../../src/codec/length-prefixed.js';
import { ERROR_CODES } from '../../src/errors.js';
import { chunk, input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const SEEDS = [
  Buffer.concat([encodeFrame(Buffer.from('hello')), encodeFrame(Buffer.alloc(0)), encodeFrame(Buffer.alloc(300, 7))]),
  encodeFrame(Buffer.alloc(600, 1)),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
];

function decode(chunks: Buffer[], max: number): string[] {
  const out: string[] = [];
  const decoder = new FrameDecoder({
    maxFrameBytes: max,
    onFrame: (p) => {
      check(p.length <= max, `frame of ${p.length} bytes over the cap ${max}`);
      out.push(p.toString('hex'));
    },
    onError: (e) => {
      check(e.code === ERROR_CODES.FRAME_TOO_LARGE, `unexpected error code ${e.code}`);
      out.push('error');
    },
  });
  for (const c of chunks) {
    decoder.push(c);
    check(decoder.pendingBytes <= max + 4, `holds ${decoder.pendingBytes} bytes with a cap of ${max}`);
  }
  check(out.filter((x) => x === 'error').length <= 1, 'more than one error');
  return out;
}

export const lengthPrefixed: FuzzTarget = {
  name: 'codec/length-prefixed',
  run(rng) {
    const bytes = input(rng, SEEDS, 2048);
    const max = rng.pick([0, 1, 5, 64, 300, 599, 600, 65536]);
    const whole = decode([bytes], max).join(',');
    const parts = decode(chunk(rng, bytes), max).join(',');
    check(whole === parts, 'chunking changed the decoded frames');
  },
};
