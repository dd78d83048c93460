/**
 * `netlab lab im` run as a student runs it: every fact checked against
 * tshark's reading of its two captures, the bytes it reads field by field
 * found at the offsets it states, and the frames themselves opened (or
 * not) with the keys the lab states, independently of the lab's own clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CourseCipher, NOT_AUTHENTICATED_NOTICE } from '../../src/protocols/im/crypto.js';
import { decodeChatMessage } from '../../src/protocols/im/messages.js';
import {
  checkPacketFacts,
  checkTextRun,
  countFact,
  labPath,
  runLabJson,
  section,
  tsharkFrames,
  tsharkReads,
  type LabDoc,
  type TsharkFrame,
  withReportPages,
} from '../helpers/lab-facts.js';
import { tempDir } from '../helpers/temp.js';
import { tsharkComplaints } from '../helpers/tshark.js';

const PLAIN = 'lab-im-plain.pcap';
const ENCRYPTED = 'lab-im-encrypted.pcap';
type Fact = Record<string, unknown>;

const byWhat = (facts: Fact[], part: string): Fact => {
  const found = facts.find((f) => typeof f.what === 'string' && (f.what as string).includes(part));
  assert.ok(found !== undefined, `a packet fact about ${part}`);
  return found;
};

/** Every byte fact (`frame_offset` and `hex`) is those bytes of that frame, as tshark reads the frame. */
function checkByteFacts(facts: Fact[], frames: Map<number, TsharkFrame>): void {
  for (const f of facts.filter((x) => typeof x.frame_offset === 'number' && typeof x.hex === 'string')) {
    const raw = frames.get(f.packet as number)!.raw;
    const bytes = Buffer.from((f.hex as string).replace(/ /g, ''), 'hex');
    assert.deepEqual(raw.subarray(f.frame_offset as number, (f.frame_offset as number) + bytes.length), bytes, JSON.stringify(f));
  }
}

/** The keys a fact states. */
function keysOf(facts: Fact[]): CourseCipher {
  const f = facts.find((x) => typeof x.confidentiality_key === 'string')!;
  return new CourseCipher(f.confidentiality_key as string, f.authenticity_key as string);
}

/** The protobuf of the frame tshark reads in `packet` (the payload after its 4-byte length). */
function body(frames: Map<number, TsharkFrame>, packet: unknown): Buffer {
  const payload = frames.get(packet as number)!.payload;
  assert.equal(payload.readUInt32BE(0), payload.length - 4, `packet ${String(packet)} holds one whole frame`);
  return payload.subarray(4);
}

/** A relayed copy: the same bytes, tshark says, as the packet it copies. */
function checkCopies(facts: Fact[], frames: Map<number, TsharkFrame>): void {
  const copies = facts.filter((f) => typeof f.to_packet === 'number');
  assert.ok(copies.length > 0);
  for (const f of copies) {
    assert.equal(f.identical, true);
    assert.deepEqual(frames.get(f.to_packet as number)!.payload, frames.get(f.from_packet as number)!.payload, `packet ${String(f.to_packet)} copies ${String(f.from_packet)}`);
  }
}

function checkIm(doc: LabDoc, dir: string): void {
  const plainFrames = tsharkFrames(labPath(dir, doc.files.find((f) => f.endsWith(PLAIN))!));
  const encryptedFrames = tsharkFrames(labPath(dir, doc.files.find((f) => f.endsWith(ENCRYPTED))!));

  // Plain: the byte-by-byte reading is the frame tshark reads, and protobuf decodes it to the nickname and text stated.
  const plain = section(doc, 'Plain mode');
  checkByteFacts(plain.facts, plainFrames);
  checkCopies(plain.facts, plainFrames);
  const sent = byWhat(plain.facts, "alice's frame");
  const message = decodeChatMessage(body(plainFrames, sent.packet));
  assert.ok(message !== undefined, 'the frame is a Message');
  assert.deepEqual(
    plain.facts.filter((f) => typeof f.field === 'number').map((f) => [f.field, f.wire_type, f.name]),
    [
      [1, 2, 'nickname'],
      [2, 2, 'message'],
    ],
  );
  assert.deepEqual(
    plain.facts.filter((f) => typeof f.text === 'string').map((f) => f.text),
    [message.nickname, message.message],
  );
  assert.equal(plain.facts.find((f) => typeof f.length_prefix === 'number')!.length_prefix, body(plainFrames, sent.packet).length);
  assert.equal(plain.facts.find((f) => f.client === 'bob')!.shown, `${message.nickname}: ${message.message}`);

  // Encrypted: fields 20 and 30 only, nothing readable, and the stated keys open what tshark reads.
  const encrypted = section(doc, 'Encrypted mode');
  checkByteFacts(encrypted.facts, encryptedFrames);
  checkCopies(encrypted.facts, encryptedFrames);
  assert.deepEqual(
    encrypted.facts.filter((f) => typeof f.field === 'number').map((f) => [f.field, f.wire_type, f.name]),
    [
      [20, 2, 'iv'],
      [30, 2, 'encryptedMessage'],
    ],
  );
  const [iv, ciphertext] = encrypted.facts.filter((f) => typeof f.value_length === 'number' && typeof f.name === 'string' && f.field === undefined);
  assert.equal(iv!.value_length, 16);
  assert.equal((ciphertext!.value_length as number) % 16, 0, 'whole AES blocks');
  const keys = keysOf(encrypted.facts);
  const secret = byWhat(encrypted.facts, "alice's frame");
  const opened = keys.open(body(encryptedFrames, secret.packet));
  assert.ok(opened !== undefined, 'the stated keys open the frame tshark reads');
  assert.equal(opened.nickname, 'alice');
  assert.equal(encrypted.facts.find((f) => f.client === 'bob')!.shown, `alice: ${opened.message}`);
  const readable = [...encryptedFrames.values()].filter((f) => f.payload.includes('alice') || f.payload.includes(opened.message)).length;
  assert.equal(countFact(encrypted, 'packets_with_nickname_or_text'), readable);
  assert.equal(readable, 0);

  // Rejected: the flipped frame differs from alice's by one bit; carol's opens only with her wrong keys; bob's notices.
  const rejected = section(doc, 'A flipped bit and a wrong key');
  checkCopies(rejected.facts, encryptedFrames);
  const flip = rejected.facts.find((f) => typeof f.original_packet === 'number')!;
  const original = encryptedFrames.get(flip.original_packet as number)!.payload;
  const tamperedFrame = encryptedFrames.get(flip.packet as number)!;
  const tampered = tamperedFrame.payload;
  assert.equal(original.length, tampered.length);
  const differing = [...original].map((b, i) => [i, b ^ tampered[i]!] as const).filter(([, x]) => x !== 0);
  assert.equal(differing.length, 1, 'one byte of the frame differs');
  assert.equal(tamperedFrame.len - tamperedFrame.payloadLength + differing[0]![0], flip.frame_offset, 'at the offset stated');
  assert.equal(differing[0]![1], 1, 'by one bit');
  assert.equal(keys.open(body(encryptedFrames, flip.packet)), undefined, 'the flipped frame does not authenticate');
  const carol = byWhat(rejected.facts, "carol's frame");
  assert.equal(keys.open(body(encryptedFrames, carol.packet)), undefined, "carol's frame does not open with alice and bob's keys");
  assert.ok(keysOf(rejected.facts).open(body(encryptedFrames, carol.packet)) !== undefined, 'it opens with the wrong keys carol used');
  const notices = rejected.facts.filter((f) => f.client === 'bob');
  assert.equal(notices.length, 2);
  for (const n of notices) assert.equal(n.shown, NOT_AUTHENTICATED_NOTICE);
  assert.equal(countFact(rejected, 'messages_shown'), 1);
  assert.equal(countFact(rejected, 'notices_shown'), 2);
}

for (const mode of ['socket tap', 'live capture'] as const) {
  test(`lab im (${mode}): every fact matches tshark's reading of the two captures, and the frames open with the keys stated`, async (t) => {
    const dir = tempDir(t);
    const started = Date.now();
    const { doc } = await runLabJson(['im', ...(mode === 'live capture' ? ['--capture'] : [])], dir);
    assert.ok(Date.now() - started < 60_000, 'within a minute');
    assert.equal(doc.lab, 'im');
    assert.deepEqual(doc.files, withReportPages([join(dir, PLAIN), join(dir, ENCRYPTED)]));
    for (const file of doc.files.filter((f) => f.endsWith('.pcap'))) {
      if (mode === 'socket tap') assert.equal(await tsharkComplaints(file), '', file);
      else await tsharkReads(file);
    }
    checkPacketFacts(doc, dir);
    checkIm(doc, dir);
  });
}

test('lab im (text): its packet lines are frames tshark reads, its hints run, and it says what --json carries', async (t) => {
  const { packetLines, hints } = await checkTextRun(t, 'im', [PLAIN, ENCRYPTED]);
  assert.ok(packetLines >= 8);
  assert.equal(hints.length, 1);
  assert.ok(hints[0]!.includes('hello bob, this is alice'), "the follow hint shows alice's frame");
});
