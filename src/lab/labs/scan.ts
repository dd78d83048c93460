/**
 * `netlab lab scan`: the socket lab's scan of a friend's port range. A
 * "friend" runs a TCP server (the upper-case echo server) on a random port
 * of a random 100-port range, and the range is all the lab tells. The
 * scanner (`netlab scan`, a connect scan like `nmap -sT`) finds the port;
 * the capture shows what that scan looks like on the wire; then a message
 * goes to the port and its TCP stream is explained packet by packet.
 *
 * What the capture can hold depends on the recorder. The socket tap records
 * what crossed a socket, so it sees the one connection the friend's server
 * accepted (the scanner's handshake with the open port) and the message;
 * the closed ports answered the scanner's SYN with a RST inside the kernel,
 * no socket was involved, and the tap cannot record them: the lab says so
 * and counts none. With `--capture` (tcpdump on lo) every SYN and RST is in
 * the file and the lab counts them. Nothing is synthesised for ports the
 * capture does not show.
 */
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { ERROR_CODES, NetlabError, NetworkError } from '../../errors.js';
import { echoProtocol } from '../../protocols/echo/echo.js';
import { scan } from '../../scan/scanner.js';
import { parsePortSpec } from '../../scan/port-spec.js';
import { createServer, type Server } from '../../server/server.js';
import { TCP_FLAGS } from '../../pcap/layers/dissection.js';
import type { WireTap } from '../../transports/types.js';
import { readLabCapture, type LabPacket } from '../capture-reading.js';
import type { LabContext } from '../context.js';
import type { Lab } from '../lab.js';
import type { LabSection } from '../section.js';
import { packetsCarrying, sendAndClose, tcpRoles, type TcpRole } from '../steps.js';

/** What the lab sends to the friend's port; the server answers it upper-cased. */
const MESSAGE = 'hello friend, is this your port?';
/** Ports in the friend's range. */
const RANGE_PORTS = 100;
/**
 * The range is drawn below Linux's ephemeral ports (32768-60999), where no
 * client socket of this machine takes its local port, and above the ports
 * services usually hold.
 */
const LOWEST_PORT = 10_000;
const HIGHEST_PORT = 32_767;
/** Ranges tried before giving up when every one has a port in use. */
const RANGE_ATTEMPTS = 20;
/** Bound on waiting for the friend's server to see the scanner's connection close, in ms. */
const PROBE_CLOSE_TIMEOUT_MS = 5000;

interface FriendServer {
  server: Server;
  low: number;
  high: number;
  port: number;
}

/** Whether nothing listens on 127.0.0.1:`port` (binding it works). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Starts the friend's server on a random port of a random 100-port range
 * whose every port is free, so that the scan finds exactly one open port.
 * @throws NetworkError NETLAB_ERR_PORT_IN_USE when no free range was found
 */
async function startFriend(tap: WireTap | undefined): Promise<FriendServer> {
  for (let attempt = 0; attempt < RANGE_ATTEMPTS; attempt++) {
    const low = randomInt(LOWEST_PORT, HIGHEST_PORT - RANGE_PORTS + 2);
    const high = low + RANGE_PORTS - 1;
    let free = true;
    for (let port = low; port <= high && free; port++) free = await portIsFree(port);
    if (!free) continue;
    const port = low + randomInt(RANGE_PORTS);
    try {
      const server = await createServer({ transport: 'tcp', host: '127.0.0.1', port, protocol: echoProtocol({ mode: 'upper' }), tap });
      return { server, low, high, port };
    } catch (err) {
      // Taken between the check and the bind: draw another range.
      if (!(err instanceof NetlabError && err.code === ERROR_CODES.PORT_IN_USE)) throw err;
    }
  }
  throw new NetworkError(ERROR_CODES.PORT_IN_USE, `no range of ${RANGE_PORTS} free ports found on 127.0.0.1 between ${LOWEST_PORT} and ${HIGHEST_PORT} after ${RANGE_ATTEMPTS} tries`);
}

/** A connection request: SYN without ACK. */
function isSyn(p: LabPacket): boolean {
  return (p.flagBits & (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) === TCP_FLAGS.SYN;
}

/** Resolves once `server` has logged `count` closed sessions, or after `timeoutMs`. */
function sessionsClosed(server: Server, count: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    let closed = 0;
    const timer = setTimeout(done, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      server.off('traffic', onTraffic);
      resolve();
    }
    function onTraffic(record: { event: string }): void {
      if (record.event === 'close' && ++closed >= count) done();
    }
    server.on('traffic', onTraffic);
  });
}

/** How a stream's explanation names its client and what each side's data is. */
interface StreamWords {
  client: string;
  clientData: string;
  serverData: string;
}

/** What a packet does in its connection, in the lab sheet's words, from its role and flags. */
function describe(p: LabPacket, role: TcpRole, words: StreamWords): string {
  const bits = p.flagBits;
  const side = p.fromClient ? words.client : 'the server';
  switch (role) {
    case 'handshake':
      if (isSyn(p)) return `handshake: ${words.client} asks to connect (SYN, its first sequence number)`;
      if ((bits & TCP_FLAGS.SYN) !== 0) return `handshake: the server accepts (SYN-ACK: its own sequence number, and the SYN acknowledged)`;
      return `handshake: ${words.client} acknowledges the server's SYN; the connection is open`;
    case 'data':
      return p.fromClient ? words.clientData : words.serverData;
    case 'ack':
      return `${side} acknowledges what it received, carrying no data`;
    case 'close':
      return (bits & TCP_FLAGS.FIN) !== 0 ? `close: ${side} has nothing more to send (FIN)` : `close: ${side} acknowledges the FIN`;
    case 'reset':
      return `${side} aborts the connection (RST)`;
  }
}

async function run(ctx: LabContext): Promise<void> {
  const recording = ctx.record('lab-scan.pcap');
  const friend = await startFriend(recording.tap);
  const spec = `${friend.low}-${friend.high}`;
  let report: Awaited<ReturnType<typeof scan>>;
  let answers: Buffer[];
  try {
    await recording.start(`tcp portrange ${spec}`);
    const probeClosed = sessionsClosed(friend.server, 1, PROBE_CLOSE_TIMEOUT_MS);
    report = await scan({ host: '127.0.0.1', ports: parsePortSpec(spec) });
    // The scanner closes as soon as its handshake completes; wait until the
    // friend's server has seen that connection end, so it is all in the file.
    if (report.ports.some((p) => p.port === friend.port && p.state === 'open')) await probeClosed;
    answers = await sendAndClose({ transport: 'tcp', host: '127.0.0.1', port: friend.port }, [MESSAGE]);
  } finally {
    await friend.server.close();
    await recording.stop();
  }
  const live = ctx.recordedWith !== 'socket tap';
  const recorder = live ? `a live ${ctx.recordedWith} capture of loopback` : 'the socket tap (no root needed)';
  ctx.intro(`netlab lab scan: a friend runs a TCP server somewhere in ports ${spec} of 127.0.0.1; scanned, then sent a message, recorded with ${recorder}.`);

  const packets = (await readLabCapture(recording.path)).packets.filter((p) => p.transport === 'tcp');
  const messagePacket = packetsCarrying(packets, MESSAGE).find((p) => p.fromClient);
  const messageStream = messagePacket === undefined ? [] : packets.filter((p) => p.stream === messagePacket.stream);
  const probeSyn = packets.find((p) => p.dstPort === friend.port && isSyn(p) && p.stream !== messagePacket?.stream);
  const probeStream = probeSyn === undefined ? [] : packets.filter((p) => p.stream === probeSyn.stream);

  const one = ctx.section('The friend and the scan');
  one.fact({ port_range: spec }, (f) => `The friend says only: "my server is somewhere in ${f.port_range}".`);
  one.fact(
    { command: `netlab scan 127.0.0.1 -p ${spec}`, nmap: `nmap -sT -p ${spec} 127.0.0.1` },
    (f) => `The scan, in nmap's port syntax: ${f.command}   (the same as: ${f.nmap})`,
  );
  one.count('ports_scanned', report.total, 'ports scanned');
  one.count('open_ports', report.open, 'open');
  one.count('closed_ports', report.closed, 'closed (answered with a RST)');
  one.count('filtered_ports', report.filtered, 'filtered (no answer)');
  for (const p of report.ports.filter((r) => r.state === 'open')) {
    one.fact({ port: p.port, proto: p.proto, state: p.state, service: p.service }, (f) => `  ${f.port}/${f.proto} ${f.state} ${f.service}`);
  }

  const two = ctx.section(`A connect scan on the wire, in ${recording.path}`);
  two.say('A connect scan asks the kernel to connect() to each port, as any client would; the kernel sends a SYN.');
  two.say('The open port answers SYN-ACK and the kernel completes the handshake; the scanner then closes at once. Every packet of that probe:');
  const probeRoles = tcpRoles(probeStream);
  const probeWords = { client: 'the scanner', clientData: 'data', serverData: 'data' };
  probeStream.forEach((p, i) => two.packet(p, { role: probeRoles[i]!, what: describe(p, probeRoles[i]!, probeWords) }));
  closedPorts(two, packets, friend, live);

  const three = ctx.section(`The message to port ${friend.port}, packet by packet`);
  three.fact({ message: MESSAGE, answer: answers[0]?.toString('utf8') ?? '' }, (f) => `The client sends ${JSON.stringify(f.message)}; the friend's server answers ${JSON.stringify(f.answer)}.`);
  const roles = tcpRoles(messageStream);
  const words = { client: 'the client', clientData: 'data: carries the message', serverData: "data: carries the server's answer" };
  messageStream.forEach((p, i) => three.packet(p, { role: roles[i]!, what: describe(p, roles[i]!, words) }));
  const count = (role: TcpRole): number => roles.filter((r) => r === role).length;
  three.count('message_packets', messageStream.filter((p, i) => roles[i] === 'data' && p.fromClient).length, 'packets that carry the message');
  three.count('answer_packets', messageStream.filter((p, i) => roles[i] === 'data' && !p.fromClient).length, 'packets that carry the answer');
  three.count('handshake_packets', count('handshake'), 'handshake (SYN, SYN-ACK, ACK)');
  three.count('ack_packets', count('ack'), 'acknowledgements carrying no data');
  three.count('close_packets', count('close'), 'close (FIN and its acknowledgements)');

  const four = ctx.section("The lab sheet's questions");
  const synAck = probeStream.find((p) => (p.flagBits & (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) === (TCP_FLAGS.SYN | TCP_FLAGS.ACK));
  if (probeSyn !== undefined && synAck !== undefined) {
    four.fact(
      { question: 'Which port was open?', port: friend.port, capture: probeSyn.capture, syn_packet: probeSyn.number, syn_ack_packet: synAck.number },
      (f) => `${f.question} ${f.port}: the scanner's SYN is packet ${f.syn_packet}, and the SYN-ACK of packet ${f.syn_ack_packet} proves the port open.`,
    );
  }
  if (messagePacket !== undefined) {
    four.fact(
      { question: 'Which packets carry the message?', capture: messagePacket.capture, packet: messagePacket.number, payload_offset: messagePacket.payloadOffset },
      (f) => `${f.question} Packet ${f.packet}; the message starts at byte ${f.payload_offset} of the frame.`,
    );
  }
  four.fact(
    { question: 'What do the others do?', control_packets: messageStream.length - count('data') },
    (f) => `${f.question} ${f.control_packets} packets carry no data: they open the connection, acknowledge, and close it (see section 3).`,
  );

  ctx.hint(`netlab pcap packets ${recording.path} -Y tcp.flags.syn==1     (every SYN: the scan's probes, then the message's connection)`);
  if (messagePacket !== undefined) ctx.hint(`netlab pcap follow ${recording.path} --stream ${messagePacket.stream}     (the message and its answer)`);
}

/** The closed ports on the wire: counted and shown from a live capture; with the tap, said to be out of its sight. */
function closedPorts(section: LabSection, packets: readonly LabPacket[], friend: FriendServer, live: boolean): void {
  const inRange = (port: number): boolean => port >= friend.low && port <= friend.high && port !== friend.port;
  const syns = packets.filter((p) => isSyn(p) && inRange(p.dstPort));
  const resets = packets.filter((p) => (p.flagBits & TCP_FLAGS.RST) !== 0 && inRange(p.srcPort));
  if (!live) {
    section.count('closed_port_packets', syns.length + resets.length, 'packets to or from the closed ports in this capture');
    section.say('The socket tap records the connections a socket takes part in: their bytes as sent, in packets whose headers it writes from');
    section.say("the socket's life (opened, data, FIN, closed). A closed port answers the SYN with a RST from inside the kernel: no socket");
    section.say('is involved, so the tap cannot show it, and the lab invents nothing. To see every SYN and its RST: sudo netlab lab scan --capture');
    return;
  }
  section.say('Each closed port answers the SYN with a RST (connect() fails: ECONNREFUSED):');
  section.count('closed_port_syns', new Set(syns.map((p) => p.dstPort)).size, 'closed ports that got a SYN');
  section.count('closed_port_resets', new Set(resets.map((p) => p.srcPort)).size, 'closed ports that answered with a RST');
  const example = syns[0];
  const reset = example === undefined ? undefined : resets.find((p) => p.srcPort === example.dstPort && p.dstPort === example.srcPort);
  if (example !== undefined && reset !== undefined) {
    section.say(`For example, port ${example.dstPort}:`);
    section.packet(example, { role: 'probe', what: 'the scanner asks to connect (SYN)' });
    section.packet(reset, { role: 'reset', what: 'nothing listens: the kernel refuses (RST)' });
  }
}

export const scanLab: Lab = {
  name: 'scan',
  summary: "a friend's TCP server somewhere in a 100-port range: the connect scan that finds it, on the wire, then a message to it packet by packet",
  sheet: "the socket lab's nmap scan of a friend's port range",
  run,
};
