/**
 * In-process timing of CourseCipher.open() per failure class: how long a
 * receiver takes to reject a frame whose outer (CBC) padding is bad, whose
 * PlaintextAndMAC does not parse, whose inner padding is bad, or whose MAC is
 * wrong, next to a frame that opens. Every frame has the same ciphertext
 * length, so only the failure differs. Medians of many rounds,
 * classes interleaved so drift hits them all alike.
 *
 *   node --import tsx bench/im-open-timing.ts
 *   NETLAB_TIMING_ROUNDS=200000 changes the number of opens per class.
 */
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { CourseCipher, pkcs7Pad } from '../src/protocols/im/crypto.js';
import { encodeChatMessage, encodeEncryptedPackage, encodePlaintextAndMac } from '../src/protocols/im/messages.js';

const ROUNDS = Number(process.env.NETLAB_TIMING_ROUNDS ?? 100_000);
const BATCH = 50;
const CONF = 'conf';
const AUTH = 'auth';
const confKey = createHash('sha256').update(CONF).digest();
const authKey = createHash('sha256').update(AUTH).digest();
const iv = Buffer.alloc(16, 7);

/** AES-256-CBC without padding: `data` must already be whole blocks. */
function encryptRaw(data: Buffer): Buffer {
  const c = createCipheriv('aes-256-cbc', confKey, iv).setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Pads `pmac` with PKCS#7 and encrypts; every class must come out at CIPHERTEXT_BYTES. */
function frame(pmac: Buffer, breakOuterPadding = false): Buffer {
  const padded = pkcs7Pad(pmac);
  if (breakOuterPadding) padded[padded.length - 1] = 0;
  if (padded.length !== CIPHERTEXT_BYTES) throw new Error(`ciphertext is ${padded.length} bytes, not ${CIPHERTEXT_BYTES}`);
  return encodeEncryptedPackage({ iv, encryptedMessage: encryptRaw(padded) });
}

const im = encodeChatMessage({ nickname: 'alice', message: 'x'.repeat(8) }, 'IM');
const mac = createHmac('sha256', authKey).update(im).digest();
const good = encodePlaintextAndMac({ paddedPlaintext: pkcs7Pad(im), mac });
const CIPHERTEXT_BYTES = pkcs7Pad(good).length;
const badInnerPad = pkcs7Pad(im);
badInnerPad[badInnerPad.length - 1] = 0;
const badMac = Buffer.from(mac);
badMac[0]! ^= 1;

const classes: Record<string, Buffer> = {
  valid: frame(good),
  'bad outer padding': frame(good, true),
  'bad protobuf': frame(Buffer.alloc(good.length, 0xff)),
  'bad inner padding': frame(encodePlaintextAndMac({ paddedPlaintext: badInnerPad, mac })),
  'bad MAC': frame(encodePlaintextAndMac({ paddedPlaintext: pkcs7Pad(im), mac: badMac })),
};

const cipher = new CourseCipher(CONF, AUTH);
if (cipher.open(classes.valid!) === undefined) throw new Error('the valid frame does not open');
for (const [name, payload] of Object.entries(classes)) {
  if (name !== 'valid' && cipher.open(payload) !== undefined) throw new Error(`${name} opened`);
}

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(classes).map((k) => [k, []]));
const names = Object.keys(classes);
for (let round = 0; round < ROUNDS / BATCH; round++) {
  for (const name of names) {
    const payload = classes[name]!;
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) cipher.open(payload);
    samples[name]!.push(Number(process.hrtime.bigint() - start) / BATCH);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

console.log(`CourseCipher.open, ${CIPHERTEXT_BYTES}-byte ciphertext, median of ${ROUNDS / BATCH} batches of ${BATCH} (node ${process.version})`);
for (const name of names) console.log(`${name.padEnd(18)} ${(median(samples[name]!) / 1000).toFixed(2)} µs`);
