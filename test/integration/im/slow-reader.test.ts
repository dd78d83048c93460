/**
 * One client never reads while another floods: the relay (a separate
 * `netlab im serve` process, as in real use) cuts the silent one off instead
 * of queueing for it without bound, the readers get every frame in order,
 * and the relay's peak memory stays far below what was sent through it.
 *
 * The rule changed: the relay used to stop reading from everyone while any
 * receiver was congested (room-wide backpressure), so the silent client
 * froze the healthy readers until its 5 s drain timeout cut it off. Now a
 * single silent client never holds the room: its own bounded queue fills
 * and it is cut off for that, while the others keep receiving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { encodeFrame, FrameDecoder } from '../../../src/codec/length-prefixed.js';
import { ERROR_CODES } from '../../../src/errors.js';
import { bannerPort, spawnCli } from '../../helpers/spawn-cli.js';
import { waitFor } from '../../helpers/wait.js';

const FRAME_BYTES = 16 * 1024;
const FRAMES = 16384; // 256 MiB through the relay, to each reader

/** Counts frames and checks their sequence numbers without keeping them. */
async function countingReader(port: number): Promise<{ socket: net.Socket; count: () => number; inOrder: () => boolean; maxGapMs: () => number }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  let count = 0;
  let inOrder = true;
  let last = 0;
  let maxGap = 0;
  const decoder = new FrameDecoder({
    maxFrameBytes: FRAME_BYTES,
    onFrame: (p) => {
      if (p.readUInt32BE(0) !== count) inOrder = false;
      count += 1;
      const now = performance.now();
      if (last !== 0) maxGap = Math.max(maxGap, now - last);
      last = now;
    },
    onError: () => {
      inOrder = false;
    },
  });
  socket.on('data', (c) => decoder.push(c));
  socket.on('error', () => undefined);
  return { socket, count: () => count, inOrder: () => inOrder, maxGapMs: () => maxGap };
}

/** Peak resident set size of a process, in bytes (Linux /proc). */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

test('a client that never reads is cut off for its full queue while the others keep receiving; the relay stays small', async (t) => {
  const serve = spawnCli(t, ['im', 'serve', '-p', '0', '--json']);
  const port = await bannerPort(serve);

  const silent = net.connect({ host: '127.0.0.1', port });
  await once(silent, 'connect');
  silent.pause(); // never reads
  let silentClosed = false;
  silent.on('close', () => {
    silentClosed = true;
  });
  silent.on('error', () => undefined);
  const readers = [await countingReader(port), await countingReader(port)];
  const sender = net.connect({ host: '127.0.0.1', port });
  await once(sender, 'connect');
  t.after(() => [silent, sender, ...readers.map((r) => r.socket)].forEach((s) => s.destroy()));
  await waitFor('4 clients in the relay log', () => serve.stdout.lines.filter((l) => l.includes('"event":"connect"')).length === 4);
  const rssBefore = peakRss(serve.child.pid!);

  const frame = Buffer.alloc(FRAME_BYTES, 0x61);
  for (let i = 0; i < FRAMES; i++) {
    frame.writeUInt32BE(i, 0);
    // The sender honours backpressure, so whatever piles up is the relay's doing.
    if (!sender.write(encodeFrame(frame))) await once(sender, 'drain');
  }
  await waitFor('both readers to get every frame', () => readers.every((r) => r.count() === FRAMES), 90000).catch((e: Error) => {
    throw new Error(`${e.message}: got ${readers.map((r) => r.count()).join(', ')}; relay said ${serve.stdout.lines.filter((l) => l.includes('dropped')).join(' ')}`);
  });
  assert.ok(readers.every((r) => r.inOrder()), 'frames arrive complete and in order');

  const drops = serve.stdout.lines.filter((l) => l.includes('"event":"dropped"')).map((l) => JSON.parse(l) as { code: string; reason: string });
  assert.deepEqual(drops.map((d) => d.code), [ERROR_CODES.SLOW_READER]);
  // Cut off because its own queue filled while frames kept flowing to the
  // others, not after a drain timeout during which everyone waited for it.
  assert.match(drops[0]!.reason, /more than 1048576 bytes were waiting for it/);
  const gaps = readers.map((r) => r.maxGapMs());
  t.diagnostic(`longest gap between frames at the readers: ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
  assert.ok(gaps.every((g) => g < 2000), `the readers never waited for the silent client (longest gaps ${gaps.join(', ')} ms)`);
  let silentBytes = 0;
  silent.on('data', (c: Buffer) => {
    silentBytes += c.length;
  });
  silent.resume(); // drains what the kernel still held for it, then sees the close
  await waitFor('the silent client to see the disconnect', () => silentClosed, 30000);
  assert.ok(silentBytes < (FRAMES * FRAME_BYTES) / 4, `the silent client was cut off early (${silentBytes} bytes)`);

  const sent = FRAMES * FRAME_BYTES;
  const growth = peakRss(serve.child.pid!) - rssBefore;
  t.diagnostic(`relay peak RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB while ${sent / 2 ** 20} MiB went to each reader`);
  // Unbounded queueing for the silent client would hold all of it.
  assert.ok(growth < sent / 2, `relay peak RSS grew by ${growth} bytes while ${sent} bytes went through it`);
});

test('fresh non-reading clients, one after another, never freeze a healthy reader (each is cut off by its own queue)', async (t) => {
  const { startRelay } = await import('../../helpers/im-relay.js');
  const server = await startRelay();
  t.after(() => server.close());
  const drops: string[] = [];
  server.relay.on('dropped', (_s, e) => drops.push(e.message));
  const reader = await countingReader(server.port);
  const sender = net.connect({ host: '127.0.0.1', port: server.port });
  await once(sender, 'connect');
  const silents: net.Socket[] = [];
  t.after(() => [sender, reader.socket, ...silents].forEach((s) => s.destroy()));

  const ATTACKERS = 3;
  const PER_ROUND = 2048; // 32 MiB a round: more than a silent client's kernel buffers and queue hold
  const frame = Buffer.alloc(FRAME_BYTES, 0x62);
  let sent = 0;
  for (let k = 0; k < ATTACKERS; k++) {
    const silent = net.connect({ host: '127.0.0.1', port: server.port });
    silent.on('error', () => undefined);
    await once(silent, 'connect');
    silent.pause();
    silents.push(silent);
    await waitFor(`attacker ${k + 1} in the relay`, () => server.relay.stats.clients === 3);
    for (let i = 0; i < PER_ROUND; i++, sent++) {
      frame.writeUInt32BE(sent, 0);
      if (!sender.write(encodeFrame(frame))) await once(sender, 'drain');
    }
    await waitFor(`attacker ${k + 1} to be cut off`, () => drops.length === k + 1, 30000);
  }
  await waitFor('the reader to get every frame', () => reader.count() === sent, 30000);
  assert.ok(reader.inOrder(), 'frames complete and in order');
  assert.equal(drops.length, ATTACKERS);
  for (const d of drops) assert.match(d, /more than 1048576 bytes were waiting for it/);
  t.diagnostic(`longest gap at the healthy reader: ${reader.maxGapMs().toFixed(0)} ms over ${ATTACKERS} attackers`);
  // Room-wide backpressure froze it for the 5 s drain timeout per attacker.
  assert.ok(reader.maxGapMs() < 2000, `the healthy reader waited ${reader.maxGapMs()} ms`);
});
