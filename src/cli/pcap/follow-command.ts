/** `netlab pcap follow FILE --list | --stream N`: TCP streams and their reassembled bytes. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { followTcpStream, scanTcpStreams, type ListedTcpStream, type Side, type TcpStreamList } from '../../pcap/follow.js';
import type { TcpStreamsOptions } from '../../pcap/reassembly/tcp-streams.js';
import type { TlsStreamSummary } from '../../pcap/tls/decrypt.js';
import { TlsStreamConsumer } from '../../pcap/tls/stream-consumer.js';
import { TlsConnection } from '../../pcap/tls/connection.js';
import { parseKeyLog, type KeyLog } from '../../pcap/tls/keylog.js';
import { examples } from '../help.js';
import { readUserFile } from '../files.js';
import type { CaptureInput } from '../../pcap/read/source.js';
import { oneOf, positiveInteger } from '../parse.js';
import { Output, paint } from '../output.js';
import { interruptSignal } from './interrupt.js';

interface FollowFlags {
  list?: boolean;
  stream?: number;
  direction: 'both' | 'client' | 'server';
  format: 'text' | 'hex' | 'raw';
  keylog?: string;
  json?: boolean;
}

/** Registers `pcap follow`. */
export function registerFollow(pcap: Command): void {
  pcap
    .command('follow')
    .summary('list TCP streams, or print one reassembled')
    .description(
      'List the TCP streams of a capture, numbered as tshark numbers tcp.stream, or print one stream reassembled: ' +
        'retransmissions removed, in sequence order. With --keylog a TLS stream is shown decrypted.',
    )
    .argument('<file>', 'capture file ("-" reads standard input)')
    .option('--list', 'list the TCP streams, numbered as tshark numbers tcp.stream')
    .option('--stream <n>', 'the stream to print', positiveInteger('stream number', 0))
    .option('--direction <dir>', 'both, client (first sender) or server', oneOf('direction', ['both', 'client', 'server'] as const), 'both')
    .option('--format <fmt>', 'text, hex, or raw bytes', oneOf('format', ['text', 'hex', 'raw'] as const), 'text')
    .option('--keylog <file>', 'NSS key log (SSLKEYLOGFILE) to decrypt TLS 1.2/1.3 streams: shows their application data')
    .option('--json', 'machine output (--list: one JSON array)')
    .addHelpText(
      'after',
      examples(
        'netlab pcap follow lab-tcp.pcap --list',
        'netlab pcap follow lab-tcp.pcap --stream 0 --direction client --format hex',
        'netlab pcap follow lab-tcp.pcap --stream 0 --format raw > stream.bin',
        'netlab pcap follow lab-tls.pcap --stream 0 --keylog lab-keys.log',
      ),
    )
    .action(async (file: string, flags: FollowFlags) => runFollow(file, flags));
}

async function runFollow(file: string, flags: FollowFlags): Promise<void> {
  const out = new Output({ json: flags.json });
  if ((flags.list === true) === (flags.stream !== undefined)) {
    throw new UsageError('give either --list or --stream N');
  }
  const keyLog = flags.keylog === undefined ? undefined : await loadKeyLog(flags.keylog, out);
  const input = file === '-' ? process.stdin : file;
  const interrupt = interruptSignal();
  try {
    await follow(file, input, flags, out, interrupt.signal, keyLog);
  } finally {
    interrupt.dispose();
  }
}

/**
 * @throws FileError when the key log cannot be read
 */
export async function loadKeyLog(path: string, out: Output): Promise<KeyLog> {
  const keyLog = parseKeyLog(readUserFile(path, '--keylog'));
  if (keyLog.stats.secrets === 0) out.warn(`${path} holds no TLS secrets (is it an NSS key log, as SSLKEYLOGFILE writes?)`);
  for (const problem of keyLog.problems.slice(0, 3)) out.warn(`${path}: ${problem.message}`);
  return keyLog;
}

async function follow(file: string, input: CaptureInput, flags: FollowFlags, out: Output, signal: AbortSignal, keyLog: KeyLog | undefined): Promise<void> {
  if (flags.list === true) {
    const { streams, info } = await scanTcpStreams(input, { capture: { name: 'stdin' }, signal, keyLog, ...tableOptions() });
    await writeList(streams, flags.json === true, keyLog !== undefined, out);
    for (const w of info.warnings) out.warn(`${file}: ${w.message} (${w.code})`);
    return;
  }
  const want: Side | -1 = flags.direction === 'client' ? 0 : flags.direction === 'server' ? 1 : -1;
  const sink = makeSink(flags.format, flags.json === true);
  const show = (side: Side, data: Uint8Array): void => {
    if (want === -1 || want === side) sink.data(side, data);
  };
  // With a key log the stream's bytes go through the TLS stream consumer, and
  // what is shown is the application data it authenticates, never a guess; a
  // stream that turns out not to be TLS is shown as captured.
  let summary: TlsStreamSummary | undefined;
  let plain = false;
  const tlsStreams =
    keyLog === undefined
      ? undefined
      : new TlsStreamConsumer({
          keyLog,
          wanted: () => true,
          keepUntilFinish: true,
          onData: (_s, e) => show(e.direction === 'client' ? 0 : 1, e.data),
          onPlain: (_s, side, data) => show(side, data),
          onSummary: (_s, s, notTls) => {
            summary = s;
            plain = notTls;
          },
        });
  const { stream, info } = await followTcpStream(
    input,
    flags.stream!,
    (side, data, packetIndex, s) => {
      if (tlsStreams === undefined) show(side, data);
      else tlsStreams.reassembled(s, side, data, packetIndex);
    },
    { capture: { name: 'stdin' }, signal, onProgress: () => sink.flush(), ...tableOptions() },
  );
  tlsStreams?.finish();
  // A stream that carried no payload never reached the consumer: its summary is that of an empty connection.
  const tls = plain || keyLog === undefined ? undefined : (summary ?? new TlsConnection({ keyLog }).finish());
  sink.end();
  if (plain) out.note(`stream ${flags.stream}: not TLS, shown as captured (nothing to decrypt)`);
  if (flags.format !== 'raw' && flags.json !== true) {
    out.note(
      `stream ${stream.index}: ${stream.client} -> ${stream.server}, ${stream.bytesClient} bytes from client, ${stream.bytesServer} from server${stream.gaps > 0 ? `, ${stream.gaps} gaps (missing segments)` : ''}${stream.undelivered > 0 ? `; ${stream.undelivered} bytes captured after a missing segment are not shown` : ''}${stream.uncaptured > 0 ? `; ${notCaptured(stream.uncaptured)}` : ''}`,
    );
  } else if (stream.uncaptured > 0) {
    // Raw bytes on stdout are short by this much: say so on stderr (JSON and raw alike).
    out.note(`stream ${stream.index}: ${notCaptured(stream.uncaptured)}`);
  }
  if (stream.tls && tls === undefined) out.note('this stream is TLS: its bytes are ciphertext; decrypt them with --keylog FILE');
  for (const w of info.warnings) out.warn(`${file}: ${w.message} (${w.code})`);
  if (tls !== undefined) reportDecryption(stream.index, tls, out);
}

/** The bytes the segments declare but the capture's snap length cut off (shown neither here nor by tshark). */
function notCaptured(n: number): string {
  return `${n} bytes not captured (snap length): each segment shows only its captured bytes`;
}

/**
 * NETLAB_PCAP_MAX_TCP_STREAMS overrides the cap on streams reassembled at
 * once (DEFAULTS.pcapMaxTcpStreams), so its warning can be seen on a small
 * capture; anything but a positive integer is ignored.
 */
function tableOptions(): TcpStreamsOptions {
  const cap = Number(process.env.NETLAB_PCAP_MAX_TCP_STREAMS);
  return Number.isInteger(cap) && cap > 0 ? { maxStreams: cap } : {};
}

/** Rows written per stdout write: the list of a huge capture is never held whole. */
const LIST_BATCH = 1024;

/** Writes `--list` (text, or the contract's JSON array) a batch of rows at a time, waiting for stdout to drain. */
async function writeList(streams: TcpStreamList, json: boolean, withKeyLog: boolean, out: Output): Promise<void> {
  if (!json && streams.count === 0) {
    out.info('no TCP streams');
    return;
  }
  let text = json ? '[' : `${'stream'.padStart(6)}  client -> server\n`;
  for (let i = 0; i < streams.count; i++) {
    const s = streams.stream(i)!;
    text += json ? `${i > 0 ? ',' : ''}${JSON.stringify(jsonRow(s))}` : `${listLine(s, withKeyLog)}\n`;
    if ((i + 1) % LIST_BATCH === 0) {
      if (!process.stdout.write(text)) await drained();
      text = '';
    }
  }
  process.stdout.write(json ? `${text}]\n` : text);
}

/** Resolves when stdout has drained, or is gone (a closed pipe: the process ends on EPIPE as before). */
function drained(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.stdout.off('drain', done);
      process.stdout.off('close', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('close', done);
  });
}

function jsonRow(s: ListedTcpStream): object {
  return {
    stream: s.index,
    client: s.client,
    server: s.server,
    packets: s.packets,
    bytes_client: s.bytesClient,
    bytes_server: s.bytesServer,
    tls: s.tls,
    keys: s.keys,
  };
}

function listLine(s: ListedTcpStream, withKeyLog: boolean): string {
  const tls = s.tls ? (s.keys ? '  [TLS, keys found]' : withKeyLog ? '  [TLS, no keys]' : '  [TLS]') : '';
  return `${String(s.index).padStart(6)}  ${s.client} -> ${s.server}  ${s.packets} packets, ${s.bytesClient} bytes from client, ${s.bytesServer} bytes from server${tls}`;
}

/**
 * Says in plain words what the key log did for this stream; anything short
 * of a full decryption is exit code 1.
 */
function reportDecryption(index: number, tls: TlsStreamSummary, out: Output): void {
  const what = `stream ${index}: ${tls.version ?? 'TLS'}${tls.cipherSuite ? ` ${tls.cipherSuite}` : ''}`;
  if (tls.status === 'decrypted') {
    out.note(`${what}: decrypted (${tls.client.decrypted + tls.server.decrypted} records)`);
    return;
  }
  process.exitCode = 1;
  out.warn(`${what}: ${tls.status}: ${tls.reason ?? 'nothing to decrypt'}${tls.code ? ` (${tls.code})` : ''}`);
}

interface Sink {
  data(side: Side, data: Uint8Array): void;
  flush(): void;
  end(): void;
}

/** Buffers output per read window so stdout gets few large writes. */
function makeSink(format: 'text' | 'hex' | 'raw', json: boolean): Sink {
  let parts: (string | Uint8Array)[] = [];
  let size = 0;
  const offsets = [0, 0];
  const flush = () => {
    for (const p of parts) process.stdout.write(p);
    parts = [];
    size = 0;
  };
  const push = (p: string | Uint8Array) => {
    parts.push(p);
    size += p.length;
    if (size > 1 << 20) flush();
  };
  return {
    data(side, data) {
      if (json) {
        push(`${JSON.stringify({ side: side === 0 ? 'client' : 'server', offset: offsets[side], hex: Buffer.from(data).toString('hex') })}\n`);
      } else if (format === 'raw') {
        push(Buffer.from(data)); // copy: the view is only valid during this call
      } else if (format === 'hex') {
        push(hexDump(data, offsets[side]!, side === 1 ? '\t' : ''));
      } else {
        const text = printable(data);
        push(paint(process.stdout, side === 0 ? 'red' : 'cyan', text));
      }
      offsets[side]! += data.length;
    },
    flush,
    end: flush,
  };
}

/** Bytes as text: printable ASCII, tab, CR and LF as they are, everything else as ".". */
function printable(data: Uint8Array): string {
  let s = '';
  for (const c of data) s += (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 ? String.fromCharCode(c) : '.';
  return s;
}

/** hexdump -C style, 16 bytes a line, offsets per direction; server lines indented like tshark's. */
function hexDump(data: Uint8Array, base: number, indent: string): string {
  let s = '';
  for (let i = 0; i < data.length; i += 16) {
    const row = data.subarray(i, i + 16);
    const hexes = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const left = hexes.slice(0, 8).join(' ');
    const right = hexes.slice(8).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    s += `${indent}${(base + i).toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  ${ascii}\n`;
  }
  return s;
}
