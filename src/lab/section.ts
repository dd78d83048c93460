/**
 * A lab's output: headed sections of prose and facts. A fact is a small
 * record read back from a capture (a packet's number, ports, flags, where
 * its payload sits; a count; a value); the line a reader sees for it is
 * rendered from the record itself, so the text and `--json` (which carries
 * the records) cannot disagree (PRODUCT.md, "netlab lab").
 */
import type { LabPacket } from './capture-reading.js';

/** One value of a fact: what JSON can carry without a schema of its own. */
export type FactValue = string | number | boolean | null;

/**
 * A fact as `--json` prints it. A packet fact carries `capture` (its file)
 * and `packet` (its frame number, from 1 as Wireshark numbers them); a
 * count is a named number (`"control_packets": 8`); a port range a
 * `"LO-HI"` string.
 */
export type Fact = Readonly<Record<string, FactValue>>;

/** How a line wants to be shown: plain, or drawing the eye (a secret in the clear, a secret recovered). */
export type LineTone = 'plain' | 'alert' | 'good';

/** One printed line of a section. */
export interface SectionLine {
  text: string;
  tone: LineTone;
}

/** Extra keys a lab adds to a packet fact (what it says of the packet). */
export type PacketNote = Readonly<Record<string, FactValue>> & { what?: string };

/** Payload bytes shown inside a packet's line before "...". */
const LINE_PAYLOAD_CHARS = 60;

/**
 * A headed section. Labs add prose with `say`, and facts with `packet`,
 * `count` or `fact`; every fact adds the line that states it.
 */
export class LabSection {
  readonly title: string;
  readonly #lines: SectionLine[] = [];
  readonly #facts: Fact[] = [];

  constructor(title: string) {
    this.title = title;
  }

  /** The lines under the heading, in order. */
  get lines(): readonly SectionLine[] {
    return this.#lines;
  }

  /** The facts, in the order they were stated. */
  get facts(): readonly Fact[] {
    return this.#facts;
  }

  /**
   * Prose, or lines shown as they are (a payload as text, a hex dump). Prose
   * is the only text a lab writes in advance; whatever it says of the
   * capture must be a fact or come from the capture's bytes.
   * @param text one line, or several
   */
  say(text: string | readonly string[], tone: LineTone = 'plain'): this {
    for (const line of typeof text === 'string' ? [text] : text) this.#lines.push({ text: line, tone });
    return this;
  }

  /**
   * A fact with the line that states it, rendered from the fact.
   * @param render the line, from the fact's own values
   */
  fact<F extends Fact>(fact: F, render: (fact: F) => string, tone: LineTone = 'plain'): this {
    this.#facts.push(fact);
    this.#lines.push({ text: render(fact), tone });
    return this;
  }

  /**
   * A named count (`control_packets: 8`), stated as `label: N`.
   * @param name the fact's key in JSON (snake_case)
   * @param label what the number counts, in the lab sheet's words
   */
  count(name: string, value: number, label: string): this {
    return this.fact({ [name]: value }, (f) => `  ${label}: ${f[name]}`);
  }

  /**
   * A packet of a capture: its number, ports, flags, lengths and where its
   * payload sits in the frame, plus what the lab says of it (`what`, and
   * any keys of `note`).
   */
  packet(p: LabPacket, note: PacketNote = {}, tone: LineTone = 'plain'): this {
    return this.fact(packetFact(p, note), packetLine, tone);
  }
}

/** The fact of a packet (see LabSection.packet). */
export function packetFact(p: LabPacket, note: PacketNote = {}): Fact {
  const fact: Record<string, FactValue> = {
    capture: p.capture,
    packet: p.number,
    protocol: p.protocol,
    src_port: p.srcPort,
    dst_port: p.dstPort,
  };
  if (p.transport === 'tcp') fact.flags = p.flags;
  fact.length = p.length;
  fact.payload_length = p.payload.length;
  if (p.payload.length > 0) {
    fact.payload_offset = p.payloadOffset;
    fact.readable = p.readable;
    if (p.readable) fact.payload = p.payload.toString('utf8');
  }
  return { ...fact, ...note };
}

/** `packet 4: 41234 → 5000 [PSH, ACK] 80 bytes, payload 14 bytes at offset 66: "username=alice\n" (what)`. */
export function packetLine(f: Fact): string {
  let line = `  packet ${f.packet}: ${f.protocol} ${f.src_port} → ${f.dst_port}`;
  if (typeof f.flags === 'string') line += ` [${f.flags}]`;
  line += ` ${f.length} bytes`;
  if (typeof f.payload_offset !== 'number') {
    line += `, payload ${f.payload_length} bytes`;
  } else {
    line += `, payload ${f.payload_length} bytes at offset ${f.payload_offset}`;
    line += typeof f.payload === 'string' ? `: ${quote(f.payload)}` : f.readable === false ? ' (not readable)' : '';
  }
  if (typeof f.decrypted === 'string') line += `, decrypted: ${quote(f.decrypted)}`;
  if (typeof f.what === 'string') line += ` (${f.what})`;
  if (typeof f.info === 'string') line += ` Info: ${f.info.trim()}`;
  return line;
}

/** A payload as a JSON-style quoted string, shortened for one line. */
export function quote(text: string): string {
  const quoted = JSON.stringify(text.length > LINE_PAYLOAD_CHARS ? text.slice(0, LINE_PAYLOAD_CHARS) : text);
  return text.length > LINE_PAYLOAD_CHARS ? `${quoted}...` : quoted;
}
