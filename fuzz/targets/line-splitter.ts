/** codec/line-splitter: both over-long policies, any chunking gives the same lines. */
import { LineSplitter } from '../../src/codec/line-splitter.js';
import { ERROR_CODES } from '../../src/errors.js';
import { chunk, input } from '../mutate.js';
import { check, type FuzzTarget } from '../target.js';

const SEEDS = [Buffer.from('hello\nworld\r\n\r\n\nabc'), Buffer.from(`${'x'.repeat(70)}\r\nshort\n`), Buffer.from('\r\r\n\n\r')];

function split(chunks: Buffer[], max: number, overLong: 'stop' | 'skip'): string {
  const out: string[] = [];
  const splitter = new LineSplitter({
    maxLineBytes: max,
    overLong,
    onLine: (line, ending) => {
      check(line.length <= max, `line of ${line.length} bytes over the cap ${max}`);
      out.push(`${line.toString('hex')}|${ending}`);
    },
    onError: (e) => {
      check(e.code === ERROR_CODES.LINE_TOO_LONG, `unexpected error code ${e.code}`);
      out.push('error');
    },
  });
  for (const c of chunks) {
    splitter.push(c);
    check(splitter.pendingBytes <= max + 1, `holds ${splitter.pendingBytes} bytes with a cap of ${max}`);
  }
  splitter.finish();
  return out.join(',');
}

export const lineSplitter: FuzzTarget = {
  name: 'codec/line-splitter',
  run(rng) {
    const bytes = input(rng, SEEDS, 600);
    const max = 1 + rng.below(80);
    const overLong = rng.chance(0.5) ? 'stop' : 'skip';
    check(split([bytes], max, overLong) === split(chunk(rng, bytes), max, overLong), 'chunking changed the lines');
  },
};
