/**
 * `netlab lab scan` run as a student runs it: every fact it states checked
 * against tshark's reading of its own capture; the friend's port random
 * from run to run; with --capture (tcpdump on lo) the closed ports' SYN/RST
 * pairs counted as tshark counts them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  checkPacketFacts,
  checkTextRun,
  countFact,
  flagNames,
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

const CAPTURE = 'lab-scan.pcap';

/** The range and the open port the lab states. */
function claims(doc: LabDoc): { low: number; high: number; port: number } {
  const one = section(doc, 'The friend and the scan');
  const range = one.facts.find((f) => typeof f.port_range === 'string')?.port_range as string;
  assert.match(range, /^\d+-\d+$/);
  const [low, high] = range.split('-').map(Number) as [number, number];
  const open = one.facts.filter((f) => f.state === 'open');
  assert.equal(open.length, 1, 'one open port found');
  return { low, high, port: open[0]!.port as number };
}

const isSyn = (f: TsharkFrame): boolean => (f.flags & 0x12) === 0x02;
const names = (f: TsharkFrame): string => flagNames(f.flags);

/** Handshake, data, ack and close frames of one stream, by tshark's flags (RFC 9293 §3.5). */
function rolesOf(stream: TsharkFrame[]): Record<'handshake' | 'data' | 'ack' | 'close', number> {
  const counts = { handshake: 0, data: 0, ack: 0, close: 0 };
  let opened = false;
  let closing = false;
  for (const f of stream) {
    if (names(f).includes('SYN')) counts.handshake++;
    else if (f.payloadLength > 0) {
      opened = true;
      counts.data++;
    } else if (names(f).includes('FIN')) {
      closing = true;
      counts.close++;
    } else if (!opened) {
      opened = true;
      counts.handshake++;
    } else counts[closing ? 'close' : 'ack']++;
  }
  return counts;
}

function checkScanRun(doc: LabDoc, frames: Map<number, TsharkFrame>, live: boolean): { port: number } {
  const { low, high, port } = claims(doc);
  assert.equal(high - low + 1, 100, 'a 100-port range');
  assert.ok(port >= low && port <= high, 'the open port is in the range');
  const one = section(doc, 'The friend and the scan');
  assert.equal(countFact(one, 'ports_scanned'), 100);
  assert.equal(countFact(one, 'open_ports') + countFact(one, 'closed_ports') + countFact(one, 'filtered_ports'), 100);
  const all = [...frames.values()];

  // The open port's probe: tshark sees a SYN to it answered by a SYN-ACK from it, before any payload.
  const questions = section(doc, "The lab sheet's questions");
  const open = questions.facts.find((f) => f.question === 'Which port was open?')!;
  assert.equal(open.port, port);
  const syn = frames.get(open.syn_packet as number)!;
  const synAck = frames.get(open.syn_ack_packet as number)!;
  assert.ok(isSyn(syn) && syn.dstPort === port, 'the SYN goes to the open port');
  assert.ok(names(synAck) === 'SYN, ACK' && synAck.srcPort === port && synAck.dstPort === syn.srcPort, 'the SYN-ACK answers it');
  const probe = section(doc, 'A connect scan on the wire');
  const probeStream = all.filter((f) => f.stream === syn.stream);
  assert.deepEqual(
    probe.facts.filter((f) => typeof f.packet === 'number' && (f.src_port === port || f.dst_port === port)).map((f) => f.packet),
    probeStream.map((f) => f.number),
    'every packet of the probe, in order',
  );

  // The closed ports: counted from a live capture; none in the tap's file.
  const others = (p: number): boolean => p >= low && p <= high && p !== port;
  const closedSyns = new Set(all.filter((f) => isSyn(f) && others(f.dstPort)).map((f) => f.dstPort));
  const closedResets = new Set(all.filter((f) => names(f).includes('RST') && others(f.srcPort)).map((f) => f.srcPort));
  if (live) {
    assert.equal(countFact(probe, 'closed_port_syns'), closedSyns.size);
    assert.equal(countFact(probe, 'closed_port_resets'), closedResets.size);
    assert.equal(closedSyns.size, countFact(one, 'closed_ports'), 'every closed port is in the capture');
  } else {
    assert.equal(countFact(probe, 'closed_port_packets'), 0);
    assert.equal(closedSyns.size + closedResets.size, 0, 'the tap recorded no packet of a closed port');
    assert.match(probe.text, /sudo netlab lab scan --capture/);
  }

  // The message stream, and the counts of what its packets do.
  const message = questions.facts.find((f) => f.question === 'Which packets carry the message?')!;
  const carrier = frames.get(message.packet as number)!;
  assert.ok(carrier.payload.toString().startsWith('hello friend') && carrier.dstPort === port, 'the message packet carries it to the port');
  const stream = all.filter((f) => f.stream === carrier.stream);
  const three = section(doc, `The message to port ${port}`);
  assert.deepEqual(
    three.facts.filter((f) => typeof f.packet === 'number').map((f) => f.packet),
    stream.map((f) => f.number),
    'every packet of the message stream, in order',
  );
  const roles = rolesOf(stream);
  assert.equal(countFact(three, 'message_packets'), stream.filter((f) => f.payloadLength > 0 && f.dstPort === port).length);
  assert.equal(countFact(three, 'answer_packets'), stream.filter((f) => f.payloadLength > 0 && f.srcPort === port).length);
  assert.equal(countFact(three, 'handshake_packets'), roles.handshake);
  assert.equal(countFact(three, 'ack_packets'), roles.ack);
  assert.equal(countFact(three, 'close_packets'), roles.close);
  const control = questions.facts.find((f) => f.question === 'What do the others do?')!;
  assert.equal(control.control_packets, stream.length - roles.data);
  return { port };
}

test('lab scan (socket tap): two runs pick different ports, and each run\'s facts match tshark\'s reading of its own capture', async (t) => {
  const ports: number[] = [];
  for (let run = 0; run < 2; run++) {
    const dir = tempDir(t);
    const started = Date.now();
    const { doc } = await runLabJson(['scan'], dir);
    assert.ok(Date.now() - started < 60_000, 'within a minute');
    assert.equal(doc.lab, 'scan');
    const file = join(dir, CAPTURE);
    assert.deepEqual(doc.files, withReportPages([file]));
    assert.equal(await tsharkComplaints(file), '', 'the tap\'s frames are flawless');
    checkPacketFacts(doc, dir);
    const frames = tsharkFrames(file);
    ports.push(checkScanRun(doc, frames, false).port);
  }
  assert.notEqual(ports[0], ports[1], 'the friend\'s port is drawn at random');
});

test('lab scan --capture (tcpdump on lo): every closed port\'s SYN and RST, counted as tshark counts them', async (t) => {
  const dir = tempDir(t);
  const { doc } = await runLabJson(['scan', '--capture'], dir);
  assert.equal(doc.recorded_with, 'tcpdump');
  const file = join(dir, CAPTURE);
  await tsharkReads(file);
  checkPacketFacts(doc, dir);
  checkScanRun(doc, tsharkFrames(file), true);
});

test('lab scan (text): its packet lines are frames tshark reads, its hints run, and it says what --json carries', async (t) => {
  const { packetLines, hints } = await checkTextRun(t, 'scan', [CAPTURE]);
  // The probe of the open port (SYN, SYN-ACK, ACK, RST) and the message's stream (handshake, data, answer, close).
  assert.ok(packetLines >= 12, `${packetLines} packet lines`);
  assert.equal(hints.length, 2);
  assert.match(hints[1]!, /hello friend, is this your port\?/, 'the follow hint shows the message');
});
