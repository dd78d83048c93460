/**
 * `netlab lab udp`: run as a student runs it, every fact it states checked
 * against tshark's reading of the captures it wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { checkHintsRun, checkPacketFacts, checkTextPackets, labPath, runLabJson, textHeadings, tsharkFrames, type LabDoc, type TsharkFrame, withReportPages } from '../helpers/lab-facts.js';
import { tempDir } from '../helpers/temp.js';
import { tsharkComplaints } from '../helpers/tshark.js';

/** The value of the first fact that has `key`. */
function fact(doc: LabDoc, key: string): unknown {
  return doc.sections.flatMap((s) => s.facts).find((f) => key in f)?.[key];
}

/** The roles of a TCP connection's frames, from tshark's fields alone. */
function tcpCounts(frames: TsharkFrame[]): Record<string, number> {
  const data = frames.filter((f) => f.payloadLength > 0).length;
  const syn = frames.filter((f) => (f.flags & 0x02) !== 0).length;
  const firstData = frames.findIndex((f) => f.payloadLength > 0);
  const synAck = frames.findIndex((f) => (f.flags & 0x12) === 0x12);
  const handshakeAck = frames.slice(synAck + 1, firstData === -1 ? undefined : firstData).some((f) => f.flags === 0x10 && f.payloadLength === 0) ? 1 : 0;
  const firstFin = frames.findIndex((f) => (f.flags & 0x01) !== 0);
  const close = firstFin === -1 ? 0 : frames.slice(firstFin).filter((f) => f.payloadLength === 0).length;
  return { tcp_packets: frames.length, data_packets: data, control_packets: frames.length - data, handshake_packets: syn + handshakeAck, close_packets: close, ack_packets: frames.length - data - syn - handshakeAck - close };
}

function checkUdpLab(doc: LabDoc, dir: string): void {
  assert.equal(doc.lab, 'udp');
  assert.deepEqual(doc.files, withReportPages(['lab-udp.pcap', 'lab-udp-tcp.pcap'].map((f) => join(dir, f))));
  const frames = checkPacketFacts(doc, dir);

  const udp = [...frames.get(doc.files[0]!)!.values()];
  assert.equal(fact(doc, 'udp_packets'), udp.length, 'UDP packets as tshark counts them');
  // The datagram the lab says holds the message is the one tshark reads it in, from the client's port.
  const answer = doc.sections.flatMap((s) => s.facts).find((f) => f.question === 'Which datagram holds the message?');
  assert.ok(answer, 'the sheet question is answered');
  const holder = udp.find((f) => f.number === answer.packet);
  assert.equal(holder?.payload.toString(), 'hello from the socket lab');
  assert.equal(answer.payload_offset, holder!.len - holder!.payloadLength);
  assert.equal(doc.sections[0]!.facts.find((f) => 'server_port' in f)?.server_port, holder!.dstPort, "the server's port is where the message went");
  const reply = udp.find((f) => f.srcPort === holder!.dstPort && f.dstPort === holder!.srcPort);
  assert.equal(reply?.payload.toString(), 'HELLO FROM THE SOCKET LAB', 'the upper-case answer');

  const tcp = [...frames.get(doc.files[1]!)!.values()].filter((f) => f.stream === 0);
  assert.equal(doc.sections[1]!.facts.find((f) => 'server_port' in f)?.server_port, tcp.find((f) => f.flags === 0x02)?.dstPort, 'the TCP port is where the SYN went');
  for (const [key, value] of Object.entries(tcpCounts(tcp))) assert.equal(fact(doc, key), value, `${key} as tshark's fields count it`);
  assert.ok((fact(doc, 'control_packets') as number) >= 6, 'TCP adds at least a handshake and a close');
}

for (const mode of ['socket tap', 'live capture'] as const) {
  test(`lab udp --json (${mode}): the datagram, the answer and what TCP adds, each fact as tshark reads the captures`, async (t) => {
    const dir = tempDir(t);
    const started = Date.now();
    const { doc } = await runLabJson(['udp', ...(mode === 'live capture' ? ['--capture'] : [])], dir);
    assert.ok(Date.now() - started < 60_000);
    assert.equal(doc.recorded_with, mode === 'socket tap' ? 'socket tap' : 'tcpdump');
    for (const file of doc.files.filter((f) => f.endsWith('.pcap'))) {
      if (mode === 'socket tap') assert.equal(await tsharkComplaints(labPath(dir, file)), '', file);
    }
    checkUdpLab(doc, dir);
  });
}

test('lab udp (text): the same sections, and every packet line is a frame tshark reads', async (t) => {
  const dir = tempDir(t);
  const result = await runCli(['lab', 'udp'], { timeoutMs: 60_000, cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(textHeadings(result.stdout), ['1. UDP: the message and its answer in lab-udp.pcap', '2. TCP: the same exchange in lab-udp-tcp.pcap', "3. The lab sheet's questions", 'Look at it yourself']);
  assert.ok(checkTextPackets(result.stdout, dir, ['lab-udp.pcap', 'lab-udp-tcp.pcap']) >= 8);
  // The closing hints run as printed, in the directory the lab wrote to.
  assert.equal(await checkHintsRun(result.stdout, dir), 2);
  const udp = [...tsharkFrames(join(dir, 'lab-udp.pcap')).values()];
  const tcp = [...tsharkFrames(join(dir, 'lab-udp-tcp.pcap')).values()];
  assert.match(result.stdout, new RegExp(`UDP ${udp.length}, TCP ${tcp.length}\\.`));
  assert.match(result.stdout, /wireshark \/\S+lab-udp\.pcap/);
});
