/**
 * The IM lab against its peers, in one run:
 *
 * - relay: 100 clients on one relay, 10 of them senders, each keeping at
 *   most 64 frames in flight (a frame is done when a designated observer,
 *   client 0, has received it). Delivered frames/s counts every copy every
 *   client received; latency is send-to-observer. netlab im serve against a
 *   bare Node relay written the obvious way (frame split, then one write per
 *   frame per client, no limits) and a Twisted relay (Int32StringReceiver,
 *   the classic course server, whose transport buffers writes until the
 *   reactor's next turn).
 * - cipher: seal + open of the course format (AES-256-CBC + HMAC-SHA256
 *   inside protobuf), netlab's CourseCipher against the same steps in Python
 *   (python3-protobuf + python3-pycryptodome, the course clients' stack).
 *
 * Servers are pinned to CPU 0 and this process (the load) to CPU 1 with
 * taskset; peers alternate run to run; medians of 3. Writes its section of
 * docs/performance.md between the `bench:im-peers` markers.
 *
 *   npm run bench:im
 *   NETLAB_BENCH_SECONDS=2 NETLAB_BENCH_RUNS=3 change the window and run count.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { FrameDecoder } from '../src/codec/length-prefixed.js';
import { CourseCipher } from '../src/protocols/im/crypto.js';
import { LoadMetrics, nowMicros } from '../src/load/metrics.js';
import { CLI, alternated, PIN, PYTHON, ROOT, display, has, machine, median, pythonHas, startPeer, stopAll, writeSection, type Peer, type Running } from './peer-runner.js';

const SECONDS = Number(process.env.NETLAB_BENCH_SECONDS ?? '2');
const RUNS = Number(process.env.NETLAB_BENCH_RUNS ?? '3');
const START = '<!-- bench:im-peers:start -->';
const END = '<!-- bench:im-peers:end -->';

const CLIENTS = 100;
const SENDERS = 10;
const IN_FLIGHT = 64;
/** Payload bytes of a relayed frame: about one short chat message in protobuf. */
const PAYLOAD = 100;
const FRAME = 4 + PAYLOAD;
/** Text of the message sealed and opened by the cipher benchmark. */
const MESSAGE_TEXT = 'x'.repeat(60);

const BARE_NODE_RELAY = `const net = require('node:net');
const clients = new Set();
net.createServer((s) => {
  clients.add(s);
  let pending = Buffer.alloc(0);
  s.on('data', (d) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    let at = 0;
    while (pending.length - at >= 4) {
      const end = at + 4 + pending.readUInt32BE(at);
      if (end > pending.length) break;
      const frame = pending.subarray(at, end);
      for (const c of clients) if (c !== s) c.write(frame);
      at = end;
    }
    pending = pending.subarray(at);
  });
  s.on('close', () => clients.delete(s));
  s.on('error', () => {});
}).listen(Number(process.argv[1]), '127.0.0.1', 1024);`;

const PY_TWISTED_RELAY = `import sys
from twisted.internet import protocol, reactor
from twisted.protocols.basic import Int32StringReceiver
class Relay(Int32StringReceiver):
    MAX_LENGTH = 65536
    def connectionMade(self): self.factory.clients.add(self)
    def connectionLost(self, reason): self.factory.clients.discard(self)
    def stringReceived(self, frame):
        for c in self.factory.clients:
            if c is not self: c.sendString(frame)
f = protocol.Factory(); f.protocol = Relay; f.clients = set()
reactor.listenTCP(int(sys.argv[1]), f, backlog=1024, interface='127.0.0.1')
reactor.run()`;

/** The course steps with keys derived once, as a course client does at start. */
const PY_CIPHER = `import hashlib, hmac, os, sys, time
from Cryptodome.Cipher import AES
from Cryptodome.Util.Padding import pad, unpad
import im_encrypted_pb2 as pb
conf = hashlib.sha256(b'conf').digest(); auth = hashlib.sha256(b'auth').digest()
def seal(nick, msg):
    im = pb.IM(nickname=nick, message=msg).SerializeToString()
    mac = hmac.new(auth, im, hashlib.sha256).digest()
    pmac = pb.PlaintextAndMAC(paddedPlaintext=pad(im, 16), mac=mac).SerializeToString()
    iv = os.urandom(16)
    return pb.EncryptedPackage(iv=iv, encryptedMessage=AES.new(conf, AES.MODE_CBC, iv).encrypt(pad(pmac, 16))).SerializeToString()
def open_(payload):
    pkg = pb.EncryptedPackage(); pkg.ParseFromString(payload)
    pmac = pb.PlaintextAndMAC(); pmac.ParseFromString(unpad(AES.new(conf, AES.MODE_CBC, pkg.iv).decrypt(pkg.encryptedMessage), 16))
    im_bytes = unpad(pmac.paddedPlaintext, 16)
    if not hmac.compare_digest(hmac.new(auth, im_bytes, hashlib.sha256).digest(), pmac.mac): raise ValueError('mac')
    im = pb.IM(); im.ParseFromString(im_bytes); return im
seconds = float(sys.argv[1]); text = sys.argv[2]; n = 0
start = time.perf_counter(); end = start + seconds
while time.perf_counter() < end:
    for _ in range(100): open_(seal('alice', text))
    n += 100
print(n / (time.perf_counter() - start))`;

const RELAYS: Peer[] = [
  { name: 'netlab im serve', argv: [process.execPath, CLI, 'im', 'serve', '-p', 'PORT', '--max-conns', '100000'] },
  { name: 'bare Node relay', argv: [process.execPath, '-e', BARE_NODE_RELAY, 'PORT'] },
  { name: 'Twisted Int32StringReceiver relay', argv: [PYTHON, '-c', PY_TWISTED_RELAY, 'PORT'], ...(pythonHas('twisted') ? {} : { missing: 'python3-twisted not installed' }) },
];

interface RelaySample {
  framesPerS: number;
  p50: number;
  p99: number;
}

/**
 * One window against a relay on `port`. Frames are `u32 length, u8 sender,
 * f64 send time (µs), padding`, from one pre-built buffer per sender and
 * slot (a slot is reused only after the observer saw its frame).
 */
async function relayWindow(port: number): Promise<RelaySample> {
  const sockets: net.Socket[] = [];
  const received: number[] = new Array<number>(CLIENTS).fill(0);
  const inFlight = new Array<number>(SENDERS + 1).fill(0);
  const slots = Array.from({ length: SENDERS + 1 }, () => Array.from({ length: IN_FLIGHT }, () => Buffer.alloc(FRAME)));
  const nextSlot = new Array<number>(SENDERS + 1).fill(0);
  const metrics = new LoadMetrics();
  let sending = false;

  const send = (sender: number): void => {
    const socket = sockets[sender] as net.Socket;
    while (sending && inFlight[sender]! < IN_FLIGHT) {
      const slot = nextSlot[sender]!;
      nextSlot[sender] = (slot + 1) % IN_FLIGHT;
      const frame = slots[sender]![slot]!;
      frame.writeUInt32BE(PAYLOAD, 0);
      frame[4] = sender;
      frame.writeDoubleLE(nowMicros(), 5);
      inFlight[sender]! += 1;
      if (!socket.write(frame)) return; // 'drain' sends the rest
    }
  };

  try {
    for (let i = 0; i < CLIENTS; i++) {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      socket.on('error', (err) => metrics.error(err));
      await once(socket, 'connect');
      sockets.push(socket);
      if (i === 0) {
        const decoder = new FrameDecoder({
          maxFrameBytes: 65536,
          onFrame: (payload) => {
            const sender = payload[0] as number;
            metrics.record(nowMicros() - payload.readDoubleLE(1));
            inFlight[sender]! -= 1;
            send(sender);
          },
          onError: (err) => metrics.error(err),
        });
        socket.on('data', (chunk: Buffer) => {
          received[0]! += chunk.length;
          decoder.push(chunk);
        });
      } else {
        socket.on('data', (chunk: Buffer) => void (received[i]! += chunk.length));
      }
      if (i >= 1 && i <= SENDERS) socket.on('drain', () => send(i));
    }
    // Let the relay register everyone before the first frame.
    await new Promise((r) => setTimeout(r, 300));
    sending = true;
    for (let s = 1; s <= SENDERS; s++) send(s);
    // Warm up, then count only the window.
    await new Promise((r) => setTimeout(r, 300));
    const before = received.reduce((a, b) => a + b, 0);
    const started = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const bytes = received.reduce((a, b) => a + b, 0) - before;
    const elapsed = (performance.now() - started) / 1000;
    sending = false;
    if (metrics.errors > 0) throw new Error(`${metrics.errors} socket errors: ${String(metrics.firstError)}`);
    const latency = metrics.latency();
    return { framesPerS: bytes / FRAME / elapsed, p50: latency.p50, p99: latency.p99 };
  } finally {
    for (const s of sockets) s.destroy();
  }
}

async function relayTable(): Promise<string> {
  const running: Running[] = [];
  const samples = new Map<string, RelaySample[] | string>();
  try {
    for (const r of RELAYS.filter((x) => x.missing === undefined)) running.push(await startPeer(r, false));
    for (let run = 0; run < RUNS; run++) {
      for (const r of alternated(running, run)) {
        const prior = samples.get(r.peer.name);
        if (typeof prior === 'string') continue;
        try {
          const s = await relayWindow(r.port);
          samples.set(r.peer.name, [...(prior ?? []), s]);
          process.stderr.write(`IM relay | ${r.peer.name} | run ${run + 1}: ${Math.round(s.framesPerS)} frames/s, p50 ${s.p50} p99 ${s.p99} µs\n`);
        } catch (err) {
          samples.set(r.peer.name, `failed: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await stopAll(running);
  }
  const netlab = samples.get(RELAYS[0]!.name);
  const netlabRate = Array.isArray(netlab) ? median(netlab.map((s) => s.framesPerS)) : NaN;
  const out = [
    `### IM relay: ${CLIENTS} clients, ${SENDERS} senders, ${IN_FLIGHT} frames in flight each, ${PAYLOAD} B payloads`,
    '',
    '| relay | delivered frames/s | p50 µs | p99 µs | netlab ÷ peer |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const r of RELAYS) {
    const s = r.missing !== undefined ? `skipped: ${r.missing}` : samples.get(r.name) ?? 'not run';
    if (typeof s === 'string') {
      out.push(`| ${r.name} | ${s} | | | |`);
      continue;
    }
    const rate = median(s.map((x) => x.framesPerS));
    out.push(
      `| ${r.name} | ${Math.round(rate)} | ${median(s.map((x) => x.p50))} | ${median(s.map((x) => x.p99))} | ${r === RELAYS[0] ? '' : `${(netlabRate / rate).toFixed(2)}x`} |`,
    );
  }
  out.push('', 'Commands (PORT is a free port picked at start):', '');
  for (const r of running) out.push(`- ${r.peer.name}: \`${display(r.command, r.port)}\``);
  out.push(
    `- load: this script (bench/im-peers.ts), pinned to CPU 1: ${CLIENTS} plain \`net\` sockets with TCP_NODELAY; clients 1-${SENDERS} send, client 0 observes; ` +
      'every client counts the bytes it receives.',
    '',
  );
  return out.join('\n');
}

function netlabCipherRate(): number {
  const sender = new CourseCipher('conf', 'auth');
  const receiver = new CourseCipher('conf', 'auth');
  const message = { nickname: 'alice', message: MESSAGE_TEXT };
  let n = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) if (receiver.open(sender.seal(message)) === undefined) throw new Error('did not open');
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}

function cipherTable(): string {
  const rows: [string, number[] | string][] = [['netlab CourseCipher (node:crypto)', []]];
  let pb2: string | undefined;
  if (!pythonHas('google.protobuf, Cryptodome') || !has('protoc')) {
    rows.push(['Python, python3-protobuf + python3-pycryptodome', 'skipped: python3-protobuf, python3-pycryptodome or protoc not installed']);
  } else {
    pb2 = mkdtempSync(join(os.tmpdir(), 'netlab-bench-pb2-'));
    const protoDir = join(ROOT, 'proto');
    const protos = readdirSync(protoDir).filter((f) => f.endsWith('.proto')).map((f) => join(protoDir, f));
    execFileSync('protoc', [`--python_out=${pb2}`, `-I${protoDir}`, ...protos]);
    rows.push(['Python, python3-protobuf + python3-pycryptodome', []]);
  }
  try {
    for (let run = 0; run < RUNS; run++) {
      const netlab = rows[0]![1] as number[];
      const python = rows[1]![1];
      const py = (): void => {
        if (typeof python === 'string' || pb2 === undefined) return;
        const r = spawnSync(PYTHON, ['-c', PY_CIPHER, String(SECONDS), MESSAGE_TEXT], { env: { ...process.env, PYTHONPATH: pb2 }, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`python cipher failed: ${r.stderr}`);
        python.push(Number(r.stdout.trim()));
      };
      if (run % 2 === 0) {
        netlab.push(netlabCipherRate());
        py();
      } else {
        py();
        netlab.push(netlabCipherRate());
      }
    }
  } finally {
    if (pb2 !== undefined) rmSync(pb2, { recursive: true, force: true });
  }
  const netlabRate = median(rows[0]![1] as number[]);
  const out = [
    `### IM cipher: seal + open of one course-format message ("alice", ${MESSAGE_TEXT.length} characters), one thread`,
    '',
    '| implementation | messages/s | netlab ÷ peer |',
    '|---|---:|---:|',
  ];
  for (const [name, s] of rows) {
    if (typeof s === 'string') out.push(`| ${name} | ${s} | |`);
    else out.push(`| ${name} | ${Math.round(median(s))} | ${s === rows[0]![1] ? '' : `${(netlabRate / median(s)).toFixed(2)}x`} |`);
  }
  out.push(
    '',
    'Both derive the keys once and then, per message: protobuf encode, HMAC-SHA256, PKCS#7, AES-256-CBC with a random IV, and back with the MAC checked ' +
      '(src/protocols/im/crypto.ts; the Python loop is the script in bench/im-peers.ts, run with /usr/bin/python3 and protoc output on PYTHONPATH).',
    '',
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  // This process is the load: keep it off the servers' CPU (all threads).
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const relay = await relayTable();
  const cipher = cipherTable();
  const section = [
    START,
    '## IM relay and cipher against their peers (`npm run bench:im`)',
    '',
    `${machine()}, ${SECONDS} s per run, median of ${RUNS} runs, peers alternated run to run` +
      (PIN ? '; relays pinned to CPU 0 and the load to CPU 1 with taskset.' : '; no CPU pinning.'),
    '',
    relay,
    cipher,
    END,
  ].join('\n');
  process.stdout.write(`${section}\n`);
  writeSection(START, END, section);
}

await main();
