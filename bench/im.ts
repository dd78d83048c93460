/**
 * IM lab numbers: the frame decoder, the two ciphers, and the relay's
 * fan-out (a `netlab im serve` process, one sender, several readers).
 *
 *   npm run bench:im [-- --seconds 3 --readers 3 --size 1024]
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeFrame, FrameDecoder } from '../src/codec/length-prefixed.js';
import { CourseCipher, EtmCipher, type ImCipher } from '../src/protocols/im/crypto.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, readers: { type: 'string', default: '3' }, size: { type: 'string', default: '1024' } } });
const SECONDS = Number(values.seconds);
const READERS = Number(values.readers);
const SIZE = Number(values.size);

function decoderBench(): void {
  const stream = Buffer.concat(Array.from({ length: 1024 }, () => encodeFrame(Buffer.alloc(SIZE, 1))));
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 65536) chunks.push(stream.subarray(i, i + 65536));
  let frames = 0;
  const decoder = new FrameDecoder({ maxFrameBytes: 65536, onFrame: () => frames++, onError: () => undefined });
  const start = process.hrtime.bigint();
  let bytes = 0;
  while (process.hrtime.bigint() - start < BigInt(SECONDS * 1e9)) {
    for (const c of chunks) decoder.push(c);
    bytes += stream.length;
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`frame decoder (${SIZE} B frames, 64 KiB chunks): ${(bytes / s / 2 ** 20).toFixed(0)} MiB/s, ${(frames / s / 1e6).toFixed(2)} M frames/s`);
}

function cipherBench(name: string, make: () => ImCipher): void {
  const sender = make();
  const receiver = make();
  const message = { nickname: 'alice', message: 'x'.repeat(Math.max(1, SIZE - 64)) };
  let n = 0;
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() - start < BigInt(SECONDS * 1e9)) {
    if (receiver.open(sender.seal(message)) === undefined) throw new Error('did not open');
    n++;
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${name} seal+open (${SIZE} B message): ${(n / s).toFixed(0)} messages/s`);
}

async function relayBench(): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'im', 'serve', '-p', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve) => {
    let text = '';
    child.stderr.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
  });
  const counts: number[] = [];
  const readers: net.Socket[] = [];
  for (let i = 0; i < READERS; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    await once(s, 'connect');
    counts.push(0);
    const decoder = new FrameDecoder({ maxFrameBytes: 65536, onFrame: () => counts[i]!++, onError: () => undefined });
    s.on('data', (c) => decoder.push(c));
    readers.push(s);
  }
  const sender = net.connect({ host: '127.0.0.1', port });
  await once(sender, 'connect');
  await new Promise((r) => setTimeout(r, 200));
  const frame = encodeFrame(Buffer.alloc(SIZE, 2));
  const batch = Buffer.concat(Array.from({ length: 64 }, () => frame));
  let sent = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const start = Date.now();
  while (Date.now() < deadline) {
    sent += 64;
    if (!sender.write(batch)) await once(sender, 'drain');
  }
  const settle = Date.now() + 10_000;
  while (counts.some((c) => c < sent) && Date.now() < settle) await new Promise((r) => setTimeout(r, 20));
  const s = (Date.now() - start) / 1000;
  const delivered = counts.reduce((a, b) => a + b, 0);
  console.log(
    `relay fan-out (1 sender -> ${READERS} readers, ${SIZE} B frames): sent ${(sent / s).toFixed(0)} frames/s, ` +
      `delivered ${(delivered / s).toFixed(0)} frames/s (${((delivered * (SIZE + 4)) / s / 2 ** 20).toFixed(1)} MiB/s), lost ${READERS * sent - delivered}`,
  );
  for (const r of [...readers, sender]) r.destroy();
  child.kill('SIGINT');
  await once(child, 'exit');
}

decoderBench();
cipherBench('course (MAC-then-encrypt)', () => new CourseCipher('c', 'a'));
// Two instances: an etm client rejects frames carrying its own sender id.
cipherBench('etm (encrypt-then-MAC)', () => new EtmCipher('c', 'a'));
await relayBench();
