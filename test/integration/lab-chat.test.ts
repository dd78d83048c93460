/**
 * `netlab lab chat` run as a student runs it: each of its three captures
 * read by tshark, every packet fact checked against tshark's reading, and
 * the sheet's answers (which packet carries the name, the line and the
 * relayed message; the certificate's subject on the wire; the line's TLS
 * records, decrypted by tshark with the lab's key log; secure or not) held
 * to what tshark finds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import {
  checkPacketFacts,
  checkTextRun,
  countFact,
  section,
  tsharkFrames,
  tsharkReads,
  type LabDoc,
  type TsharkFrame,
  withReportPages,
} from '../helpers/lab-facts.js';
import { tsharkFields } from '../helpers/pcap.js';
import { tempDir } from '../helpers/temp.js';
import { tsharkComplaints, netlabDissectors } from '../helpers/tshark.js';

const LINE = 'hello bob, can anyone else read this?';
const CAPTURES = { tcp: 'lab-chat-tcp.pcap', tls: 'lab-chat-tls.pcap', udp: 'lab-chat-udp.pcap' } as const;
const KEYS = 'lab-chat-keys.log';

type Fact = Record<string, unknown>;
const byWhat = (facts: Fact[], start: string): Fact => {
  const found = facts.find((f) => typeof f.what === 'string' && (f.what as string).includes(start));
  assert.ok(found !== undefined, `a fact about ${start}`);
  return found;
};

/** The users' and server's ports the section states. */
function ports(s: LabDoc['sections'][number]): { server: number; alice: number; bob: number } {
  const f = s.facts.find((x) => typeof x.server_port === 'number')!;
  return { server: f.server_port as number, alice: f.alice_port as number, bob: f.bob_port as number };
}

/** Frames tshark finds with alice's line in the clear. */
const inClear = (frames: Map<number, TsharkFrame>): number => [...frames.values()].filter((f) => f.payload.includes(LINE)).length;

function checkChat(doc: LabDoc, dir: string): void {
  const frames = new Map(Object.values(CAPTURES).map((c) => [c, tsharkFrames(join(dir, c))]));
  // TCP: the nickname, the line and the relayed message, each the packet tshark shows with those bytes on those ports.
  const tcp = section(doc, 'TCP: ');
  const tcpPorts = ports(tcp);
  const tcpFrames = frames.get(CAPTURES.tcp)!;
  const name = byWhat(tcp.facts, 'her nickname');
  assert.equal(name.payload, 'alice\n');
  const firstFromAlice = [...tcpFrames.values()].find((f) => f.srcPort === tcpPorts.alice && f.payloadLength > 0)!;
  assert.equal(name.packet, firstFromAlice.number, "the nickname is alice's first payload");
  const line = byWhat(tcp.facts, 'the content');
  assert.equal(line.payload, `${LINE}\n`);
  assert.equal(line.src_port, tcpPorts.alice);
  const relayed = byWhat(tcp.facts, 'as bob gets it');
  assert.equal(relayed.payload, `alice: ${LINE}\n`);
  assert.equal(relayed.dst_port, tcpPorts.bob);
  const order = tcp.facts.find((f) => typeof f.from_packet === 'number')!;
  assert.deepEqual([order.from_packet, order.to_packet], [line.packet, relayed.packet]);
  assert.ok((line.packet as number) < (relayed.packet as number), 'alice\'s packet travels first');
  assert.equal(countFact(tcp, 'packets_with_the_line_in_clear'), inClear(tcpFrames));

  // TLS: the certificate's packet and subject as tshark dissects them; the line's records, decrypted by tshark.
  const tls = section(doc, 'TLS: ');
  const tlsFile = join(dir, CAPTURES.tls);
  const certificate = tls.facts.find((f) => typeof f.certificate_subject === 'string')!;
  // A name is a PrintableString or a UTF8String, as the certificate's maker chose.
  const certFrames = tsharkFields(tlsFile, ['frame.number', 'x509sat.printableString', 'x509sat.uTF8String'], [...netlabDissectors(), '-Y', 'tls.handshake.type == 11']);
  assert.ok(certFrames.some(([number]) => Number(number) === certificate.packet), 'tshark finds the Certificate in that packet');
  const commonName = /CN=([^,]+)/.exec(certificate.certificate_subject as string)?.[1] as string;
  assert.ok(certFrames.every(([, printable, utf8]) => [printable, utf8].includes(commonName)), `tshark reads the name ${commonName}`);
  const certFrame = frames.get(CAPTURES.tls)!.get(certificate.packet as number)!;
  const at = certificate.name_offset as number;
  assert.equal(certFrame.raw.subarray(at, at + commonName.length).toString(), commonName, 'the name sits at the byte stated');
  assert.equal(countFact(tls, 'packets_with_the_line_in_clear'), 0);
  assert.equal(inClear(frames.get(CAPTURES.tls)!), 0, 'tshark finds no clear line either');
  // checkPacketFacts had tshark decrypt each `decrypted` packet with the key log: alice's record, then bob's.
  const records = tls.facts.filter((x) => typeof x.decrypted === 'string');
  assert.deepEqual(records.map((f) => f.decrypted), [`${LINE}\n`, `alice: ${LINE}\n`]);
  assert.ok(records.every((f) => f.readable === false), 'ciphertext on the wire');

  // UDP: no connection packets; the first datagram is the name.
  const udp = section(doc, 'UDP: ');
  const udpPorts = ports(udp);
  const udpFrames = [...frames.get(CAPTURES.udp)!.values()];
  assert.equal(countFact(udp, 'connection_packets'), udpFrames.filter((f) => f.payloadLength === 0).length);
  const first = byWhat(udp.facts, 'first datagram');
  const firstDatagram = udpFrames.find((f) => f.srcPort === udpPorts.alice)!;
  assert.equal(first.packet, firstDatagram.number);
  assert.equal(firstDatagram.payload.toString(), 'alice');
  assert.equal(countFact(udp, 'packets_with_the_line_in_clear'), inClear(frames.get(CAPTURES.udp)!));

  // Secure or not, per transport: whether tshark finds the line in the clear.
  const answers = section(doc, "The lab sheet's questions").facts;
  for (const transport of ['tcp', 'tls', 'udp'] as const) {
    const answer = answers.find((f) => f.transport === transport)!;
    assert.equal(answer.readable_on_the_wire, inClear(frames.get(CAPTURES[transport])!) > 0, transport);
  }
}

for (const mode of ['socket tap', 'live capture'] as const) {
  test(`lab chat (${mode}): every fact matches tshark's reading of the three captures`, async (t) => {
    const dir = tempDir(t);
    // Run in `dir` without --out, so the document names the files as the student sees them.
    const result = await runCli(['lab', 'chat', '--json', ...(mode === 'live capture' ? ['--capture'] : [])], { timeoutMs: 60_000, cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as LabDoc;
    assert.equal(doc.lab, 'chat');
    assert.deepEqual([...doc.files].sort(), [...withReportPages(Object.values(CAPTURES)), KEYS].sort());
    for (const file of Object.values(CAPTURES)) {
      if (mode === 'socket tap') assert.equal(await tsharkComplaints(join(dir, file)), '', file);
      else await tsharkReads(join(dir, file));
    }
    checkPacketFacts(doc, dir, { [CAPTURES.tls]: KEYS });
    checkChat(doc, dir);
  });
}

test('lab chat (text): its packet lines are frames tshark reads, its hints run, and it says what --json carries', async (t) => {
  const { packetLines, hints } = await checkTextRun(t, 'chat', Object.values(CAPTURES));
  assert.ok(packetLines >= 9);
  assert.equal(hints.length, 1);
  assert.ok(hints[0]!.includes(LINE), "the follow hint decrypts alice's line");
});
