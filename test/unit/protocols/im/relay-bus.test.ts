import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder } from '../../../../src/codec/length-prefixed.js';
import { ERROR_CODES, NetlabError } from '../../../../src/errors.js';
import { attachProtocol } from '../../../../src/protocols/protocol.js';
import { ImRelay } from '../../../../src/protocols/im/relay.js';
import type { RelayBus, RelayBusContext } from '../../../../src/protocols/im/relay-bus.js';
import { MemorySession } from '../../../helpers/memory-session.js';

/** A bus that keeps what the relay publishes and lets the test play another node. */
class RecordingBus implements RelayBus {
  context: RelayBusContext | undefined;
  readonly published: Buffer[] = [];

  attach(context: RelayBusContext): void {
    this.context = context;
  }

  publish(payload: Buffer, from: object): void {
    this.published.push(Buffer.from(payload));
    this.context?.deliverLocal(payload, from);
  }
}

function framesOf(session: MemorySession): Buffer[] {
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder({ maxFrameBytes: 1 << 20, onFrame: (p) => frames.push(Buffer.from(p)), onError: () => undefined });
  for (const chunk of session.written) decoder.push(chunk);
  return frames;
}

/** The relay's clients batch their writes until the end of the turn. */
const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('the relay hands every client frame to its bus, which decides where it goes; frames from other nodes reach every local client', async () => {
  const bus = new RecordingBus();
  const relay = new ImRelay({ bus, maxFrameBytes: 100 });
  const [a, b] = [new MemorySession(), new MemorySession()];
  attachProtocol(a, relay.protocol);
  attachProtocol(b, relay.protocol);
  a.feed(Buffer.concat([encodeFrame(Buffer.from('one')), encodeFrame(Buffer.from([0, 0xff]))]));
  assert.deepEqual(bus.published, [Buffer.from('one'), Buffer.from([0, 0xff])]);
  bus.context!.deliverFromNode(Buffer.from('from afar'));
  // Longer than this relay's maxFrameBytes: another node may allow it, this one relays nothing longer.
  bus.context!.deliverFromNode(Buffer.alloc(101));
  await endOfTurn();
  assert.deepEqual(framesOf(b), [Buffer.from('one'), Buffer.from([0, 0xff]), Buffer.from('from afar')]);
  assert.deepEqual(framesOf(a), [Buffer.from('from afar')], 'the sender gets only the remote frame');
  const stats = relay.stats;
  assert.equal(stats.framesIn, 2);
  assert.equal(stats.framesFromNodes, 1);
  assert.equal(stats.framesRefusedFromNodes, 1);
  assert.equal(stats.framesOut, 4);
});

test('without a bus the relay is its own fan-out (the in-process bus), and a bus that is not one is refused at construction', async () => {
  const relay = new ImRelay();
  const [a, b] = [new MemorySession(), new MemorySession()];
  attachProtocol(a, relay.protocol);
  attachProtocol(b, relay.protocol);
  a.feed(encodeFrame(Buffer.from('local')));
  await endOfTurn();
  assert.deepEqual(framesOf(b), [Buffer.from('local')]);
  assert.deepEqual(framesOf(a), []);
  assert.throws(
    () => new ImRelay({ bus: {} as RelayBus }),
    (err: unknown) => err instanceof NetlabError && err.code === ERROR_CODES.INVALID_ARGUMENT && /options\.bus must be a RelayBus/.test(err.message),
  );
});
