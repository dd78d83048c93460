/**
 * Memory stays flat with the file size: `pcap stats` over a 100 MB and a
 * 300 MB generated capture (made here in the temp directory and deleted)
 * differs in peak RSS by no more than the exact median's 8 bytes per packet
 * plus a fixed allowance for the runtime's noise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticCapture } from '../../../bench/synth-capture.js';

const CHILD = fileURLToPath(new URL('../../helpers/stats-child.ts', import.meta.url));
const VIEW_CHILD = fileURLToPath(new URL('../../helpers/view-child.ts', import.meta.url));
const MB = 1024 * 1024;

function peak(path: string): { packets: number; bytes: number; hwm: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, path], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { packets: number; bytes: number; hwm: number };
}

test('stats memory does not grow with the capture size beyond 8 bytes per packet', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-mem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const small = join(dir, 'small.pcap');
  const large = join(dir, 'large.pcap');
  const s = writeSyntheticCapture(small, 100 * MB, 3);
  const l = writeSyntheticCapture(large, 300 * MB, 3);
  const ps = peak(small);
  const pl = peak(large);
  assert.equal(ps.packets, s.packets);
  assert.equal(pl.packets, l.packets);
  const allowed = 8 * (pl.packets - ps.packets) + 24 * MB;
  assert.ok(
    pl.hwm - ps.hwm <= allowed,
    `peak RSS grew by ${((pl.hwm - ps.hwm) / MB).toFixed(1)} MB from a 100 MB to a 300 MB capture (allowed ${(allowed / MB).toFixed(1)} MB)`,
  );
  assert.ok(pl.hwm < 200 * MB, `peak RSS ${(pl.hwm / MB).toFixed(1)} MB for a 300 MB capture`);
});

function viewPeak(path: string, flags: object, nodeFlags: string[] = []): { packets: number; shown: number; hwm: number } {
  const r = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', VIEW_CHILD, path, JSON.stringify(flags)], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { packets: number; shown: number; hwm: number };
}

/**
 * Peak RSS moves with V8's heap sizing (it grows the heap to the allocation
 * rate before it collects), so beside comparing it the larger capture is
 * also read with the old generation capped at 32 MB: what the view keeps
 * must fit there whatever the file's size.
 */
test('pcap packets memory does not grow with the capture size, with header fields and with HTTP over reassembled TCP', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-mem-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const small = join(dir, 'small.pcap');
  const large = join(dir, 'large.pcap');
  const s = writeSyntheticCapture(small, 100 * MB, 5);
  const l = writeSyntheticCapture(large, 300 * MB, 5);
  for (const flags of [{ field: ['frame.number', 'tcp.stream', 'tcp.seq'] }, { field: ['frame.number', 'frame.protocols', 'http.request.method'] }]) {
    const ps = viewPeak(small, flags);
    const pl = viewPeak(large, flags);
    assert.equal(ps.packets, s.packets);
    assert.equal(pl.packets, l.packets);
    const allowed = 40 * MB;
    assert.ok(pl.hwm - ps.hwm <= allowed, `${JSON.stringify(flags)}: peak RSS grew by ${((pl.hwm - ps.hwm) / MB).toFixed(1)} MB from a 100 MB to a 300 MB capture (allowed ${(allowed / MB).toFixed(1)} MB)`);
    const capped = viewPeak(large, flags, ['--max-old-space-size=32']);
    assert.equal(capped.shown, l.packets, `${JSON.stringify(flags)}: the 300 MB capture read whole with a 32 MB old generation`);
  }
});
