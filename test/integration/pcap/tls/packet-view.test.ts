/**
 * The TLS layer of the packet view against tshark, on real TLS 1.2 and 1.3
 * conversations (openssl s_client <-> s_server on loopback, captured by
 * tcpdump with a key log): the frames that carry TLS, their Protocol and
 * Info columns and the TLS fields equal `tshark -T fields`; with the key log
 * the decrypted application data is what each side typed, and the Info
 * column and the fields equal tshark's with `-o tls.keylog_file:`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Duplex } from 'node:stream';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { tempDir } from '../../../helpers/temp.js';
import { RunningProcess, runProcess } from '../../../helpers/cli.js';
import { freePort, makeCertificates, opensslConversation, startCapture, stopCapture, type Step } from '../../../helpers/tls-capture.js';
import { EVERY_PORT_AS_TLS } from '../../../helpers/tshark.js';
import { openCapture } from '../../../../src/pcap/read/source.js';
import { dissect } from '../../../../src/pcap/layers/dissect.js';
import { Dissection } from '../../../../src/pcap/layers/dissection.js';
import { TcpStreams } from '../../../../src/pcap/reassembly/tcp-streams.js';
import { TLS_FIELDS, TLS_PROTOCOL, createTlsStreamDissector, type TlsLayer, type TlsStreamDissector } from '../../../../src/pcap/layers/tls.js';
import type { ProtoField } from '../../../../src/pcap/layers/tree.js';
import { parseKeyLog, type KeyLog } from '../../../../src/pcap/tls/keylog.js';

const FIELDS = [
  'tls.record.content_type',
  'tls.record.version',
  'tls.record.length',
  'tls.handshake.type',
  'tls.handshake.version',
  'tls.handshake.ciphersuite',
  'tls.handshake.extensions_server_name',
  'tls.app_data',
];

interface Frame {
  protocol: string;
  info: string;
  /** Layers returned for the frame (Wireshark's TLS sections). */
  sections: number;
  /** Tree lines to find in tshark -V. */
  labels: string[];
  fields: string[];
  decrypted: { side: 0 | 1; type: number; data: Buffer }[];
}

/** Each frame's TLS layer as the packet view gets it: reassembly, detection on the first bytes, one dissector per connection. */
async function netlabFrames(pcap: string, keyLog?: KeyLog): Promise<Map<number, Frame>> {
  const dissectors = new Map<number, TlsStreamDissector | null>();
  const frames = new Map<number, Frame>();
  const tcp = new TcpStreams({
    reassembled(stream, side, data, frame) {
      let d = dissectors.get(stream.index);
      if (d === undefined) {
        const context = { transport: 'tcp' as const, srcPort: 0, dstPort: 0 };
        d = TLS_PROTOCOL.detect(data, context) ? createTlsStreamDissector(context, { keyLog }) : null;
        dissectors.set(stream.index, d);
      }
      if (d === null) return;
      const layers = d.push(side, data);
      if (layers.length > 0) frames.set(frame, frameOf(layers));
    },
  });
  const source = await openCapture(pcap);
  const d = new Dissection();
  await source.forEach((p) => tcp.add(dissect(d, p), p.index, p.tsSec));
  tcp.finish();
  return frames;
}

function frameOf(layers: TlsLayer[]): Frame {
  const fields = layers.flatMap((l) => l.fields);
  return {
    protocol: layers[0]!.protocol,
    info: layers[0]!.info,
    sections: layers.length,
    fields: FIELDS.map((name) => collect(fields, name).map((value) => print(name, value)).join(',')),
    labels: comparableLabels(fields),
    decrypted: layers.flatMap((l) => l.decrypted.map((r) => ({ side: r.side, type: r.contentType, data: r.data }))),
  };
}

/** The `tshark -V` lines of each frame, trimmed. */
async function tsharkVerbose(pcap: string, extra: string[] = []): Promise<Map<number, string[]>> {
  const result = await runProcess('tshark', ['-r', pcap, ...EVERY_PORT_AS_TLS, ...extra, '-V']);
  assert.equal(result.code, 0, result.stderr);
  const out = new Map<number, string[]>();
  let lines: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const m = /^Frame (\d+):/.exec(line);
    if (m) out.set(Number(m[1]), (lines = []));
    lines.push(line.trim());
  }
  return out;
}

/** How many "Transport Layer Security" sections tshark -V prints per frame. */
function sectionsOf(verbose: Map<number, string[]>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [frame, lines] of verbose) {
    const n = lines.filter((l) => l === 'Transport Layer Security').length;
    if (n > 0) out.set(frame, n);
  }
  return out;
}

/** Our tree's lines that tshark prints the same way (record titles and the header and hello lines). */
function comparableLabels(fields: ProtoField[], out: string[] = []): string[] {
  for (const f of fields) {
    if (f.name === 'tls.record' || /^tls\.(record\.|handshake\.(type|version|ciphersuite|extensions_server_name|extension\.type)$|alert_message)/.test(f.name)) out.push(f.label);
    if (f.children) comparableLabels(f.children, out);
  }
  return out;
}

function collect(fields: ProtoField[], name: string, out: unknown[] = []): unknown[] {
  for (const f of fields) {
    if (f.name === name && f.value !== undefined) out.push(f.value);
    if (f.children) collect(f.children, name, out);
  }
  return out;
}

/** As `tshark -T fields` prints a value, by the field's kind in TLS_FIELDS. */
function print(name: string, value: unknown): string {
  const spec = TLS_FIELDS.find((f) => f.name === name);
  assert.ok(spec, `${name} is in TLS_FIELDS`);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'number' && spec.hexDigits !== undefined) return `0x${value.toString(16).padStart(spec.hexDigits, '0')}`;
  return String(value);
}

async function tsharkFrames(pcap: string, extra: string[] = []): Promise<Map<number, { protocol: string; info: string; fields: string[] }>> {
  const args = ['-r', pcap, ...EVERY_PORT_AS_TLS, ...extra, '-Y', 'tls', '-T', 'fields', '-E', 'occurrence=a', '-e', 'frame.number', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info'];
  for (const f of FIELDS) args.push('-e', f);
  const result = await runProcess('tshark', args);
  assert.equal(result.code, 0, result.stderr);
  const out = new Map<number, { protocol: string; info: string; fields: string[] }>();
  for (const line of result.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [number, protocol, info, ...fields] = line.split('\t');
    out.set(Number(number), { protocol: protocol!, info: info!, fields });
  }
  return out;
}

interface Case {
  name: string;
  clientArgs: string[];
  serverArgs?: string[];
}

const CASES: Case[] = [
  { name: 'TLS 1.3 AES-128-GCM', clientArgs: ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'] },
  { name: 'TLS 1.3 with a HelloRetryRequest', clientArgs: ['-tls1_3', '-groups', 'X25519:P-256'], serverArgs: ['-groups', 'P-256'] },
  { name: 'TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'] },
  { name: 'TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305', clientArgs: ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305'] },
];

/** Lines start with a digit: s_client/s_server read some leading letters as commands. */
const STEPS: Step[] = [
  { from: 'client', line: '1 GET /secret HTTP/1.1' },
  { from: 'server', line: '2 HTTP/1.1 200 OK, the server speaking' },
  { from: 'client', line: '3 password=correct horse battery staple' },
];

function typed(from: 'client' | 'server'): string {
  return STEPS.filter((s): s is Extract<Step, { from: string }> => 'from' in s && s.from === from)
    .map((s) => `${s.line}\n`)
    .join('');
}

test('the TLS layer matches tshark on real openssl captures, and decrypts them with the key log', { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, 'netlab-tls-view-');
  const certs = await makeCertificates(dir);
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const capture = await opensslConversation({ dir, certs, serverArgs: c.serverArgs ?? [], clientArgs: c.clientArgs, steps: STEPS });

      // Without a key log: frames, columns and fields as tshark prints them.
      const ours = await netlabFrames(capture.pcap);
      const theirs = await tsharkFrames(capture.pcap);
      assert.deepEqual([...ours.keys()], [...theirs.keys()], 'the same frames carry TLS');
      for (const [number, want] of theirs) {
        const got = ours.get(number)!;
        assert.equal(got.protocol, want.protocol, `frame ${number} Protocol`);
        assert.equal(got.info, want.info, `frame ${number} Info`);
        FIELDS.forEach((name, i) => assert.equal(got.fields[i], want.fields[i] ?? '', `frame ${number} ${name}`));
      }
      assert.ok([...ours.values()].some((f) => f.fields[6] === 'localhost'), 'the Client Hello names the server');
      const verbose = await tsharkVerbose(capture.pcap);
      for (const [number, frame] of ours) {
        const lines = verbose.get(number)!;
        let from = 0;
        for (const label of frame.labels) {
          const at = lines.indexOf(label, from);
          assert.ok(at >= 0, `frame ${number}: -V line ${JSON.stringify(label)} in order in tshark's\n${lines.slice(from).join('\n')}`);
          from = at + 1;
        }
      }
      assert.deepEqual(new Map([...ours].map(([n, f]) => [n, f.sections])), sectionsOf(verbose), 'TLS sections per frame');
      assert.ok([...ours.values()].some((f) => f.labels.includes('Server Name: localhost') && f.labels.some((l) => l.startsWith('Cipher Suite: '))), 'the hello lines were compared');

      // With the key log: the plaintext is what each side typed, and Info is tshark's with the same key log.
      const keyLog = parseKeyLog(readFileSync(capture.keyLog, 'latin1'));
      const decrypted = await netlabFrames(capture.pcap, keyLog);
      const text = (side: 0 | 1): string =>
        Buffer.concat([...decrypted.values()].flatMap((f) => f.decrypted.filter((r) => r.side === side && r.type === 23).map((r) => r.data))).toString('latin1');
      assert.equal(text(0), typed('client'));
      assert.equal(text(1), typed('server'));
      const keyed = await tsharkFrames(capture.pcap, ['-o', `tls.keylog_file:${capture.keyLog}`]);
      assert.deepEqual([...decrypted.keys()], [...keyed.keys()]);
      for (const [number, want] of keyed) {
        const got = decrypted.get(number)!;
        assert.equal(got.info, want.info, `frame ${number} Info with the key log`);
        FIELDS.forEach((name, i) => assert.equal(got.fields[i], want.fields[i] ?? '', `frame ${number} ${name} with the key log`));
      }
    });
  }
});

/** Bytes per TCP segment the chopping client sends. */
const PIECE = 60;
/**
 * How long the chopper holds a short tail for the next write. Node's TLS may
 * hand over its Finished and the first application record in one write or in
 * two; cutting the byte stream, not each write, makes the segments the same
 * either way, and a segment then always ends one record and begins the next.
 */
const TAIL_HOLD_MS = 200;

/**
 * A Node TLS client whose TCP writes are cut into PIECE-byte segments (Nagle
 * off, a pause between writes), talking to openssl s_server under tcpdump:
 * every record of the client spans several segments.
 */
async function choppedConversation(dir: string, certs: { rsaCert: string; rsaKey: string }, line: string): Promise<{ pcap: string; keyLog: string }> {
  const port = await freePort();
  const pcap = join(dir, `chopped-${port}.pcap`);
  const keyLog = join(dir, `chopped-${port}.log`);
  const capture = await startCapture(pcap, port);
  const server = new RunningProcess('openssl', ['s_server', '-accept', String(port), '-naccept', '1', '-cert', certs.rsaCert, '-key', certs.rsaKey, '-keylogfile', keyLog]);
  const raw = new Socket();
  let tail = Buffer.alloc(0);
  let tailTimer: NodeJS.Timeout | undefined;
  const flushTail = (): void => {
    clearTimeout(tailTimer);
    if (tail.length > 0) raw.write(tail);
    tail = Buffer.alloc(0);
  };
  try {
    await server.waitFor('ACCEPT', 20_000, 'stdout');
    raw.connect({ port, host: '127.0.0.1' });
    raw.setNoDelay(true);
    await once(raw, 'connect');
    const chopper = new Duplex({
      write(chunk: Buffer, _encoding, done) {
        clearTimeout(tailTimer);
        const bytes = Buffer.concat([tail, chunk]);
        const whole = bytes.length - (bytes.length % PIECE);
        tail = bytes.subarray(whole);
        void (async () => {
          for (let i = 0; i < whole; i += PIECE) {
            raw.write(bytes.subarray(i, i + PIECE));
            await delay(3);
          }
          tailTimer = setTimeout(flushTail, TAIL_HOLD_MS);
          done();
        })();
      },
      read() {},
      final(done) {
        flushTail();
        raw.end();
        done();
      },
    });
    raw.on('data', (d: Buffer) => chopper.push(d));
    raw.on('end', () => chopper.push(null));
    const client = tlsConnect({ socket: chopper, servername: 'localhost', rejectUnauthorized: false });
    await once(client, 'secureConnect');
    client.write(`${line}\n`);
    await server.waitFor(line, 20_000, 'stdout');
    client.end();
    await once(client, 'close');
    await server.stop(null, 20_000);
    await stopCapture(capture, pcap);
  } finally {
    clearTimeout(tailTimer);
    raw.destroy();
    await server.stop('SIGKILL', 5_000);
    await stopCapture(capture);
  }
  return { pcap, keyLog };
}

test('records cut across TCP segments are reported on the segment that completes them, as tshark does', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'netlab-tls-chopped-');
  const certs = await makeCertificates(dir);
  const line = `1 chopped request ${'x'.repeat(200)}`;
  const { pcap, keyLog } = await choppedConversation(dir, certs, line);
  const ours = await netlabFrames(pcap);
  const theirs = await tsharkFrames(pcap);
  const segments = await runProcess('tshark', ['-r', pcap, '-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'frame.number']);
  assert.ok(segments.stdout.trim().split('\n').length > theirs.size + 5, 'many segments carry only part of a record');
  assert.deepEqual([...ours.keys()], [...theirs.keys()], 'the same frames carry TLS');
  for (const [number, want] of theirs) {
    const got = ours.get(number)!;
    assert.equal(got.info, want.info, `frame ${number} Info`);
    assert.equal(got.protocol, want.protocol, `frame ${number} Protocol`);
    FIELDS.forEach((name, i) => assert.equal(got.fields[i], want.fields[i] ?? '', `frame ${number} ${name}`));
  }
  const sections = sectionsOf(await tsharkVerbose(pcap));
  assert.ok([...sections.values()].some((n) => n === 2), 'some segment finishes one record and begins the next');
  for (const [number, count] of sections) assert.equal(ours.get(number)?.sections, count, `frame ${number}: TLS sections in -V`);
  const decrypted = await netlabFrames(pcap, parseKeyLog(readFileSync(keyLog, 'latin1')));
  const keyed = await tsharkFrames(pcap, ['-o', `tls.keylog_file:${keyLog}`]);
  for (const [number, want] of keyed) assert.equal(decrypted.get(number)?.info, want.info, `frame ${number} Info with the key log`);
  const client = Buffer.concat([...decrypted.values()].flatMap((f) => f.decrypted.filter((r) => r.side === 0 && r.type === 23).map((r) => r.data)));
  assert.equal(client.toString('latin1'), `${line}\n`);
});
