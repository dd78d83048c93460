/**
 * pcap reader: the pcap and pcapng decoders, fed mutated real captures
 * (test/fixtures/pcap and, when present, ../shared/pcap-samples) in random
 * windows the way PacketSource feeds them, and every packet dissected.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, NetlabError } from '../../src/errors.js';
import { Dissection, dissect } from '../../src/pcap/layers/dissect.js';
import type { DecoderContext, RecordDecoder } from '../../src/pcap/read/decoder.js';
import { detectFormat } from '../../src/pcap/read/format.js';
import type { PacketRecord } from '../../src/pcap/read/packet.js';
import { PcapDecoder } from '../../src/pcap/read/pcap.js';
import { PcapngDecoder } from '../../src/pcap/read/pcapng.js';
import { WarningSink } from '../../src/pcap/read/warnings.js';
import { chunk, mutate, randomBytes } from '../mutate.js';
import type { Rng } from '../rng.js';
import { check, type FuzzTarget } from '../target.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE_DIRS = [join(REPO, 'test/fixtures/pcap'), join(REPO, '../shared/pcap-samples')];
const CODES = new Set<string>(Object.values(ERROR_CODES));
/** Whole files are large; a seed is the file's first bytes (header plus a few records). */
const SEED_BYTES = 16 * 1024;

function loadSeeds(): Buffer[] {
  const seen = new Set<string>();
  const seeds: Buffer[] = [];
  for (const dir of SAMPLE_DIRS) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(pcap|pcapng)$/.test(name)) continue;
      const head = readFileSync(join(dir, name)).subarray(0, SEED_BYTES);
      const key = head.toString('base64');
      if (seen.has(key)) continue;
      seen.add(key);
      seeds.push(Buffer.from(head));
    }
  }
  return seeds;
}

let seeds: Buffer[] | undefined;
const dissection = new Dissection();
const MAX_RECORD = 1 << 16;

function onPacket(p: PacketRecord): void {
  check(p.capLen <= MAX_RECORD && p.offset >= 0 && p.offset + p.capLen <= p.buf.length, `packet ${p.index} outside its window`);
  check(p.tsNsec >= 0 && p.tsNsec <= 999_999_999, `packet ${p.index} has tsNsec ${p.tsNsec}`);
  const d = dissect(dissection, p);
  check(d.payloadOffset >= 0 && d.payloadLength >= 0 && d.payloadOffset + d.payloadLength <= p.offset + p.capLen, 'payload outside the packet');
}

/** Feeds `bytes` through a decoder in the given windows, as PacketSource does. */
function read(windows: Buffer[]): void {
  const warnings = new WarningSink(20);
  const ctx: DecoderContext = { onPacket, warnings, maxRecordBytes: MAX_RECORD };
  let decoder: RecordDecoder | undefined;
  let held: Buffer = Buffer.alloc(0);
  for (const w of windows) {
    held = held.length === 0 ? w : Buffer.concat([held, w]);
    if (decoder === undefined) {
      if (held.length < 4) continue;
      decoder = detectFormat(held, 'fuzz') === 'pcap' ? new PcapDecoder(ctx, 'fuzz') : new PcapngDecoder(ctx, 'fuzz');
    }
    const used = decoder.decode(held, 0, held.length);
    check(used >= 0 && used <= held.length, `decode consumed ${used} of ${held.length}`);
    held = held.subarray(used);
    check(decoder.stopped || held.length <= MAX_RECORD + 64, `reader holds ${held.length} bytes, more than one record`);
    if (decoder.stopped) break;
  }
  decoder?.finish(held.length);
  for (const w of warnings.list) check(CODES.has(w.code), `warning with an uncatalogued code ${w.code}`);
}

function generate(rng: Rng, all: Buffer[]): Buffer {
  if (rng.chance(0.1)) {
    // Random bytes behind a valid header of one of the formats.
    const base = rng.pick(all);
    return Buffer.concat([base.subarray(0, rng.chance(0.5) ? 24 : 28 + rng.below(64)), randomBytes(rng, 1024)]);
  }
  const base = rng.pick(all);
  // Usually a short prefix, so most of the time goes to headers and early records.
  const piece = base.subarray(0, rng.chance(0.7) ? 64 + rng.below(2048) : base.length);
  return mutate(rng, piece, all, 6);
}

export const pcapReader: FuzzTarget = {
  name: 'pcap/reader',
  run(rng) {
    seeds ??= loadSeeds();
    check(seeds.length > 0, 'no pcap seeds found');
    const bytes = generate(rng, seeds);
    try {
      read(chunk(rng, bytes));
    } catch (err) {
      // Not a capture at all is a refusal, not a crash.
      if (!(err instanceof NetlabError) || !CODES.has(err.code)) throw err;
    }
  },
};
