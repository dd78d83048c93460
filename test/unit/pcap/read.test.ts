import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CaptureFormatError, ERROR_CODES } from '../../../src/errors.js';
import { openCapture } from '../../../src/pcap/read/source.js';
import {
  buildPcap,
  chunked,
  epbBody,
  FIXTURES,
  idbBody,
  pcapngBlock,
  readAll,
  shbBody,
  tool,
  udpFrame,
} from '../../helpers/pcap.js';

const frame = udpFrame('192.168.1.2', '10.0.0.1', 1234, 53, Buffer.from('hello'));

function tmpFile(t: { after: (fn: () => void) => void }, bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-pcap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'x.pcap');
  writeFileSync(path, bytes);
  return path;
}

test('classic pcap in both byte orders and both resolutions gives the same packets', async () => {
  const records = [
    { sec: 1700000000, frac: 250000, data: frame },
    { sec: 1700000001, frac: 999999, data: frame.subarray(0, 20), origLen: frame.length },
  ];
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      const recs = records.map((r) => ({ ...r, frac: nano ? r.frac * 1000 : r.frac }));
      const { packets, info } = await readAll(chunked(buildPcap(recs, { le, nano }), []));
      assert.equal(info.format, 'pcap');
      assert.deepEqual(info.linkTypes, [1]);
      assert.equal(packets.length, 2, `le=${le} nano=${nano}`);
      assert.equal(packets[0]!.tsSec, 1700000000);
      assert.equal(packets[0]!.tsNsec, 250000000);
      assert.equal(packets[1]!.tsNsec, 999999000);
      assert.equal(packets[1]!.capLen, 20);
      assert.equal(packets[1]!.origLen, frame.length);
      assert.deepEqual(Buffer.from(packets[0]!.data), frame);
    }
  }
});

test('every split of a real capture into two chunks, and byte-at-a-time, yields the same packets', async () => {
  for (const name of ['tcpdump-dns_tcp.pcap', 'pcapng-test-generator-le-test202.pcapng']) {
    const bytes = readFileSync(join(FIXTURES, name));
    const whole = await readAll(join(FIXTURES, name));
    const expected = whole.packets.map((p) => Buffer.from(p.data).toString('hex'));
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const { packets, info } = await readAll(chunked(bytes, [cut]));
      assert.deepEqual(
        packets.map((p) => Buffer.from(p.data).toString('hex')),
        expected,
        `${name} split at ${cut}`,
      );
      assert.deepEqual(info.warnings, []);
    }
    const cuts = Array.from({ length: bytes.length }, (_, i) => i);
    const oneByOne = await readAll(chunked(bytes, cuts));
    assert.equal(oneByOne.packets.length, expected.length);
  }
});

test('a tiny read window still reads records larger than it (the window grows to one record)', async () => {
  const big = Buffer.alloc(70000, 7);
  const bytes = buildPcap([{ sec: 1, frac: 0, data: big }, { sec: 2, frac: 0, data: frame }]);
  const { packets } = await readAll(chunked(bytes, [10, 30, 100]), { readChunkBytes: 64 });
  assert.equal(packets.length, 2);
  assert.equal(packets[0]!.capLen, 70000);
});

test('a Node Readable (a pipe) is a capture source too', async () => {
  const bytes = readFileSync(join(FIXTURES, 'tcpdump-ssh.pcap'));
  const stream = Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000, 5001), bytes.subarray(5001)]);
  const { packets } = await readAll(stream);
  assert.equal(packets.length, 54);
});

test('the async iterator yields owned copies of each packet', async () => {
  const src = await openCapture(join(FIXTURES, 'tcpdump-dns_udp.pcap'));
  const seen = [];
  for await (const p of src) seen.push(p);
  assert.equal(seen.length, 2);
  assert.notEqual(seen[0]!.data.buffer, seen[1]!.data.buffer);
  assert.equal(seen[0]!.data.length, seen[0]!.capLen);
});

test('a zero-length file is a clear NETLAB_ERR_PCAP_NOT_CAPTURE error', async (t) => {
  const path = tmpFile(t, new Uint8Array(0));
  await assert.rejects(openCapture(path), (err: unknown) => {
    assert.ok(err instanceof CaptureFormatError);
    assert.equal(err.code, ERROR_CODES.PCAP_NOT_CAPTURE);
    assert.match(err.message, /empty/);
    return true;
  });
});

test('a file with the wrong magic is a clear error naming its first bytes', async (t) => {
  const path = tmpFile(t, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await assert.rejects(openCapture(path), (err: unknown) => {
    assert.ok(err instanceof CaptureFormatError);
    assert.equal(err.code, ERROR_CODES.PCAP_NOT_CAPTURE);
    assert.match(err.message, /not a pcap or pcapng capture.*474554202f204854/);
    return true;
  });
});

test('a pcap with an impossible version is not a capture', async () => {
  const bytes = buildPcap([{ sec: 1, frac: 0, data: frame }]);
  bytes.writeUInt16LE(7, 4);
  const src = await openCapture(chunked(bytes, []));
  await assert.rejects(src.forEach(() => {}), { code: ERROR_CODES.PCAP_NOT_CAPTURE });
});

test('a file cut in the middle of a record keeps the packets before it and warns with the offset', async () => {
  const bytes = buildPcap([
    { sec: 1, frac: 0, data: frame },
    { sec: 2, frac: 0, data: frame },
  ]);
  const cutAt = bytes.length - 10;
  const { packets, info } = await readAll(chunked(bytes.subarray(0, cutAt), []));
  assert.equal(packets.length, 1);
  assert.equal(info.warnings.length, 1);
  const w = info.warnings[0]!;
  assert.equal(w.code, ERROR_CODES.PCAP_TRUNCATED);
  const second = 24 + 16 + frame.length;
  assert.equal(w.offset, second);
  assert.match(w.message, new RegExp(`byte offset ${second}`));
});

test('a file cut inside its header gives no packets and a truncation warning', async () => {
  const bytes = buildPcap([]).subarray(0, 10);
  const { packets, info } = await readAll(chunked(bytes, []));
  assert.equal(packets.length, 0);
  assert.equal(info.warnings[0]!.code, ERROR_CODES.PCAP_TRUNCATED);
});

test('an absurd record length stops reading there without allocating it', async () => {
  const bytes = buildPcap([
    { sec: 1, frac: 0, data: frame },
    { sec: 2, frac: 0, data: frame },
  ]);
  bytes.writeUInt32LE(0xfffffff0, 24 + 16 + frame.length + 8);
  const before = process.memoryUsage().arrayBuffers;
  const { packets, info } = await readAll(chunked(bytes, []));
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  assert.equal(packets.length, 1);
  assert.equal(info.warnings[0]!.code, ERROR_CODES.PCAP_RECORD_TOO_LARGE);
  assert.equal(info.warnings[0]!.offset, 24 + 16 + frame.length);
});

test('pcapng: sections of both byte orders, per-interface resolution, unknown blocks skipped', async () => {
  const le = [
    pcapngBlock(0x0a0d0d0a, shbBody(true)),
    pcapngBlock(1, idbBody(1)),
    pcapngBlock(1, idbBody(101, 9)),
    pcapngBlock(0x0bad, Buffer.alloc(8, 1)),
    pcapngBlock(6, epbBody(0, 1_700_000_000_123_456n, frame)),
    pcapngBlock(6, epbBody(1, 1_700_000_000_123_456_789n, frame.subarray(14))),
  ];
  const be = [
    pcapngBlock(0x0a0d0d0a, shbBody(false), false),
    pcapngBlock(1, idbBody(1, 0x83, false), false),
    pcapngBlock(6, epbBody(0, 20n, frame, false), false),
  ];
  const bytes = Buffer.concat([...le, ...be]);
  const { packets, info } = await readAll(chunked(bytes, [13, 77]));
  assert.equal(info.format, 'pcapng');
  assert.deepEqual(info.linkTypes, [1, 101]);
  assert.deepEqual(info.warnings, []);
  assert.equal(packets.length, 3);
  assert.deepEqual([packets[0]!.tsSec, packets[0]!.tsNsec], [1_700_000_000, 123_456_000]);
  assert.deepEqual([packets[1]!.tsSec, packets[1]!.tsNsec, packets[1]!.linkType], [1_700_000_000, 123_456_789, 101]);
  // 2^-3 s units: 20 units = 2.5 s.
  assert.deepEqual([packets[2]!.tsSec, packets[2]!.tsNsec], [2, 500_000_000]);
});

test('pcapng: a block length that is not a multiple of 4 is corruption at its offset', async () => {
  const good = Buffer.concat([pcapngBlock(0x0a0d0d0a, shbBody()), pcapngBlock(1, idbBody(1)), pcapngBlock(6, epbBody(0, 1n, frame))]);
  const bad = pcapngBlock(6, epbBody(0, 2n, frame));
  bad.writeUInt32LE(0x31, 4);
  const { packets, info } = await readAll(chunked(Buffer.concat([good, bad]), []));
  assert.equal(packets.length, 1);
  assert.equal(info.warnings[0]!.code, ERROR_CODES.PCAP_CORRUPT);
  assert.equal(info.warnings[0]!.offset, good.length);
});

test('pcapng: a packet for an undescribed interface is skipped with a warning, later packets still read', async () => {
  const bytes = Buffer.concat([
    pcapngBlock(0x0a0d0d0a, shbBody()),
    pcapngBlock(1, idbBody(1)),
    pcapngBlock(6, epbBody(5, 1n, frame)),
    pcapngBlock(6, epbBody(0, 2n, frame)),
  ]);
  const { packets, info } = await readAll(chunked(bytes, []));
  assert.equal(packets.length, 1);
  assert.equal(info.warnings[0]!.code, ERROR_CODES.PCAP_CORRUPT);
});

test('pcapng: an absurd block length stops reading without allocating', async () => {
  const bytes = Buffer.concat([pcapngBlock(0x0a0d0d0a, shbBody()), pcapngBlock(1, idbBody(1)), pcapngBlock(6, epbBody(0, 1n, frame))]);
  const tail = Buffer.alloc(16);
  tail.writeUInt32LE(6, 0);
  tail.writeUInt32LE(0xfffffff0, 4);
  const { packets, info } = await readAll(chunked(Buffer.concat([bytes, tail]), []));
  assert.equal(packets.length, 1);
  assert.equal(info.warnings[0]!.code, ERROR_CODES.PCAP_RECORD_TOO_LARGE);
  assert.equal(info.warnings[0]!.offset, bytes.length);
});

test('pcapng if_tsoffset is added to the timestamps, as tshark does', async (t) => {
  const idb = Buffer.alloc(8 + 12 + 4);
  idb.writeUInt16LE(1, 0);
  idb.writeUInt16LE(14, 8); // if_tsoffset
  idb.writeUInt16LE(8, 10);
  idb.writeBigInt64LE(1000n, 12);
  const bytes = Buffer.concat([pcapngBlock(0x0a0d0d0a, shbBody()), pcapngBlock(1, idb), pcapngBlock(6, epbBody(0, 5_000_250n, frame))]);
  const path = tmpFile(t, bytes);
  const { packets } = await readAll(path);
  assert.deepEqual([packets[0]!.tsSec, packets[0]!.tsNsec], [1005, 250_000]);
  assert.equal(tool('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch']).trim(), '1005.000250000');
});

test('reader options out of range are refused before anything is read', async () => {
  await assert.rejects(openCapture(join(FIXTURES, 'tcpdump-ssh.pcap'), { maxRecordBytes: -1 }), { code: ERROR_CODES.INVALID_ARGUMENT });
  await assert.rejects(openCapture(join(FIXTURES, 'tcpdump-ssh.pcap'), { readChunkBytes: 1.5 }), { code: ERROR_CODES.INVALID_ARGUMENT });
});

test('an aborted read rejects with the signal reason, or resolves with a warning when asked to stop quietly', async () => {
  const bytes = readFileSync(join(FIXTURES, 'tcpdump-ssh.pcap'));
  // A source that delivers the file and then never ends, like a quiet pipe.
  async function* quiet(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    yield bytes;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
  const loud = new AbortController();
  const src = await openCapture(quiet(loud.signal));
  let n = 0;
  const pending = src.forEach(() => void n++, { signal: loud.signal });
  setTimeout(() => loud.abort(new Error('stop')), 50);
  await assert.rejects(pending, /stop/);
  assert.equal(n, 54);

  const soft = new AbortController();
  const src2 = await openCapture(quiet(soft.signal));
  const done = src2.forEach(() => {}, { signal: soft.signal, stopQuietly: true });
  setTimeout(() => soft.abort(), 50);
  const info = await done;
  assert.equal(info.packets, 54);
  assert.equal(info.warnings[0]!.code, ERROR_CODES.PCAP_INTERRUPTED);
  assert.equal(info.warnings[0]!.offset, bytes.length);
});
