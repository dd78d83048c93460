/**
 * `netlab lab chat`: the Twisted chat lab over TCP, TLS and UDP. One chat
 * server (one room) listens on the three transports; two users, alice and
 * bob, join over each in turn and alice says one line to bob. Each
 * listener's traffic is its own capture, read back to answer the sheet:
 * what identifies the source, the content and the message, in which order
 * the packets travel, and whether the messages are secure over each
 * transport (TLS: the certificate readable on the wire, the line not).
 *
 * The TLS listener speaks TLS 1.2 on purpose: TLS 1.2 sends the server's
 * certificate in the clear (RFC 5246 §7.4.2), TLS 1.3 encrypts it (RFC 8446
 * §4.4.2), and the sheet asks what an eavesdropper sees of it.
 */
import { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import { connect } from '../../client/connect.js';
import { DEFAULTS } from '../../constants.js';
import { TimeoutError } from '../../errors.js';
import { CONTENT_TYPE, TlsRecordDecoder } from '../../pcap/tls/record.js';
import { HANDSHAKE_TYPE, HandshakeReassembler } from '../../pcap/tls/handshake.js';
import { ChatReceiver, typedLineBytes } from '../../protocols/chat/client.js';
import { ChatServer } from '../../protocols/chat/server.js';
import { entered, GREETING, left, said, welcome } from '../../protocols/chat/text.js';
import { createServer, type Server } from '../../server/server.js';
import { createSelfSignedCertificate } from '../../tls/certificate.js';
import type { Session } from '../../transports/session.js';
import type { TlsOptions } from '../../transports/types.js';
import { followLabStream, readLabCapture, type FollowedStream, type LabPacket } from '../capture-reading.js';
import type { LabContext } from '../context.js';
import type { Lab } from '../lab.js';
import type { Recording } from '../recorder.js';
import type { LabSection } from '../section.js';
import { packetsCarrying } from '../steps.js';

type ChatTransport = 'tcp' | 'tls' | 'udp';

/** What alice says to bob over each transport. */
const LINE = 'hello bob, can anyone else read this?';
/** The name in the lab's certificate, to be found in the capture. */
const CERTIFICATE_NAME = 'chat.lab.netlab';
/** Bound on each wait for the server's answer, in ms. */
const ANSWER_TIMEOUT_MS = 10_000;

/** One lab user: a session, the lines it has received, and waits on them. */
class ChatLabUser {
  readonly nickname: string;
  readonly session: Session;
  readonly lines: string[] = [];
  readonly #waiters: { line: string; resolve: () => void }[] = [];
  readonly #closed: Promise<void>;

  private constructor(nickname: string, session: Session) {
    this.nickname = nickname;
    this.session = session;
    const receiver = new ChatReceiver({ mode: session.framing === 'message' ? 'messages' : 'lines', onLine: (line) => this.#received(line) });
    session.on('data', (chunk) => receiver.push(chunk));
    session.on('end', () => session.end());
    this.#closed = new Promise((done) => session.once('close', () => done()));
  }

  /**
   * Connects and joins: waits for the greeting (streams; a UDP user is not
   * greeted), sends the nickname, waits for the welcome.
   * @throws NetlabError when the connection fails or the server does not answer in time
   */
  static async join(transport: ChatTransport, port: number, nickname: string, tls?: TlsOptions): Promise<ChatLabUser> {
    const session = await connect({ transport, host: '127.0.0.1', port, tls });
    const user = new ChatLabUser(nickname, session);
    if (transport !== 'udp') await user.heard(GREETING);
    user.say(nickname);
    await user.heard(welcome(nickname));
    return user;
  }

  say(line: string): void {
    this.session.write(typedLineBytes(line, 'lf', this.session.framing));
  }

  /** Resolves once the user has received `line`. */
  heard(line: string): Promise<void> {
    if (this.lines.includes(line)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`${this.nickname} did not receive ${JSON.stringify(line)} within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      this.#waiters.push({ line, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Says !Q; a stream user then waits for the server to close, a UDP user (no connection to close) closes its socket. */
  async leave(): Promise<void> {
    this.say('!Q');
    if (this.session.framing === 'message') this.session.end();
    const timer = setTimeout(() => this.session.destroy(), DEFAULTS.chatCloseTimeoutMs);
    await this.#closed;
    clearTimeout(timer);
  }

  #received(line: string): void {
    this.lines.push(line);
    for (const waiter of this.#waiters.filter((w) => w.line === line)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

/** What a transport's exchange left: the users' local ports, in the order they joined. */
interface Exchange {
  capture: string;
  serverPort: number;
  alicePort: number;
  bobPort: number;
}

/** Resolves once `chat` has seen `nickname` leave (a UDP user's !Q has no close to wait for). */
function whenLeft(chat: ChatServer, nickname: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ANSWER_TIMEOUT_MS);
    function done(): void {
      clearTimeout(timer);
      chat.off('left', onLeft);
      resolve();
    }
    function onLeft(name: string): void {
      if (name === nickname) done();
    }
    chat.on('left', onLeft);
  });
}

/** alice and bob join over `transport`, alice says LINE, both leave; recorded into `recording`. */
async function converse(chat: ChatServer, recording: Recording, transport: ChatTransport, tls: { server?: TlsOptions; client?: TlsOptions }): Promise<Exchange> {
  let server: Server | undefined;
  try {
    server = await createServer({ transport, host: '127.0.0.1', port: 0, protocol: chat.protocol, tls: tls.server, tap: recording.tap, udpProof: transport === 'udp' ? 'protocol' : undefined });
    const serverPort = server.address.port;
    await recording.start(`${transport === 'udp' ? 'udp' : 'tcp'} port ${serverPort}`);
    const alice = await ChatLabUser.join(transport, serverPort, 'alice', tls.client);
    const bob = await ChatLabUser.join(transport, serverPort, 'bob', tls.client);
    await alice.heard(entered('bob'));
    alice.say(LINE);
    await bob.heard(said('alice', LINE));
    const aliceLeft = whenLeft(chat, 'alice');
    await alice.leave();
    await aliceLeft;
    await bob.heard(left('alice'));
    const bobLeft = whenLeft(chat, 'bob');
    await bob.leave();
    await bobLeft;
    return { capture: recording.path, serverPort, alicePort: alice.session.local.port, bobPort: bob.session.local.port };
  } finally {
    await server?.close();
    await recording.stop();
  }
}

async function run(ctx: LabContext): Promise<void> {
  const chat = new ChatServer({});
  const tcp = await converse(chat, ctx.record('lab-chat-tcp.pcap'), 'tcp', {});

  const keyLog = await ctx.keyLog('lab-chat-keys.log');
  const keyLogPath = keyLog.path;
  const cert = await createSelfSignedCertificate({ commonName: CERTIFICATE_NAME });
  let tls: Exchange;
  try {
    tls = await converse(chat, ctx.record('lab-chat-tls.pcap'), 'tls', {
      server: { cert: cert.certPem, key: cert.keyPem, maxVersion: 'TLSv1.2', onKeylog: (line) => keyLog.write(line) },
      // The users verify the lab's certificate as a browser would a real one.
      client: { ca: cert.certPem, servername: 'localhost' },
    });
  } finally {
    keyLog.close();
  }
  const udp = await converse(chat, ctx.record('lab-chat-udp.pcap'), 'udp', {});

  const recorder = ctx.recordedWith === 'socket tap' ? 'the socket tap (no root needed)' : `a live ${ctx.recordedWith} capture of loopback`;
  ctx.intro(`netlab lab chat: one chat room on TCP, TLS and UDP; alice and bob join over each, alice says ${JSON.stringify(LINE)}; recorded with ${recorder}.`);

  const readable: Record<ChatTransport, boolean> = {
    tcp: await tcpSection(ctx, tcp),
    tls: await tlsSection(ctx, tls, keyLogPath),
    udp: await udpSection(ctx, udp),
  };
  questions(ctx, readable);

  ctx.hint('(in Wireshark: Analyze > Follow > TCP Stream, or UDP Stream, shows each user\'s conversation)');
  ctx.hint(`wireshark -o tls.keylog_file:${resolve(keyLogPath)} ${resolve(tls.capture)}     (the TLS users' lines, decrypted)`);
  ctx.hint(`netlab pcap follow ${tls.capture} --stream 0 --keylog ${keyLogPath}`);
}

/** The packets alice and bob sent and got, by the local port each user had. */
function sides(packets: readonly LabPacket[], ex: Exchange): { fromAlice: LabPacket[]; toBob: LabPacket[] } {
  return {
    fromAlice: packets.filter((p) => p.srcPort === ex.alicePort && p.dstPort === ex.serverPort),
    toBob: packets.filter((p) => p.srcPort === ex.serverPort && p.dstPort === ex.bobPort),
  };
}

/** The three packets the sheet asks about: alice's name, alice's line, and the line as bob gets it. */
function keyPackets(section: LabSection, fromAlice: readonly LabPacket[], toBob: readonly LabPacket[]): { line?: LabPacket; relayed?: LabPacket } {
  const name = fromAlice.find((p) => p.payload.length > 0);
  const line = packetsCarrying(fromAlice, LINE)[0];
  const relayed = packetsCarrying(toBob, said('alice', LINE))[0];
  if (name !== undefined) section.packet(name, { what: "alice's first line: her nickname, which the server puts before everything she says" });
  if (line !== undefined) section.packet(line, { what: 'the content: the line alice typed, ended by a line feed' });
  if (relayed !== undefined) section.packet(relayed, { what: 'the message as bob gets it: the source\'s nickname, ": ", the content, a line feed' });
  return { line, relayed };
}

/** Which packet came first: alice's to the server, then the server's to bob. */
function order(section: LabSection, line: LabPacket | undefined, relayed: LabPacket | undefined): void {
  if (line === undefined || relayed === undefined) return;
  section.fact(
    { capture: line.capture, from_packet: line.number, to_packet: relayed.number, src_port: line.srcPort, dst_port: relayed.dstPort },
    (f) => `Order: packet ${f.from_packet} (alice's port ${f.src_port} to the server) comes first, then packet ${f.to_packet} (the server to bob's port ${f.dst_port}); alice and bob never exchange a packet directly.`,
  );
}

async function tcpSection(ctx: LabContext, ex: Exchange): Promise<boolean> {
  const section = ctx.section(`TCP: alice's line to bob in ${ex.capture}`);
  const packets = (await readLabCapture(ex.capture)).packets.filter((p) => p.transport === 'tcp');
  section.fact(
    { server_port: ex.serverPort, alice_port: ex.alicePort, bob_port: ex.bobPort },
    (f) => `The server listens on TCP port ${f.server_port}; alice connects from port ${f.alice_port}, bob from port ${f.bob_port}: each packet's source is its IP address and port.`,
  );
  const { fromAlice, toBob } = sides(packets, ex);
  const { line, relayed } = keyPackets(section, fromAlice, toBob);
  order(section, line, relayed);
  section.say('TCP is a byte stream: nothing on the wire marks where a message ends but the line feed the chat protocol puts there.');
  return secrecy(section, packets);
}

/** How many packets carry alice's line or its relayed copy in the clear; true when any does. */
function secrecy(section: LabSection, packets: readonly LabPacket[]): boolean {
  const inClear = packets.filter((p) => p.payload.includes(LINE)).length;
  section.count('packets_with_the_line_in_clear', inClear, 'packets that show the line in the clear');
  section.say(inClear > 0 ? 'Anyone who can capture this traffic reads who says what: not secure.' : 'No packet shows the line: an eavesdropper cannot read it.', inClear > 0 ? 'alert' : 'good');
  return inClear > 0;
}

/** The server's certificate as the capture shows it, and the packet that carries its first bytes. */
function certificateOnWire(wire: FollowedStream): { der: Buffer; packet: number } | undefined {
  let found: { der: Buffer; offset: number } | undefined;
  let recordOffset = 0;
  const handshake = new HandshakeReassembler({
    wanted: (type) => type === HANDSHAKE_TYPE.certificate,
    onMessage: (message) => {
      // Certificate (RFC 5246 §7.4.2): uint24 list length, then uint24 length + DER of each, the server's own first.
      if (found !== undefined || message.body.length < 6) return;
      const length = message.body.readUIntBE(3, 3);
      const der = Buffer.from(message.body.subarray(6, 6 + length));
      found = { der, offset: wire.server.indexOf(der.subarray(0, Math.min(der.length, 32)), recordOffset) };
    },
    onError: () => undefined,
  });
  const records = new TlsRecordDecoder({
    onRecord: (record) => {
      recordOffset = record.offset;
      if (record.type === CONTENT_TYPE.handshake) handshake.push(Buffer.from(record.fragment));
    },
    onError: () => undefined,
  });
  records.push(wire.server);
  if (found === undefined || found.offset < 0) return undefined;
  const at = found.offset;
  const chunk = wire.chunks.find((c) => c.side === 1 && at >= c.offset && at < c.offset + c.length);
  return chunk === undefined ? undefined : { der: found.der, packet: chunk.packet };
}

async function tlsSection(ctx: LabContext, ex: Exchange, keyLogPath: string): Promise<boolean> {
  const section = ctx.section(`TLS: the same line in ${ex.capture}`);
  const reading = await readLabCapture(ex.capture, { keyLogPath });
  const packets = reading.packets.filter((p) => p.transport === 'tcp');
  section.fact(
    { server_port: ex.serverPort, alice_port: ex.alicePort, bob_port: ex.bobPort },
    (f) => `The server listens on TCP port ${f.server_port} with TLS; alice connects from port ${f.alice_port}, bob from ${f.bob_port}: addresses and ports stay visible.`,
  );
  const aliceStream = packets.find((p) => p.srcPort === ex.alicePort)?.stream;
  if (aliceStream !== undefined) {
    const cert = certificateOnWire(await followLabStream(ex.capture, aliceStream));
    const carrier = cert === undefined ? undefined : packets.find((p) => p.number === cert.packet);
    if (cert !== undefined && carrier !== undefined) {
      const subject = new X509Certificate(cert.der).subject.replace(/\n/g, ', ');
      const name = subject.match(/CN=([^,]+)/)?.[1] ?? '';
      section.packet(carrier, { what: 'the certificate travels in the clear', info: carrier.info });
      section.fact(
        { capture: carrier.capture, packet: carrier.number, certificate_subject: subject, name_offset: carrier.payloadOffset + carrier.payload.indexOf(name) },
        (f) => `  Anyone on the path reads the certificate's subject ${f.certificate_subject}: its name starts at byte ${f.name_offset} of packet ${f.packet}.`,
      );
    }
  }
  const { fromAlice, toBob } = sides(packets, ex);
  const line = fromAlice.find((p) => p.decrypted.some((d) => d.includes(LINE)));
  const relayed = toBob.find((p) => p.decrypted.some((d) => d.includes(said('alice', LINE))));
  section.say('The line travels in Application Data records: ciphertext. The key log (lab-chat-keys.log) shows which packets they are:');
  if (line !== undefined) section.packet(line, { what: "alice's line, encrypted", info: line.info, decrypted: `${LINE}\n` });
  if (relayed !== undefined) section.packet(relayed, { what: "the message to bob, encrypted again for bob's connection", info: relayed.info, decrypted: `${said('alice', LINE)}\n` });
  order(section, line, relayed);
  section.say("The nickname, the content and the message are all inside the encryption; only the server, which holds the keys, sees them.");
  return secrecy(section, packets);
}

async function udpSection(ctx: LabContext, ex: Exchange): Promise<boolean> {
  const section = ctx.section(`UDP: the same line in ${ex.capture}`);
  const packets = (await readLabCapture(ex.capture)).packets.filter((p) => p.transport === 'udp');
  section.fact(
    { server_port: ex.serverPort, alice_port: ex.alicePort, bob_port: ex.bobPort },
    (f) => `The server listens on UDP port ${f.server_port}; alice sends from port ${f.alice_port}, bob from ${f.bob_port}. No connection: a user is an address and port.`,
  );
  section.count('connection_packets', packets.filter((p) => p.payload.length === 0).length, 'packets that open, acknowledge or close anything');
  const { fromAlice, toBob } = sides(packets, ex);
  const first = fromAlice[0];
  if (first !== undefined) section.packet(first, { what: "alice's first datagram: her nickname (no greeting comes first over UDP)" });
  const line = packetsCarrying(fromAlice, LINE)[0];
  const relayed = packetsCarrying(toBob, said('alice', LINE))[0];
  if (line !== undefined) section.packet(line, { what: 'the content: one datagram is one line' });
  if (relayed !== undefined) section.packet(relayed, { what: 'the message as bob gets it, one datagram' });
  order(section, line, relayed);
  return secrecy(section, packets);
}

function questions(ctx: LabContext, readable: Record<ChatTransport, boolean>): void {
  const section = ctx.section("The lab sheet's questions");
  section.say('What identifies the source? On the wire, its IP address and port; in the room, the nickname of its first line, which');
  section.say('the server puts before each of its lines ("alice: ..."). The content is the line typed; the message is one line, ended by a');
  section.say('line feed on TCP and TLS, one datagram on UDP. It travels sender -> server -> each other user, never user to user.');
  for (const transport of ['tcp', 'tls', 'udp'] as const) {
    section.fact(
      { question: 'Are the messages secure?', transport, readable_on_the_wire: readable[transport] },
      (f) => `Secure over ${String(f.transport).toUpperCase()}? ${f.readable_on_the_wire ? 'No: the line is readable on the wire.' : 'Yes against eavesdroppers: the line is not readable on the wire.'}`,
    );
  }
}

export const chatLab: Lab = {
  name: 'chat',
  summary: 'one chat room on TCP, TLS and UDP, two users: what identifies source, content and message, and which transport keeps them secret',
  sheet: 'the Twisted chat lab over TCP, TLS and UDP',
  run,
};
