/**
 * The lab framework's own logic: TCP roles from flags, a fact's line
 * rendered from the fact, section numbering, and the runner (files, the
 * report hook, recordings stopped when a lab fails).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPacket } from '../../../src/lab/capture-reading.js';
import { labJson, LOOK_SECTION_TITLE, runLab, type Lab } from '../../../src/lab/lab.js';
import { LabSection, packetFact, packetLine } from '../../../src/lab/section.js';
import { tcpRoles } from '../../../src/lab/steps.js';
import { tempDir } from '../../helpers/temp.js';

const FLAGS: Record<string, number> = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 };

function packet(number: number, flags: string, payload = '', fromClient = true): LabPacket {
  const flagBits = flags === '' ? 0 : flags.split(', ').reduce((bits, name) => bits | FLAGS[name]!, 0);
  return {
    capture: 'x.pcap',
    number,
    time: 0,
    protocol: 'TCP',
    info: '',
    src: '127.0.0.1',
    dst: '127.0.0.1',
    transport: 'tcp',
    srcPort: fromClient ? 40000 : 5000,
    dstPort: fromClient ? 5000 : 40000,
    stream: 0,
    fromClient,
    flags,
    flagBits,
    seq: 0,
    ack: 0,
    length: 54 + payload.length,
    networkOffset: 14,
    transportOffset: 34,
    payloadOffset: 54,
    payload: Buffer.from(payload),
    readable: payload !== '',
    decrypted: [],
  };
}

test('tcpRoles: handshake, data, acknowledgements and close, as a kernel capture has them', () => {
  const stream = [
    packet(1, 'SYN'),
    packet(2, 'SYN, ACK', '', false),
    packet(3, 'ACK'),
    packet(4, 'PSH, ACK', 'hello\n'),
    packet(5, 'ACK', '', false),
    packet(6, 'PSH, ACK', 'HELLO\n', false),
    packet(7, 'ACK'),
    packet(8, 'FIN, ACK'),
    packet(9, 'FIN, ACK', '', false),
    packet(10, 'ACK'),
  ];
  assert.deepEqual(tcpRoles(stream), ['handshake', 'handshake', 'handshake', 'data', 'ack', 'data', 'ack', 'close', 'close', 'close']);
});

test('tcpRoles: a reset, data on a FIN, and an ACK before any data after the handshake', () => {
  const stream = [packet(1, 'SYN'), packet(2, 'SYN, ACK', '', false), packet(3, 'ACK'), packet(4, 'ACK', '', false), packet(5, 'FIN, PSH, ACK', 'bye'), packet(6, 'RST, ACK', '', false)];
  assert.deepEqual(tcpRoles(stream), ['handshake', 'handshake', 'handshake', 'ack', 'data', 'reset']);
});

test("a packet fact's line is rendered from the fact: number, ports, flags, lengths, offset, payload, note", () => {
  const fact = packetFact(packet(4, 'PSH, ACK', 'username=alice\n'), { what: 'the message' });
  assert.deepEqual(fact, {
    capture: 'x.pcap',
    packet: 4,
    protocol: 'TCP',
    src_port: 40000,
    dst_port: 5000,
    flags: 'PSH, ACK',
    length: 69,
    payload_length: 15,
    payload_offset: 54,
    readable: true,
    payload: 'username=alice\n',
    what: 'the message',
  });
  assert.equal(packetLine(fact), '  packet 4: TCP 40000 → 5000 [PSH, ACK] 69 bytes, payload 15 bytes at offset 54: "username=alice\\n" (the message)');
  assert.equal(packetLine(packetFact(packet(1, 'SYN'))), '  packet 1: TCP 40000 → 5000 [SYN] 54 bytes, payload 0 bytes');
  const cipher = { ...packet(7, 'PSH, ACK', 'x'), readable: false };
  assert.equal(packetLine(packetFact(cipher, { info: 'Application Data' })), '  packet 7: TCP 40000 → 5000 [PSH, ACK] 55 bytes, payload 1 bytes at offset 54 (not readable) Info: Application Data');
});

test('a section keeps its facts and the lines that state them in order; a count is a named number', () => {
  const section = new LabSection('1. t').say('prose').count('control_packets', 8, 'packets without data');
  assert.deepEqual(section.facts, [{ control_packets: 8 }]);
  assert.deepEqual(section.lines.map((l) => l.text), ['prose', '  packets without data: 8']);
});

test('runLab: numbered sections, every registered file listed, the report hook called once a capture, then "Look at it yourself"', async (t) => {
  const dir = tempDir(t);
  const lab: Lab = {
    name: 'unit',
    summary: 's',
    sheet: 'sheet',
    run: async (ctx) => {
      ctx.capture('a.pcap');
      ctx.file('keys.log', 'keylog');
      ctx.section('first').say('one');
      ctx.section('second').say('two');
      ctx.hint('a hint');
    },
  };
  const reported: string[] = [];
  const result = await runLab(lab, { outDir: join(dir, 'new'), reportCapture: async (capture) => (reported.push(capture), `${capture}.html`) });
  assert.ok(existsSync(join(dir, 'new')), 'the directory is created');
  assert.deepEqual(reported, [join(dir, 'new', 'a.pcap')]);
  const doc = labJson(result) as { lab: string; files: string[]; sections: { title: string; text: string; facts: object[] }[] };
  assert.equal(doc.lab, 'unit');
  assert.deepEqual(doc.files, ['a.pcap', 'keys.log', 'a.pcap.html'].map((f) => join(dir, 'new', f)));
  assert.deepEqual(doc.sections.map((s) => s.title), ['1. first', '2. second', LOOK_SECTION_TITLE]);
  assert.match(doc.sections[2]!.text, /wireshark \/\S+a\.pcap\n[\s\S]*a hint/);
});

test('runLab: a lab that fails still has its recordings stopped and files closed; the error reaches the caller', async (t) => {
  const dir = tempDir(t);
  let recording: ReturnType<Parameters<Lab['run']>[0]['record']> | undefined;
  const lab: Lab = {
    name: 'failing',
    summary: 's',
    sheet: 'sheet',
    run: async (ctx) => {
      recording = ctx.record('r.pcap');
      throw new Error('boom');
    },
  };
  await assert.rejects(runLab(lab, { outDir: dir }), /boom/);
  assert.equal(recording?.stopped, true, 'the runner stopped the recording');
  assert.ok(existsSync(join(dir, 'r.pcap')), 'the tap wrote its file');
});
