/**
 * Checking what `netlab lab NAME` says against tshark's reading of the
 * captures it wrote: every packet fact of its `--json` (frame number, ports,
 * flags, lengths, where the payload sits, what it reads as), and every
 * packet line of its text output.
 */
import assert from 'node:assert/strict';
import { isAbsolute, join } from 'node:path';
import { runCli, runProcess, type CliResult } from './cli.js';
import { tool } from './pcap.js';
import { netlabDissectors } from './tshark.js';
import { tempDir } from './temp.js';

/** The `--json` document of a lab (PRODUCT.md). */
export interface LabDoc {
  lab: string;
  recorded_with: string;
  files: string[];
  sections: { title: string; text: string; facts: Record<string, unknown>[] }[];
}

/** One frame as tshark reads it. */
export interface TsharkFrame {
  number: number;
  len: number;
  protocols: string;
  protocol: string;
  info: string;
  srcPort: number;
  dstPort: number;
  tcp: boolean;
  /** tcp.flags as a number (0 when not TCP). */
  flags: number;
  /** tcp.stream (-1 when not TCP). */
  stream: number;
  /** tcp.len, or the UDP payload's length. */
  payloadLength: number;
  ipHeaderLength: number;
  transportHeaderLength: number;
  /** The frame's bytes (frame_raw). */
  raw: Buffer;
  /** tcp.payload or udp.payload. */
  payload: Buffer;
  /** TLS application data tshark decrypted (data.data with a key log). */
  decrypted: Buffer[];
}

const FIELDS = [
  'frame.number',
  'frame.len',
  'frame.protocols',
  '_ws.col.Protocol',
  '_ws.col.Info',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'tcp.flags',
  'tcp.stream',
  'tcp.len',
  'udp.length',
  'ip.hdr_len',
  'tcp.hdr_len',
  'tcp.payload',
  'udp.payload',
  'data.data',
];

/**
 * Every frame of `file` as tshark reads it (with `keyLog`, TLS decrypted).
 * @throws AssertionError when tshark complains about the file
 */
export function tsharkFrames(file: string, keyLog?: string): Map<number, TsharkFrame> {
  const extra = keyLog === undefined ? [] : ['-o', `tls.keylog_file:${keyLog}`];
  const args = ['-r', file, ...netlabDissectors(), ...extra, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of FIELDS) args.push('-e', f);
  const rows = tool('tshark', args)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
  const raw = new Map<number, Buffer>();
  const json = JSON.parse(tool('tshark', ['-r', file, ...netlabDissectors(), '-T', 'json', '-x'])) as { _source: { layers: { frame: { 'frame.number': string }; frame_raw: [string] } } }[];
  for (const packet of json) raw.set(Number(packet._source.layers.frame['frame.number']), Buffer.from(packet._source.layers.frame_raw[0], 'hex'));
  const frames = new Map<number, TsharkFrame>();
  for (const row of rows) {
    const [number, len, protocols, protocol, info, tcpSrc, tcpDst, udpSrc, udpDst, flags, stream, tcpLen, udpLen, ipHdr, tcpHdr, tcpPayload, udpPayload, data] = row;
    const tcp = tcpSrc !== '' && tcpSrc !== undefined;
    frames.set(Number(number), {
      number: Number(number),
      len: Number(len),
      protocols: protocols ?? '',
      protocol: protocol ?? '',
      info: info ?? '',
      srcPort: Number(tcp ? tcpSrc : udpSrc),
      dstPort: Number(tcp ? tcpDst : udpDst),
      tcp,
      flags: tcp ? Number(flags) : 0,
      stream: tcp ? Number(stream) : -1,
      payloadLength: tcp ? Number(tcpLen) : udpLen ? Number(udpLen) - 8 : 0,
      ipHeaderLength: Number(ipHdr),
      transportHeaderLength: tcp ? Number(tcpHdr) : 8,
      raw: raw.get(Number(number)) ?? Buffer.alloc(0),
      payload: Buffer.from((tcp ? tcpPayload : udpPayload) ?? '', 'hex'),
      decrypted: (data ?? '')
        .split(',')
        .filter((h) => h !== '')
        .map((h) => Buffer.from(h, 'hex')),
    });
  }
  return frames;
}

/** tcp.flags named as tshark's Info column names them (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR). */
export function flagNames(bits: number): string {
  const names: [number, string][] = [
    [0x01, 'FIN'],
    [0x02, 'SYN'],
    [0x04, 'RST'],
    [0x08, 'PSH'],
    [0x10, 'ACK'],
    [0x20, 'URG'],
    [0x40, 'ECE'],
    [0x80, 'CWR'],
  ];
  return names
    .filter(([bit]) => (bits & bit) !== 0)
    .map(([, n]) => n)
    .join(', ');
}

/** Whether bytes read as text: valid UTF-8 with at most one byte in seven a control character (an independent reading of "readable"). */
export function readsAsText(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  const control = [...bytes].filter((b) => b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09).length;
  return control * 7 <= bytes.length;
}

/** Runs `netlab lab ARGS --json --out DIR` and parses its document. */
export async function runLabJson(args: string[], dir: string): Promise<{ doc: LabDoc; result: CliResult }> {
  const result = await runCli(['lab', ...args, '--json', '--out', dir], { timeoutMs: 60_000, cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  return { doc: JSON.parse(result.stdout) as LabDoc, result };
}

/** A lab's captures followed by the report page it writes beside each (lab-x.pcap, then lab-x.html). */
export function withReportPages(captures: readonly string[]): string[] {
  return [...captures, ...captures.map((c) => c.replace(/\.pcap$/, '.html'))];
}

/** The path of a file the lab names, from the test's side. */
export function labPath(dir: string, file: string): string {
  return isAbsolute(file) ? file : join(dir, file);
}

/** Every fact of the document that is about a packet. */
export function packetFacts(doc: LabDoc): Record<string, unknown>[] {
  return doc.sections.flatMap((s) => s.facts).filter((f) => typeof f.capture === 'string' && typeof f.packet === 'number');
}

/**
 * Checks every packet fact of a lab's `--json` against tshark's reading of
 * the capture it names, and that the section's text states it.
 * @param keyLogs capture file (as the document names it) -> key log with which tshark checks `secret` and `decrypted`
 * @returns the frames read per capture, for the lab's own checks
 */
export function checkPacketFacts(doc: LabDoc, dir: string, keyLogs: Record<string, string> = {}): Map<string, Map<number, TsharkFrame>> {
  const captures = new Map<string, Map<number, TsharkFrame>>();
  const decryptedCaptures = new Map<string, Map<number, TsharkFrame>>();
  // What the lab says an eavesdropper sees is checked without the key log; what it decrypted, with it.
  const framesOf = (capture: string, decrypted: boolean): Map<number, TsharkFrame> => {
    const cache = decrypted ? decryptedCaptures : captures;
    let frames = cache.get(capture);
    if (frames === undefined) {
      const keyLog = decrypted ? keyLogs[capture] : undefined;
      frames = tsharkFrames(labPath(dir, capture), keyLog === undefined ? undefined : labPath(dir, keyLog));
      cache.set(capture, frames);
    }
    return frames;
  };
  let checked = 0;
  for (const section of doc.sections) {
    for (const f of section.facts) {
      // The text states what the facts say: every number of every fact is in the section's text.
      for (const [key, value] of Object.entries(f)) {
        if (typeof value === 'number') assert.match(section.text, new RegExp(`(^|\\D)${value}(\\D|$)`), `${section.title}: the text states ${key} = ${value}`);
      }
      if (typeof f.capture !== 'string' || typeof f.packet !== 'number') continue;
      assert.ok(doc.files.includes(f.capture), `${f.capture} is among the lab's files`);
      const frame = framesOf(f.capture, false).get(f.packet);
      const where = `${section.title}: ${f.capture} packet ${f.packet}`;
      assert.ok(frame !== undefined, `${where} exists for tshark`);
      checkFrameFact(f, frame, framesOf(f.capture, true).get(f.packet)!, where);
      assert.ok(section.text.includes(`${f.packet}`), `${where}: the section's text names the packet`);
      if (typeof f.src_port === 'number') assert.ok(section.text.includes(`${f.src_port} → ${f.dst_port}`), `${where}: the text shows its ports`);
      checked += 1;
    }
  }
  assert.ok(checked > 0, 'the lab states packet facts');
  return captures;
}

/** One packet fact against tshark's frame. */
function checkFrameFact(f: Record<string, unknown>, frame: TsharkFrame, decryptedFrame: TsharkFrame, where: string): void {
  if ('src_port' in f) assert.equal(f.src_port, frame.srcPort, `${where}: src_port`);
  if ('dst_port' in f) assert.equal(f.dst_port, frame.dstPort, `${where}: dst_port`);
  if ('protocol' in f) assert.equal(f.protocol, frame.protocol, `${where}: protocol`);
  if ('flags' in f) assert.equal(f.flags, flagNames(frame.flags), `${where}: flags`);
  if ('length' in f && 'payload_length' in f) {
    assert.equal(f.length, frame.len, `${where}: length`);
    assert.equal(f.payload_length, frame.payloadLength, `${where}: payload_length`);
  }
  if ('info' in f) assert.equal(f.info, frame.info, `${where}: info`);
  if (typeof f.payload_offset === 'number') {
    if (typeof f.text === 'string') {
      // A line of the payload: those very bytes at that offset of the frame.
      assert.equal(frame.raw.subarray(f.payload_offset, f.payload_offset + f.text.length).toString('latin1'), f.text, `${where}: the text at offset ${f.payload_offset}`);
      assert.ok(f.payload_offset >= frame.len - frame.payloadLength, `${where}: the offset is inside the payload`);
    } else {
      // The payload's start: the frame's bytes from there are tshark's payload.
      assert.equal(f.payload_offset, frame.len - frame.payloadLength, `${where}: payload_offset`);
      assert.deepEqual(frame.raw.subarray(f.payload_offset, f.payload_offset + frame.payloadLength), frame.payload, `${where}: the payload sits at payload_offset`);
    }
  }
  if (typeof f.payload === 'string') assert.equal(f.payload, frame.payload.toString('utf8'), `${where}: payload`);
  if (typeof f.readable === 'boolean') assert.equal(f.readable, readsAsText(frame.payload), `${where}: readable`);
  if (typeof f.secret === 'string') {
    const carried = [frame.payload, ...decryptedFrame.decrypted].some((b) => b.includes(f.secret as string));
    assert.ok(carried, `${where}: carries ${f.secret} (in its payload or decrypted by tshark)`);
  }
  if (typeof f.decrypted === 'string') assert.ok(decryptedFrame.decrypted.some((b) => b.toString('utf8') === f.decrypted), `${where}: tshark decrypts the same record`);
  if (typeof f.link_header_bytes === 'number') {
    assert.equal(f.link_header_bytes, frame.protocols.startsWith('eth:') ? 14 : -1, `${where}: link header`);
    assert.equal(f.ip_header_bytes, frame.ipHeaderLength, `${where}: IP header`);
    assert.equal(f.transport_header_bytes, frame.transportHeaderLength, `${where}: transport header`);
  }
}

/** `packet N: PROTO SRC → DST [FLAGS] LEN bytes` lines of a lab's text output. */
export function textPacketLines(
  stdout: string,
): { packet: number; protocol: string; src: number; dst: number; flags: string | undefined; length: number; payloadLength: number; payloadOffset: number | undefined }[] {
  const out = [];
  for (const m of stdout.matchAll(/^ {2}packet (\d+): (\S+) (\d+) → (\d+)(?: \[([^\]]*)\])? (\d+) bytes(?:, payload (\d+) bytes(?: at offset (\d+))?)?/gm)) {
    out.push({
      packet: Number(m[1]),
      protocol: m[2]!,
      src: Number(m[3]),
      dst: Number(m[4]),
      flags: m[5],
      length: Number(m[6]),
      payloadLength: m[7] === undefined ? 0 : Number(m[7]),
      payloadOffset: m[8] === undefined ? undefined : Number(m[8]),
    });
  }
  return out;
}

/** The `== title ==` headings of a text output, in order. */
export function textHeadings(stdout: string): string[] {
  return [...stdout.matchAll(/^== (.*) ==$/gm)].map((m) => m[1]!);
}

/**
 * Checks each `packet N: ...` line of a lab's text output against tshark:
 * some capture the lab wrote has frame N with that protocol, those ports,
 * flags, length, payload length and payload offset.
 * @returns how many lines were checked
 */
export function checkTextPackets(stdout: string, dir: string, captures: readonly string[]): number {
  const frames = captures.map((c) => tsharkFrames(join(dir, c)));
  const lines = textPacketLines(stdout);
  for (const line of lines) {
    const match = frames.some((byNumber) => {
      const frame = byNumber.get(line.packet);
      return (
        frame !== undefined &&
        frame.protocol === line.protocol &&
        frame.srcPort === line.src &&
        frame.dstPort === line.dst &&
        frame.len === line.length &&
        frame.payloadLength === line.payloadLength &&
        (line.payloadOffset === undefined || line.payloadOffset === frame.len - frame.payloadLength) &&
        (line.flags === undefined ? !frame.tcp : flagNames(frame.flags) === line.flags)
      );
    });
    const read = frames.map((byNumber, i) => {
      const f = byNumber.get(line.packet);
      return `${captures[i]}: ${f === undefined ? 'none' : `${f.protocol} ${f.srcPort} → ${f.dstPort} [${flagNames(f.flags)}] ${f.len} bytes, payload ${f.payloadLength}`}`;
    });
    assert.ok(match, `the text's packet ${line.packet} (${line.protocol} ${line.src} → ${line.dst} [${line.flags ?? ''}] ${line.length} bytes) is a frame tshark reads in ${captures.join(' or ')}; tshark reads ${read.join('; ')}`);
  }
  return lines.length;
}

/** The section whose title contains `part`. */
export function section(doc: LabDoc, part: string): LabDoc['sections'][number] {
  const found = doc.sections.find((s) => s.title.includes(part));
  assert.ok(found !== undefined, `a section titled like ${JSON.stringify(part)} in ${JSON.stringify(doc.sections.map((s) => s.title))}`);
  return found;
}

/** The count `name` a section states (the fact that carries it as a number). */
export function countFact(s: LabDoc['sections'][number], name: string): number {
  const fact = s.facts.find((f) => typeof f[name] === 'number');
  assert.ok(fact !== undefined, `a ${name} count in ${s.title}`);
  return fact[name] as number;
}

/** Numbers and hex bytes masked: two runs of a lab differ in ports, packet numbers and random bytes, not in what they say. */
export function shape(text: string): string {
  return text.replace(/\b[0-9a-f]{2}\b/g, '##').replace(/\d+/g, '#');
}

/** The lines under each `== TITLE ==` heading of a lab's text output. */
export function textSections(stdout: string): { title: string; text: string }[] {
  const parts = stdout.split(/^== (.*) ==$/m);
  const sections: { title: string; text: string }[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) sections.push({ title: parts[i] as string, text: (parts[i + 1] as string).replace(/^\n/, '').replace(/\n+$/, '') });
  return sections;
}

/**
 * The text output says what `--json` carries: the same headings, and under
 * each the same lines, digits aside (two runs have other ports); the
 * closing "Look at it yourself" names absolute paths, so it is left out.
 */
export function checkTextMatchesJson(stdout: string, doc: LabDoc): void {
  const printed = textSections(stdout);
  assert.deepEqual(
    printed.slice(0, doc.sections.length).map((s) => shape(s.title)),
    doc.sections.map((s) => shape(s.title)),
  );
  for (const [i, s] of doc.sections.entries()) {
    if (s.title === 'Look at it yourself') continue;
    assert.equal(shape(printed[i]!.text), shape(s.text), s.title);
  }
}

/** tshark reads the file without an error (a live capture's offloaded checksums are not errors). */
export async function tsharkReads(file: string): Promise<void> {
  const result = await runProcess('tshark', ['-r', file, ...netlabDissectors()]);
  assert.equal(result.code, 0, result.stderr);
  const complaints = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Running as user'));
  assert.deepEqual(complaints, [], `tshark -r ${file}`);
}

/** The `netlab ...` commands of a text output's "Look at it yourself" section, their trailing "(...)" remarks removed. */
export function hintCommands(stdout: string): string[][] {
  const from = stdout.indexOf('== Look at it yourself ==');
  const next = stdout.indexOf('\n== ', from + 1);
  return stdout
    .slice(from, next === -1 ? undefined : next)
    .split('\n')
    .map((l) => l.trim().replace(/\s{2,}\(.*\)$/, ''))
    .filter((l) => l.startsWith('netlab '))
    .map((l) => l.split(' ').slice(1));
}

/**
 * Runs each `netlab ...` hint of the "Look at it yourself" section as
 * printed, in the lab's directory: each exits 0 and prints something.
 * @returns what each printed, in order
 */
export async function runHints(stdout: string, dir: string): Promise<string[]> {
  const outputs: string[] = [];
  for (const args of hintCommands(stdout)) {
    const hint = await runCli(args, { cwd: dir });
    assert.equal(hint.code, 0, `netlab ${args.join(' ')}: ${hint.stderr}`);
    assert.ok(hint.stdout.length > 0, `netlab ${args.join(' ')} prints something`);
    outputs.push(hint.stdout);
  }
  return outputs;
}

/**
 * Runs each `netlab ...` hint of the "Look at it yourself" section as printed, in the lab's directory.
 * @returns how many ran
 */
export async function checkHintsRun(stdout: string, dir: string): Promise<number> {
  return (await runHints(stdout, dir)).length;
}

/**
 * Runs `netlab lab NAME` as text in a temporary directory and checks it
 * against tshark and against `--json`: every packet line is a frame tshark
 * reads in `captures`, every `netlab` hint runs as printed there (exit 0,
 * some output), and a `--json` run in another directory says the same,
 * section by section, once that directory is taken out of its paths.
 * @returns what each hint printed, in order
 */
export async function checkTextRun(t: { after: (fn: () => void) => void }, name: string, captures: readonly string[]): Promise<{ packetLines: number; hints: string[] }> {
  const dir = tempDir(t);
  const text = await runCli(['lab', name], { timeoutMs: 60_000, cwd: dir });
  assert.equal(text.code, 0, text.stderr);
  const packetLines = checkTextPackets(text.stdout, dir, captures);
  const hints = await runHints(text.stdout, dir);
  const other = tempDir(t);
  const { doc } = await runLabJson([name], other);
  checkTextMatchesJson(text.stdout, JSON.parse(JSON.stringify(doc).replaceAll(`${other}/`, '')) as LabDoc);
  return { packetLines, hints };
}
