/**
 * Property tests of the capture reader and everything above it: real samples
 * mutated at random (bytes flipped, lengths overwritten with extreme values,
 * cut short) and random bytes behind valid headers. The reader, dissectors,
 * statistics and reassembly must never throw anything but a NetlabError,
 * never hang, and never allocate for an absurd length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { NetlabError } from '../../src/errors.js';
import { listTcpStreams } from '../../src/pcap/follow.js';
import { PacketSummarizer } from '../../src/pcap/summary.js';
import { openCapture } from '../../src/pcap/read/source.js';
import { StatsAccumulator } from '../../src/pcap/stats.js';
import { chunked, FIXTURES, sampleFiles } from '../helpers/pcap.js';

const samples = sampleFiles().map((name) => readFileSync(join(FIXTURES, name)));
const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 1000);
const EXTREMES = [0, 1, 3, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff, 65535, 262145];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.constantFrom(...EXTREMES), le: fc.boolean() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
);

function mutate(base: Buffer, ms: { kind: 'flip' | 'u32' | 'cut'; at: number; value: number; le?: boolean }[]): Buffer {
  let b = Buffer.from(base);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] = m.value;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (at + 4 <= b.length) {
      if (m.le) b.writeUInt32LE(m.value >>> 0, at);
      else b.writeUInt32BE(m.value >>> 0, at);
    }
  }
  return b;
}

/** Runs the whole analysis over `bytes` split at `cuts`; only NetlabErrors may come out. */
async function analyse(bytes: Buffer, cuts: number[]): Promise<void> {
  const before = process.memoryUsage().arrayBuffers;
  try {
    const src = await openCapture(chunked(bytes, cuts), { maxRecordBytes: 1 << 20 });
    const stats = new StatsAccumulator({ local: ['192.168.0.0/16', 'fe80::/10'] });
    const summary = new PacketSummarizer();
    const info = await src.forEach((p) => {
      stats.add(p);
      summary.summarize(p);
    });
    const result = stats.result('fuzz', info);
    assert.equal(result.packets, info.packets);
    assert.ok(result.in.packets + result.out.packets + result.other.packets === result.packets);
    await listTcpStreams(chunked(bytes, cuts), { maxBufferedPerStream: 1 << 16, maxBufferedTotal: 1 << 20 });
  } catch (err) {
    if (!(err instanceof NetlabError)) throw err;
  }
  // Nothing near an absurd length was allocated (the cap here is 1 MiB per record).
  assert.ok(process.memoryUsage().arrayBuffers - before < 96 * 1024 * 1024);
}

test('mutated real captures never crash the reader, dissectors, statistics or reassembly', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: samples.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat({ max: 100_000 }), { maxLength: 4 }),
      async (which, ms, cuts) => analyse(mutate(samples[which]!, ms), cuts),
    ),
    { numRuns: RUNS, interruptAfterTimeLimit: 60_000 },
  );
});

test('random bytes behind a valid pcap or pcapng header never crash anything', async () => {
  const pcapHead = samples.find((b) => b.readUInt32LE(0) === 0xa1b2c3d4)!.subarray(0, 24);
  const ngHead = samples.find((b) => b.readUInt32LE(0) === 0x0a0d0d0a)!.subarray(0, 28 + 32);
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.uint8Array({ maxLength: 4000 }), async (ng, tail) =>
      analyse(Buffer.concat([ng ? ngHead : pcapHead, tail]), []),
    ),
    { numRuns: RUNS, interruptAfterTimeLimit: 60_000 },
  );
});
