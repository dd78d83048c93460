/**
 * `netlab lab im`: the Protocol Buffers messenger lab. A blind relay (the
 * one `netlab im serve` runs) and its clients: one message in plain mode,
 * its frame read byte by byte from the capture (the 4-byte length prefix,
 * then each protobuf field's key, length and value: the nickname and the
 * text in the clear); one in encrypted mode (the course's
 * EncryptedPackage: iv = 20 and encryptedMessage = 30, nothing readable),
 * relayed unchanged by a relay that never has the keys; then a client on
 * the relay flips one bit of a relayed frame and sends it on, and a client
 * with the wrong keys speaks: the receiving client rejects both with the
 * one uniform notice.
 */
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';
import { connect } from '../../client/connect.js';
import { DEFAULTS } from '../../constants.js';
import { encodeFrame, FrameDecoder, FRAME_HEADER_BYTES } from '../../codec/length-prefixed.js';
import { TimeoutError } from '../../errors.js';
import { ImClient } from '../../protocols/im/client.js';
import { createImCipher, NOT_AUTHENTICATED_NOTICE } from '../../protocols/im/crypto.js';
import { fieldNumbers, type ChatMessage, type EncryptedPackage } from '../../protocols/im/messages.js';
import { ImRelay } from '../../protocols/im/relay.js';
import { createServer, type Server } from '../../server/server.js';
import type { Session } from '../../transports/session.js';
import { readLabCapture, type LabPacket } from '../capture-reading.js';
import type { LabContext } from '../context.js';
import type { Lab } from '../lab.js';
import type { Recording } from '../recorder.js';
import type { LabSection } from '../section.js';

const PLAIN_TEXT = 'hello bob, this is alice';
const SECRET_TEXT = 'meet me at the library at noon';
/** The keys alice and bob share (-c and -a of `netlab im join`). */
const KEYS = { confidentialityKey: 'lab-confidentiality-key', authenticityKey: 'lab-authenticity-key' };
/** What carol, who does not have them, uses instead. */
const WRONG_KEYS = { confidentialityKey: 'a-guessed-key', authenticityKey: 'another-guess' };
/** Bound on every wait for a client or the relay, in ms. */
const WAIT_MS = 10_000;
/** Bytes of a long binary field shown in hex. */
const HEX_PREVIEW_BYTES = 16;

/** The fields of the two messages the lab reads, in the .proto's declaration order (fieldNumbers gives their numbers). */
const FIELD_NAMES = {
  Message: ['nickname', 'message'] as const satisfies readonly (keyof ChatMessage)[],
  EncryptedPackage: ['iv', 'encryptedMessage'] as const satisfies readonly (keyof EncryptedPackage)[],
};
type Schema = keyof typeof FIELD_NAMES;

/** protobufjs's wire reader (loaded on first use, as messages.ts loads the library). */
function wireReader(bytes: Uint8Array): protobuf.Reader {
  const lib = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
  return lib.Reader.create(bytes);
}

/** Resolves once the relay has `count` clients joined (a frame sent earlier would not reach the last). */
async function joined(relay: ImRelay, count: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (relay.stats.clients < count) {
    if (Date.now() > deadline) throw new TimeoutError(`the im lab waited ${WAIT_MS} ms for ${count} clients on the relay`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a receiving client showed: each message and notice, in order. */
class Shown {
  readonly lines: string[] = [];
  readonly #nickname: string;
  #waiter: { count: number; resolve: () => void } | undefined;

  constructor(client: ImClient) {
    this.#nickname = client.nickname;
    client.on('message', (m) => this.#show(`${m.nickname}: ${m.message}`));
    client.on('notice', (text) => this.#show(text));
  }

  /** Resolves once `count` lines have been shown. */
  count(count: number): Promise<void> {
    if (this.lines.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`the im lab waited ${WAIT_MS} ms for ${this.#nickname}'s client to show ${count} lines`)), WAIT_MS);
      this.#waiter = { count, resolve: () => (clearTimeout(timer), resolve()) };
    });
  }

  #show(line: string): void {
    this.lines.push(line);
    if (this.#waiter !== undefined && this.lines.length >= this.#waiter.count) {
      const { resolve } = this.#waiter;
      this.#waiter = undefined;
      resolve();
    }
  }
}

/** Ends each session and waits until all are closed (bounded). */
async function closeAll(sessions: readonly Session[]): Promise<void> {
  await Promise.all(
    sessions.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.closed) return resolve();
          const timer = setTimeout(() => s.destroy(), DEFAULTS.chatCloseTimeoutMs);
          s.once('close', () => (clearTimeout(timer), resolve()));
          s.end();
        }),
    ),
  );
}

interface RelayRun {
  server: Server;
  relay: ImRelay;
  port: number;
}

/** Starts a relay recorded into `recording`, runs `exchange` against it, then stops both. */
async function withRelay<T>(recording: Recording, exchange: (run: RelayRun) => Promise<T>): Promise<T> {
  // The relay gets no key: it only ever sees frames (docs/chat-and-im.md).
  const relay = new ImRelay();
  const server = await createServer({ transport: 'tcp', host: '127.0.0.1', port: 0, protocol: relay.protocol, tap: recording.tap });
  try {
    await recording.start(`tcp port ${server.address.port}`);
    return await exchange({ server, relay, port: server.address.port });
  } finally {
    await server.close();
    await recording.stop();
  }
}

interface PlainRun {
  relayPort: number;
  alicePort: number;
  bobPort: number;
  bobShown: string[];
}

async function plainExchange(run: RelayRun): Promise<PlainRun> {
  const plain = createImCipher({});
  const bob = await ImClient.connect({ host: '127.0.0.1', port: run.port, nickname: 'bob', cipher: plain });
  await joined(run.relay, 1);
  const alice = await ImClient.connect({ host: '127.0.0.1', port: run.port, nickname: 'alice', cipher: plain });
  await joined(run.relay, 2);
  const shown = new Shown(bob);
  alice.send(PLAIN_TEXT);
  await shown.count(1);
  await closeAll([alice.session, bob.session]);
  return { relayPort: run.port, alicePort: alice.session.local.port, bobPort: bob.session.local.port, bobShown: shown.lines };
}

interface EncryptedRun extends PlainRun {
  malloryPort: number;
  carolPort: number;
  /** Where in the frame's protobuf (after the length prefix) mallory flipped bit 0. */
  flippedAt: number;
}

async function encryptedExchange(run: RelayRun): Promise<EncryptedRun> {
  const cipher = createImCipher(KEYS);
  const bob = await ImClient.connect({ host: '127.0.0.1', port: run.port, nickname: 'bob', cipher });
  await joined(run.relay, 1);
  const alice = await ImClient.connect({ host: '127.0.0.1', port: run.port, nickname: 'alice', cipher });
  await joined(run.relay, 2);
  // mallory is any client of the relay: she gets every frame, and may send any.
  const mallory = await connect({ transport: 'tcp', host: '127.0.0.1', port: run.port });
  await joined(run.relay, 3);
  const carol = await ImClient.connect({ host: '127.0.0.1', port: run.port, nickname: 'carol', cipher: createImCipher(WRONG_KEYS) });
  await joined(run.relay, 4);
  const shown = new Shown(bob);

  let flippedAt = -1;
  const frames = new FrameDecoder({
    maxFrameBytes: DEFAULTS.maxFrameBytes,
    onFrame: (payload) => {
      if (flippedAt !== -1) return;
      // The last byte is the ciphertext's: one bit of it flipped, the rest relayed as it came.
      const tampered = Buffer.from(payload);
      flippedAt = tampered.length - 1;
      tampered[flippedAt]! ^= 0x01;
      mallory.write(encodeFrame(tampered));
    },
    onError: (error) => mallory.destroy(error),
  });
  mallory.on('data', (chunk) => frames.push(chunk));

  alice.send(SECRET_TEXT);
  await shown.count(2); // alice's message, then the flipped copy's notice
  carol.send('hello everyone, I am carol');
  await shown.count(3);
  await closeAll([alice.session, bob.session, mallory, carol.session]);
  return {
    relayPort: run.port,
    alicePort: alice.session.local.port,
    bobPort: bob.session.local.port,
    malloryPort: mallory.local.port,
    carolPort: carol.session.local.port,
    flippedAt,
    bobShown: shown.lines,
  };
}

async function run(ctx: LabContext): Promise<void> {
  const plainCapture = ctx.record('lab-im-plain.pcap');
  const plain = await withRelay(plainCapture, plainExchange);
  const encryptedCapture = ctx.record('lab-im-encrypted.pcap');
  const encrypted = await withRelay(encryptedCapture, encryptedExchange);
  const recorder = ctx.recordedWith === 'socket tap' ? 'the socket tap (no root needed)' : `a live ${ctx.recordedWith} capture of loopback`;
  ctx.intro(`netlab lab im: an IM relay and its clients, one message in plain mode, one encrypted, then a tampered frame and a wrong key; recorded with ${recorder}.`);

  const plainPackets = (await readLabCapture(plainCapture.path)).packets.filter((p) => p.transport === 'tcp');
  plainSection(ctx, plainPackets, plain);
  const encryptedPackets = (await readLabCapture(encryptedCapture.path)).packets.filter((p) => p.transport === 'tcp');
  encryptedSection(ctx, encryptedPackets, encrypted);
  rejectedSection(ctx, encryptedPackets, encrypted);

  const aliceStream = firstData(plainPackets, plain.alicePort, plain.relayPort)?.stream;
  if (aliceStream !== undefined) ctx.hint(`netlab pcap follow ${plainCapture.path} --stream ${aliceStream}     (alice's frame, as the relay received it)`);
  ctx.hint(`with the lab's keys, against a relay started with netlab im serve: netlab im join -s 127.0.0.1 -n alice -c ${KEYS.confidentialityKey} -a ${KEYS.authenticityKey}`);
}

/** The first packet with a payload sent from `from` to `to`. */
function firstData(packets: readonly LabPacket[], from: number, to: number): LabPacket | undefined {
  return packets.find((p) => p.srcPort === from && p.dstPort === to && p.payload.length > 0);
}

/** Frame bytes `start`..`start + length - 1` (frame offsets, as Wireshark counts them). */
function span(start: number, length: number): string {
  return length === 1 ? `byte ${start}` : `bytes ${start}-${start + length - 1}`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

/**
 * The frame in packet `p` read byte by byte: the length prefix, then each
 * protobuf field's key (field number << 3 | wire type, a varint), its
 * length (a varint) and its value. A text value is stated with its bytes'
 * offset so that a reader finds it at that byte of the frame.
 */
function frameBytes(section: LabSection, p: LabPacket, schema: Schema, textFields: boolean): void {
  const at = p.payloadOffset;
  const frame = p.payload;
  const length = frame.readUInt32BE(0);
  section.fact(
    { capture: p.capture, packet: p.number, frame_offset: at, hex: hex(frame.subarray(0, FRAME_HEADER_BYTES)), length_prefix: length },
    (f) => `  ${span(at, FRAME_HEADER_BYTES)} (${f.hex}): the length prefix, 4 bytes big-endian: ${f.length_prefix} bytes of protobuf follow`,
  );
  const body = frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length);
  const reader = wireReader(body);
  const numbers = fieldNumbers(schema);
  while (reader.pos < body.length) {
    const keyAt = reader.pos;
    const key = reader.uint32();
    const field = key >>> 3;
    const wireType = key & 7;
    const name = FIELD_NAMES[schema][numbers.indexOf(field)] ?? 'unknown';
    const keyOffset = at + FRAME_HEADER_BYTES + keyAt;
    section.fact(
      { capture: p.capture, packet: p.number, frame_offset: keyOffset, hex: hex(body.subarray(keyAt, reader.pos)), field, wire_type: wireType, name },
      (f) => `  ${span(keyOffset, reader.pos - keyAt)} (${f.hex}): key = field ${f.field} (${f.name}) << 3 | wire type ${f.wire_type}${f.wire_type === 2 ? ' (length-delimited)' : ''}`,
    );
    if (wireType !== 2) break; // both messages hold only length-delimited fields
    const lengthAt = reader.pos;
    const valueLength = reader.uint32();
    const valueAt = reader.pos;
    const lengthOffset = at + FRAME_HEADER_BYTES + lengthAt;
    section.fact(
      { capture: p.capture, packet: p.number, frame_offset: lengthOffset, hex: hex(body.subarray(lengthAt, valueAt)), value_length: valueLength },
      (f) => `  ${span(lengthOffset, valueAt - lengthAt)} (${f.hex}): its length, ${f.value_length} bytes`,
    );
    const value = body.subarray(valueAt, valueAt + valueLength);
    const valueOffset = at + FRAME_HEADER_BYTES + valueAt;
    if (textFields) {
      section.fact(
        { capture: p.capture, packet: p.number, payload_offset: valueOffset, text: value.toString('utf8'), name },
        (f) => `  ${span(valueOffset, valueLength)}: ${JSON.stringify(f.text)}, the ${f.name}, in the clear`,
        'alert',
      );
    } else {
      const shown = value.subarray(0, HEX_PREVIEW_BYTES);
      section.fact(
        { capture: p.capture, packet: p.number, frame_offset: valueOffset, hex: hex(shown), value_length: valueLength, name },
        (f) => `  ${span(valueOffset, valueLength)}: the ${f.name}, ${f.value_length} bytes: ${f.hex}${valueLength > shown.length ? ' ...' : ''}`,
      );
    }
    reader.skip(valueLength);
  }
}

/** The relayed copy of `sent` that `to` received, and whether the two are byte for byte the same. */
function relayedCopy(section: LabSection, packets: readonly LabPacket[], sent: LabPacket, relayPort: number, toPort: number, who: string): LabPacket | undefined {
  const copy = packets.find((p) => p.srcPort === relayPort && p.dstPort === toPort && p.payload.length > 0 && p.number > sent.number);
  if (copy === undefined) return undefined;
  section.packet(copy, { what: `the relay's copy to ${who}` });
  section.fact(
    { capture: copy.capture, from_packet: sent.number, to_packet: copy.number, identical: copy.payload.equals(sent.payload) },
    (f) => `  Packet ${f.to_packet} carries ${f.identical ? 'exactly the bytes of' : 'other bytes than'} packet ${f.from_packet}: the relay ${f.identical ? 'passes the frame on unchanged' : 'changed the frame'}.`,
  );
  return copy;
}

function plainSection(ctx: LabContext, packets: readonly LabPacket[], run: PlainRun): void {
  const section = ctx.section(`Plain mode: alice's message, byte by byte, in ${packets[0]?.capture ?? 'the capture'}`);
  section.fact({ relay_port: run.relayPort, alice_port: run.alicePort, bob_port: run.bobPort }, (f) => `The relay listens on TCP port ${f.relay_port}; alice connects from ${f.alice_port}, bob from ${f.bob_port}.`);
  const sent = firstData(packets, run.alicePort, run.relayPort);
  if (sent === undefined) return;
  section.packet(sent, { what: "alice's frame: a Message {nickname = 1, message = 2}" });
  frameBytes(section, sent, 'Message', true);
  relayedCopy(section, packets, sent, run.relayPort, run.bobPort, 'bob');
  section.fact({ client: 'bob', shown: run.bobShown[0] ?? '' }, (f) => `bob's client shows: ${f.shown}`);
  section.say('Anyone who captures this traffic reads who wrote what, as plainly as the relay does.', 'alert');
}

function encryptedSection(ctx: LabContext, packets: readonly LabPacket[], run: EncryptedRun): void {
  const section = ctx.section(`Encrypted mode: the same kind of message as an EncryptedPackage, in ${packets[0]?.capture ?? 'the capture'}`);
  section.fact(
    { confidentiality_key: KEYS.confidentialityKey, authenticity_key: KEYS.authenticityKey },
    (f) => `alice and bob share the keys -c ${f.confidentiality_key} -a ${f.authenticity_key} (AES-256-CBC and HMAC-SHA256 keys are their SHA-256); the relay has none.`,
  );
  const sent = firstData(packets, run.alicePort, run.relayPort);
  if (sent === undefined) return;
  section.packet(sent, { what: "alice's frame: an EncryptedPackage {iv = 20, encryptedMessage = 30}" });
  frameBytes(section, sent, 'EncryptedPackage', false);
  const visible = packets.filter((p) => p.payload.includes('alice') || p.payload.includes(SECRET_TEXT)).length;
  section.count('packets_with_nickname_or_text', visible, "packets in which the nickname or the text can be read");
  section.say('Inside the ciphertext: PlaintextAndMAC {paddedPlaintext = 10, mac = 20}, around IM {nickname = 5, message = 10}; none of it shows.');
  relayedCopy(section, packets, sent, run.relayPort, run.bobPort, 'bob');
  section.fact({ client: 'bob', shown: run.bobShown[0] ?? '' }, (f) => `bob's client, which has the keys, shows: ${f.shown}`, 'good');
}

function rejectedSection(ctx: LabContext, packets: readonly LabPacket[], run: EncryptedRun): void {
  const section = ctx.section('A flipped bit and a wrong key: the receiving client rejects both');
  const original = firstData(packets, run.alicePort, run.relayPort);
  const tampered = firstData(packets, run.malloryPort, run.relayPort);
  if (original !== undefined && tampered !== undefined) {
    section.packet(tampered, { what: "mallory, another client of the relay, sends back alice's frame with one bit flipped" });
    const inFrame = FRAME_HEADER_BYTES + run.flippedAt;
    section.fact(
      {
        capture: tampered.capture,
        packet: tampered.number,
        frame_offset: tampered.payloadOffset + inFrame,
        original_hex: hex(original.payload.subarray(inFrame, inFrame + 1)),
        tampered_hex: hex(tampered.payload.subarray(inFrame, inFrame + 1)),
        original_packet: original.number,
      },
      (f) => `  byte ${f.frame_offset} of packet ${f.packet} is ${f.tampered_hex} where packet ${f.original_packet} had ${f.original_hex}: the last bit of the ciphertext's last byte`,
    );
    const copy = relayedCopy(section, packets, tampered, run.relayPort, run.bobPort, 'bob');
    if (copy !== undefined) notice(section, copy, run.bobShown[1]);
  }
  const wrong = firstData(packets, run.carolPort, run.relayPort);
  if (wrong !== undefined) {
    section.fact(
      { confidentiality_key: WRONG_KEYS.confidentialityKey, authenticity_key: WRONG_KEYS.authenticityKey },
      (f) => `carol does not have the keys; she joins with -c ${f.confidentiality_key} -a ${f.authenticity_key}:`,
    );
    section.packet(wrong, { what: "carol's frame, sealed with the wrong keys" });
    const copy = relayedCopy(section, packets, wrong, run.relayPort, run.bobPort, 'bob');
    if (copy !== undefined) notice(section, copy, run.bobShown[2]);
  }
  section.count('messages_shown', run.bobShown.filter((l) => l !== NOT_AUTHENTICATED_NOTICE).length, "messages bob's client showed");
  section.count('notices_shown', run.bobShown.filter((l) => l === NOT_AUTHENTICATED_NOTICE).length, `"${NOT_AUTHENTICATED_NOTICE}" notices`);
  section.say('The notice is the same whatever failed (padding, MAC, protobuf), so it tells an attacker nothing; the relay, which');
  section.say('checks nothing, passed both frames on. Only the keys make a frame authentic, and only the clients hold them.');
}

/** What bob's client showed for the frame in `copy`. */
function notice(section: LabSection, copy: LabPacket, shown: string | undefined): void {
  section.fact(
    { capture: copy.capture, packet: copy.number, client: 'bob', shown: shown ?? '' },
    (f) => `  bob's client, given packet ${f.packet}, shows: ${f.shown}`,
    shown === NOT_AUTHENTICATED_NOTICE ? 'good' : 'alert',
  );
}

export const imLab: Lab = {
  name: 'im',
  summary: 'the Protocol Buffers messenger: a plain frame read byte by byte, an encrypted one, and a flipped bit and a wrong key rejected',
  sheet: 'the Protocol Buffers IM lab, with its encrypted mode',
  run,
};
