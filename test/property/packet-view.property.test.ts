/**
 * Properties of the packet view over real samples, mutated at random:
 * every output form (-V, --json, -x, -e of every field) never throws and
 * never hangs on damaged frames; and a display filter and its negation
 * split the packets `pcap stats` counts into two parts that cover them all,
 * with nothing lost and nothing shown twice (filtering never changes which
 * packets are read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { NetlabError } from '../../src/errors.js';
import { compileDisplayFilter } from '../../src/pcap/filter/index.js';
import { openCapture } from '../../src/pcap/read/source.js';
import { StatsAccumulator } from '../../src/pcap/stats.js';
import { VIEW_FIELDS } from '../../src/pcap/view/catalog.js';
import { PacketView, type PacketViewOptions } from '../../src/pcap/view/packet-view.js';
import { chunked, FIXTURES, sampleFiles } from '../helpers/pcap.js';

const samples = sampleFiles().map((name) => readFileSync(join(FIXTURES, name)));
const RUNS = Number(process.env.NETLAB_FUZZ_RUNS ?? 150);
const ALL_FIELDS = [...VIEW_FIELDS.names()];

function mutate(base: Buffer, flips: { at: number; value: number }[], cut: number | null): Buffer {
  const b = Buffer.from(base);
  // The file header (first 24 bytes of pcap, the first block of pcapng) is kept so the reader gets to the frames.
  for (const f of flips) if (b.length > 64) b[64 + (f.at % (b.length - 64))] = f.value;
  return cut === null || b.length <= 64 ? b : b.subarray(0, 64 + (cut % (b.length - 64)));
}

async function render(bytes: Buffer, options: PacketViewOptions): Promise<string[]> {
  const view = new PacketView(options);
  const out: string[] = [];
  try {
    const source = await openCapture(chunked(bytes, []), { maxRecordBytes: 1 << 20 });
    await source.forEach((p) => {
      const shown = view.render(p);
      if (shown !== undefined) out.push(shown);
    });
  } catch (err) {
    if (!(err instanceof NetlabError)) throw err;
  }
  view.finish();
  return out;
}

test('the packet view never throws on mutated captures, in every output form', async () => {
  const flip = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });
  await fc.assert(
    fc.asyncProperty(fc.nat(samples.length - 1), fc.array(flip, { maxLength: 24 }), fc.option(fc.nat()), async (which, flips, cut) => {
      const bytes = mutate(samples[which]!, flips, cut);
      await render(bytes, { details: true, hex: true });
      await render(bytes, { json: true });
      await render(bytes, { fields: ALL_FIELDS });
    }),
    { numRuns: RUNS },
  );
});

const FILTERS = ['tcp', 'udp && dns', 'ip.addr == 192.168.0.0/16', 'tcp.len > 0 || icmp', 'http || tls', 'frame.len > 100 && !ipv6', 'tcp.flags.syn == 1', 'dns.qry.name contains "a"', 'data', 'eth.type == 0x0800 && tcp.port in {22 53 80..90}'];

test('a filter and its negation split the packets pcap stats counts, on mutated captures too', async () => {
  const flip = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });
  await fc.assert(
    fc.asyncProperty(fc.nat(samples.length - 1), fc.array(flip, { maxLength: 8 }), fc.constantFrom(...FILTERS), async (which, flips, expr) => {
      const bytes = mutate(samples[which]!, flips, null);
      let counted = -1;
      try {
        const stats = new StatsAccumulator({ local: ['192.168.0.0/16'] });
        const source = await openCapture(chunked(bytes, []), { maxRecordBytes: 1 << 20 });
        await source.forEach((p) => stats.add(p));
        counted = stats.packets;
      } catch (err) {
        if (!(err instanceof NetlabError)) throw err;
        return;
      }
      const yes = compileDisplayFilter(expr, VIEW_FIELDS);
      const no = compileDisplayFilter(`!(${expr})`, VIEW_FIELDS);
      assert.ok(yes.ok && no.ok);
      const kept = await render(bytes, { displayFilter: yes.filter, fields: ['frame.number'] });
      const rest = await render(bytes, { displayFilter: no.filter, fields: ['frame.number'] });
      const all = [...kept, ...rest].map(Number).sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: counted }, (_, i) => i + 1), `${expr}: kept ${kept.length} + rest ${rest.length} of ${counted}`);
    }),
    { numRuns: RUNS },
  );
});
