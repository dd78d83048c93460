import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '../../../src/codec/length-prefixed.js';
import { ERROR_CODES } from '../../../src/errors.js';
import { startRelay } from '../../helpers/im-relay.js';
import { RawClient } from '../../helpers/raw-tcp.js';
import { waitFor } from '../../helpers/wait.js';

async function clients(t: import('node:test').TestContext, port: number, n: number): Promise<RawClient[]> {
  const list: RawClient[] = [];
  for (let i = 0; i < n; i++) list.push(await RawClient.connect(port));
  t.after(() => list.forEach((c) => c.destroy()));
  return list;
}

test('every frame goes unchanged to every other client, never back to its sender', async (t) => {
  const server = await startRelay();
  t.after(() => server.close());
  const [a, b, c] = (await clients(t, server.port, 3)) as [RawClient, RawClient, RawClient];
  await waitFor('3 relay clients', () => server.relay.stats.clients === 3);
  const payload = Buffer.from([0, 1, 2, 0xff, 0x0a]);
  // Split the frame across writes: the relay reassembles it.
  const frame = encodeFrame(payload);
  a.socket.write(frame.subarray(0, 3));
  await new Promise((r) => setTimeout(r, 20));
  a.socket.write(frame.subarray(3));
  b.socket.write(encodeFrame(Buffer.from('from b')));
  assert.deepEqual((await c.waitForFrames(2)).map((f) => f.toString('hex')).sort(), [payload.toString('hex'), Buffer.from('from b').toString('hex')].sort());
  assert.deepEqual(await b.waitForFrames(1), [payload]);
  assert.deepEqual(await a.waitForFrames(1), [Buffer.from('from b')]);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(a.frames.length, 1, 'a got nothing of its own');
});

test('a frame of exactly --max-frame is relayed; one byte more disconnects only its sender', async (t) => {
  const max = 1000;
  const server = await startRelay({ maxFrameBytes: max });
  t.after(() => server.close());
  const dropped: string[] = [];
  server.relay.on('dropped', (_s, e) => dropped.push(e.code));
  const [sender, receiver, other] = (await clients(t, server.port, 3)) as [RawClient, RawClient, RawClient];
  await waitFor('3 relay clients', () => server.relay.stats.clients === 3);
  sender.socket.write(encodeFrame(Buffer.alloc(max, 1)));
  assert.equal((await receiver.waitForFrames(1))[0]?.length, max);
  // Only the header of the oversized frame is needed for the verdict.
  sender.socket.write(Buffer.from([0, 0, 0x03, 0xe9]));
  await sender.waitForClose();
  assert.deepEqual(dropped, [ERROR_CODES.FRAME_TOO_LARGE]);
  // The others are still connected and still relayed to each other.
  other.socket.write(encodeFrame(Buffer.from('still here')));
  assert.deepEqual((await receiver.waitForFrames(2))[1], Buffer.from('still here'));
  assert.equal(receiver.closed || other.closed, false);
});

test('a length announcing 4 GiB is refused at once, without waiting for (or buffering) a body', async (t) => {
  const server = await startRelay();
  t.after(() => server.close());
  const [evil] = (await clients(t, server.port, 1)) as [RawClient];
  evil.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  await evil.waitForClose();
});

test('a client that half-closes is closed cleanly and leaves the relay', async (t) => {
  const server = await startRelay();
  t.after(() => server.close());
  const [a] = (await clients(t, server.port, 1)) as [RawClient];
  await waitFor('1 client', () => server.relay.stats.clients === 1);
  a.socket.end();
  await a.waitForClose();
  await waitFor('the relay to forget it', () => server.relay.stats.clients === 0);
});
