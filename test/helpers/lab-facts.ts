/**
 * Checking a lab's facts against tshark, the reference dissector: the lab
 * runs as a student runs it (a child process in a temporary directory), and
 * every packet fact of its `--json` (frame number, ports, flags, lengths,
 * payload and whether it reads as text) must be what tshark reads in the
 * same frame of the same file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, runProcess, type CliResult } from './cli.js';
import { tsharkFields } from './pcap.js';

export interface LabDocument {
  lab: string;
  recorded_with: string;
  files: string[];
  sections: { title: string; text: string; facts: Record<string, unknown>[] }[];
}

/** Runs `netlab lab NAME --json` in `dir` (its files land there) and parses the document. */
export async function runLabJson(name: string, dir: string, extra: string[] = []): Promise<{ result: CliResult; doc: LabDocument }> {
  const result = await runCli(['lab', name, '--json', ...extra], { timeoutMs: 60_000, cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  return { result, doc: JSON.parse(result.stdout) as LabDocument };
}

/** The section whose title contains `part`. */
export function section(doc: LabDocument, part: string): LabDocument['sections'][number] {
  const found = doc.sections.find((s) => s.title.includes(part));
  assert.ok(found !== undefined, `a section titled like ${JSON.stringify(part)} in ${JSON.stringify(doc.sections.map((s) => s.title))}`);
  return found;
}

/** What tshark reads in one frame. */
export interface TsharkFrame {
  number: number;
  length: number;
  protocol: string;
  srcPort: number;
  dstPort: number;
  /** TCP flags named as tshark's Info column names them (`SYN, ACK`); '' for UDP. */
  flags: string;
  payload: Buffer;
  tcpStream: number;
}

/** TCP flag bits, lowest first: the order tshark lists them in its Info column. */
const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];

/** Every frame of `file` as tshark reads it, by frame number. */
export function tsharkFrames(file: string): Map<number, TsharkFrame> {
  const fields = ['frame.number', 'frame.len', '_ws.col.Protocol', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags', 'tcp.payload', 'udp.payload', 'tcp.stream'];
  const frames = new Map<number, TsharkFrame>();
  for (const row of tsharkFields(file, fields)) {
    const [number, length, protocol, tcpSrc, tcpDst, udpSrc, udpDst, flags, tcpPayload, udpPayload, stream] = row;
    const bits = flags === undefined || flags === '' ? 0 : Number.parseInt(flags, 16);
    frames.set(Number(number), {
      number: Number(number),
      length: Number(length),
      protocol: protocol ?? '',
      srcPort: Number(tcpSrc || udpSrc),
      dstPort: Number(tcpDst || udpDst),
      flags: FLAG_NAMES.filter((_, i) => (bits & (1 << i)) !== 0).join(', '),
      payload: Buffer.from((tcpPayload || udpPayload || '').replace(/:/g, ''), 'hex'),
      tcpStream: stream === undefined || stream === '' ? -1 : Number(stream),
    });
  }
  return frames;
}

/** Text as a reader sees it: valid UTF-8 with at most 15% unprintable bytes. */
function readsAsText(bytes: Buffer): boolean {
  const unprintable = [...bytes].filter((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d).length + [...bytes].filter((b) => b === 0x7f).length;
  if (unprintable > bytes.length * 0.15) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Every packet fact of the document (those with `capture` and `packet`). */
export function packetFacts(doc: LabDocument): Record<string, unknown>[] {
  return doc.sections.flatMap((s) => s.facts.filter((f) => typeof f.capture === 'string' && typeof f.packet === 'number'));
}

/**
 * Checks every packet fact against tshark's reading of its capture (read
 * from `dir`): ports, flags, frame length, payload length and offset, the
 * payload text when the lab calls it readable, unreadable bytes when it
 * does not. Returns the frames read, by capture, for the lab's own checks.
 */
export function checkPacketFacts(doc: LabDocument, dir: string): Map<string, Map<number, TsharkFrame>> {
  const captures = new Map<string, Map<number, TsharkFrame>>();
  const facts = packetFacts(doc);
  assert.ok(facts.length > 0, 'the lab states packet facts');
  for (const fact of facts) {
    const capture = fact.capture as string;
    if (!captures.has(capture)) captures.set(capture, tsharkFrames(join(dir, capture)));
    const frame = captures.get(capture)!.get(fact.packet as number);
    const where = `${capture} packet ${String(fact.packet)}: ${JSON.stringify(fact)}`;
    assert.ok(frame !== undefined, `tshark finds ${where}`);
    if ('src_port' in fact) assert.equal(fact.src_port, frame.srcPort, where);
    if ('dst_port' in fact) assert.equal(fact.dst_port, frame.dstPort, where);
    if ('flags' in fact) assert.equal(fact.flags, frame.flags, where);
    if ('length' in fact) assert.equal(fact.length, frame.length, where);
    if ('protocol' in fact) assert.equal(fact.protocol, frame.protocol, where);
    if ('payload_length' in fact) assert.equal(fact.payload_length, frame.payload.length, where);
    if ('payload_offset' in fact) assert.equal(fact.payload_offset, frame.length - frame.payload.length, where);
    if (fact.readable === true) {
      assert.ok(readsAsText(frame.payload), `tshark's payload reads as text: ${where}`);
      if ('payload' in fact) assert.equal(fact.payload, frame.payload.toString('utf8'), where);
    }
    if (fact.readable === false) assert.ok(!readsAsText(frame.payload), `tshark's payload does not read as text: ${where}`);
  }
  return captures;
}

/**
 * The text and `--json` say the same: each packet fact's number, ports and
 * flags are in its section's printed text.
 */
export function checkFactsInText(doc: LabDocument): void {
  for (const s of doc.sections) {
    for (const fact of s.facts) {
      if (typeof fact.packet !== 'number') continue;
      const where = `${s.title}: ${JSON.stringify(fact)}`;
      assert.ok(s.text.toLowerCase().includes(`packet ${fact.packet}`), where);
      for (const key of ['src_port', 'dst_port', 'length'] as const) if (key in fact) assert.ok(s.text.includes(String(fact[key])), `${key} in the text of ${where}`);
      if (typeof fact.flags === 'string' && fact.flags !== '') assert.ok(s.text.includes(`[${fact.flags}]`), `flags in the text of ${where}`);
    }
  }
}

/** Digits masked: two runs of a lab differ in ports and numbers, not in what they say. */
export function shape(text: string): string {
  return text.replace(/\d+/g, '#');
}

/** The printed text of each `== TITLE ==` section of a lab's human output, by title. */
export function printedSections(stdout: string): { title: string; text: string }[] {
  const parts = stdout.split(/^== (.*) ==$/m);
  const sections: { title: string; text: string }[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) sections.push({ title: parts[i] as string, text: (parts[i + 1] as string).replace(/^\n/, '').replace(/\n+$/, '') });
  return sections;
}

/** tshark reads the file without an error (a live capture's offloaded checksums are not errors). */
export async function tsharkReads(file: string): Promise<void> {
  const result = await runProcess('tshark', ['-r', file]);
  assert.equal(result.code, 0, result.stderr);
  const complaints = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Running as user'));
  assert.deepEqual(complaints, [], `tshark -r ${file}`);
}

/** A count fact of a section: the fact that carries `name`. */
export function countFact(s: LabDocument['sections'][number], name: string): number {
  const fact = s.facts.find((f) => typeof f[name] === 'number');
  assert.ok(fact !== undefined, `a ${name} count in ${s.title}`);
  return fact[name] as number;
}
