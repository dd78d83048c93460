/**
 * The compiled filter allocates nothing per packet: two million verdicts
 * trigger no young-generation collection (32 bytes a packet would be 64 MB,
 * several scavenges).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { compileCaptureFilter } from '../../../../src/pcap/bpf/index.js';
import { Dissection, dissectFrame } from '../../../../src/pcap/layers/dissect.js';

test('filtering allocates nothing per packet', async () => {
  const frame = Uint8Array.from([
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 0, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 1, 2, 3, 10, 1, 9, 9,
    0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
  ]);
  const d = dissectFrame(new Dissection(), frame, 0, frame.length, 1);
  const c = compileCaptureFilter('host 10.1.2.3 and port 80 and tcp[13] & tcp-syn = 0 or ip6 net fe80::/10 or (vlan and udp)');
  assert.ok(c.ok);
  let kept = 0;
  for (let i = 0; i < 200_000; i++) if (c.filter(d, 60)) kept++;
  let scavenges = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  });
  obs.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < 2_000_000; i++) if (c.filter(d, 60)) kept++;
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  assert.equal(kept, 2_200_000);
  assert.ok(scavenges <= 1, `${scavenges} young-generation collections during 2e6 verdicts`);
});
