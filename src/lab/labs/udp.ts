/**
 * `netlab lab udp`: the UDP/TCP socket lab. The lab sheet's upper-case
 * server (`netlab serve udp -m upper`) and a client send one message and get
 * it back in capitals; the capture shows the one datagram each way, where
 * the message sits in the frame, and the same exchange over TCP beside it
 * with the packets TCP adds (handshake, acknowledgements, close) that UDP
 * does without.
 */
import { readLabCapture, type LabPacket } from '../capture-reading.js';
import type { LabContext } from '../context.js';
import type { Lab } from '../lab.js';
import type { LabSection } from '../section.js';
import { packetsCarrying, recordEchoExchange, TCP_ROLE_WORDS, tcpRoles, type TcpRole } from '../steps.js';

/** What the client sends; the server answers it upper-cased. */
const MESSAGE = 'hello from the socket lab';

async function run(ctx: LabContext): Promise<void> {
  const udpPath = await recordEchoExchange(ctx, 'lab-udp.pcap', { transport: 'udp', mode: 'upper' }, [MESSAGE]);
  const tcpPath = await recordEchoExchange(ctx, 'lab-udp-tcp.pcap', { transport: 'tcp', mode: 'upper' }, [MESSAGE]);
  const recorder = ctx.recordedWith === 'socket tap' ? 'the socket tap (no root needed)' : `a live ${ctx.recordedWith} capture of loopback`;
  ctx.intro(`netlab lab udp: the upper-case server answers ${JSON.stringify(MESSAGE)} over UDP, then over TCP, recorded with ${recorder}.`);

  const udpPackets = (await readLabCapture(udpPath)).packets.filter((p) => p.transport === 'udp');
  const message = packetsCarrying(udpPackets, MESSAGE).find((p) => p.fromClient);
  const answer = udpPackets.find((p) => !p.fromClient && p.payload.length > 0);

  const one = ctx.section(`UDP: the message and its answer in ${udpPath}`);
  if (message !== undefined) one.fact({ server_port: message.dstPort }, (f) => `The upper-case server listens on UDP port ${f.server_port} (where the message went); every packet of the capture:`);
  for (const p of udpPackets) one.packet(p, { what: p === message ? 'the message' : p === answer ? 'the answer, upper-cased by the server' : 'datagram' });
  if (message !== undefined) layout(one, message);
  one.say('No handshake, no acknowledgement, no close: a datagram is sent and that is all; if it is lost, nobody knows.');

  const tcpPackets = (await readLabCapture(tcpPath)).packets.filter((p) => p.transport === 'tcp' && p.stream === 0);
  const roles = tcpRoles(tcpPackets);
  const two = ctx.section(`TCP: the same exchange in ${tcpPath}`);
  const syn = tcpPackets.find((p) => p.flags === 'SYN');
  if (syn !== undefined) two.fact({ server_port: syn.dstPort }, (f) => `The same server on TCP port ${f.server_port} (where the SYN went); every packet of the connection:`);
  tcpPackets.forEach((p, i) => two.packet(p, { role: roles[i]!, what: describeTcp(p, roles[i]!) }));
  const tcpMessage = packetsCarrying(tcpPackets, MESSAGE).find((p) => p.fromClient);
  if (tcpMessage !== undefined) layout(two, tcpMessage);

  const count = (role: TcpRole) => roles.filter((r) => r === role).length;
  const three = ctx.section("The lab sheet's questions");
  if (message !== undefined) {
    three.fact(
      { question: 'Which datagram holds the message?', capture: message.capture, packet: message.number, payload_offset: message.payloadOffset },
      (f) => `${f.question} Packet ${f.packet} of ${f.capture}; the message starts at byte ${f.payload_offset} of the frame.`,
    );
  }
  if (answer !== undefined) {
    three.fact(
      { question: 'Which datagram holds the answer?', capture: answer.capture, packet: answer.number, payload: answer.payload.toString('utf8') },
      (f) => `${f.question} Packet ${f.packet}: ${JSON.stringify(f.payload)}.`,
    );
  }
  three.fact(
    { question: 'How many packets did each need for the same exchange?', udp_packets: udpPackets.length, tcp_packets: tcpPackets.length },
    (f) => `${f.question} UDP ${f.udp_packets}, TCP ${f.tcp_packets}.`,
  );
  three.say('What TCP adds that UDP does without:');
  three.count('handshake_packets', count('handshake'), 'handshake (SYN, SYN-ACK, ACK)');
  three.count('ack_packets', count('ack'), 'acknowledgements carrying no data');
  three.count('close_packets', count('close'), 'close (FIN and its acknowledgements)');
  three.count('control_packets', tcpPackets.length - count('data'), 'packets that carry no data at all');
  three.count('data_packets', count('data'), 'packets that carry the message or the answer');
  three.say('In exchange TCP delivers the bytes in order, resends what is lost, and both sides know when the conversation is over.');

  ctx.hint(`(in Wireshark, click the message's packet: the bytes pane highlights the payload at the offset above)`);
  ctx.hint(`netlab pcap packets ${udpPath} -x     (each frame's bytes, the headers before the message)`);
  ctx.hint(`netlab pcap packets ${tcpPath}     (the handshake, the data, the close)`);
}

/** How the frame of `p` is laid out: the headers before the payload, byte counts from the capture. */
function layout(section: LabSection, p: LabPacket): void {
  section.fact(
    {
      capture: p.capture,
      packet: p.number,
      transport: p.transport.toUpperCase(),
      link_header_bytes: p.networkOffset,
      ip_header_bytes: p.transportOffset - p.networkOffset,
      transport_header_bytes: p.payloadOffset - p.transportOffset,
      payload_offset: p.payloadOffset,
    },
    (f) =>
      `In packet ${f.packet} the message starts at byte ${f.payload_offset}: after ${f.link_header_bytes} bytes of link-layer header, ` +
      `${f.ip_header_bytes} of IP and ${f.transport_header_bytes} of ${f.transport}.`,
  );
}

function describeTcp(p: LabPacket, role: TcpRole): string {
  if (role !== 'data') return TCP_ROLE_WORDS[role];
  return p.fromClient ? 'data: the message' : 'data: the answer';
}

export const udpLab: Lab = {
  name: 'udp',
  summary: 'the UDP upper-case server and client: the datagram that carries the message, and what TCP adds for the same exchange',
  sheet: 'the UDP/TCP socket lab (upper-case server)',
  run,
};
