/**
 * `netlab lab http`: a raw HTTP GET typed by hand, as the lab sheet has it
 * typed into telnet or nc: the request line, a Host header and a custom
 * User-Agent, one line at a time, to a local web server. The capture shows
 * each line in the packet that carried it (and where in the frame), and the
 * server's access log shows the same request from the other end.
 *
 * The server is Node's own http module, not netlab's `reply` echo mode: a
 * real HTTP/1.1 parser that answers only a well-formed request (a typo in
 * the request line gets a 400, as from any web server) with real response
 * headers, and an access log in the Combined Log Format web servers write.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { once } from 'node:events';
import { connect } from '../../client/connect.js';
import { NetworkError, ERROR_CODES, TimeoutError } from '../../errors.js';
import type { Session } from '../../transports/session.js';
import type { WireTap } from '../../transports/types.js';
import { followLabStream, readLabCapture, type FollowedStream, type LabPacket } from '../capture-reading.js';
import type { LabContext } from '../context.js';
import type { Lab } from '../lab.js';
import { TCP_ROLE_WORDS, tcpRoles } from '../steps.js';

/** The User-Agent typed in place of a browser's, as the lab sheet asks. */
const USER_AGENT = 'netlab-student/1.0 (typed by hand)';
/** The pause between typed lines, in ms: each line leaves as it is "typed", in its own segment. */
const TYPING_PAUSE_MS = 40;
/** How long the client waits for the whole response, in ms. */
const RESPONSE_TIMEOUT_MS = 5000;
const PAGE = 'Hello from the lab web server.\n';

/** What the server saw of one request: its access-log line and the parts it was made of. */
interface ServerLogEntry {
  line: string;
  method: string;
  path: string;
  version: string;
  host: string;
  userAgent: string;
  clientPort: number;
  status: number;
}

/** `[03/Dec/2026:18:58:00 +0000]`, the Common Log Format's time. */
function logTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return `[${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000]`;
}

/** A web server on a free loopback port that logs each request in the Combined Log Format. */
async function startWebServer(log: ServerLogEntry[]): Promise<HttpServer> {
  const server = createHttpServer((req: IncomingMessage, res) => {
    const body = Buffer.from(PAGE);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    res.end(body);
    const userAgent = req.headers['user-agent'] ?? '-';
    const requestLine = `${req.method} ${req.url} HTTP/${req.httpVersion}`;
    log.push({
      line: `${req.socket.remoteAddress} - - ${logTime(new Date())} "${requestLine}" 200 ${body.length} "-" "${userAgent}"`,
      method: req.method ?? '',
      path: req.url ?? '',
      version: `HTTP/${req.httpVersion}`,
      host: req.headers.host ?? '',
      userAgent,
      clientPort: req.socket.remotePort ?? 0,
      status: 200,
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Types the request line by line, then reads the response until the server closes. */
async function typeRequest(port: number, tap: WireTap | undefined): Promise<string[]> {
  const session: Session = await connect({ transport: 'tcp', host: '127.0.0.1', port, tap });
  const lines = ['GET / HTTP/1.1', `Host: 127.0.0.1:${port}`, `User-Agent: ${USER_AGENT}`, 'Connection: close', ''];
  const response: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new TimeoutError(`the lab's web server did not finish its response within ${RESPONSE_TIMEOUT_MS / 1000} s`));
      session.destroy();
    }, RESPONSE_TIMEOUT_MS);
    session.on('data', (chunk: Buffer) => response.push(chunk));
    session.once('end', () => session.end());
    session.once('close', ({ error }) => {
      clearTimeout(timer);
      if (error !== undefined) reject(error);
      else resolve();
    });
  });
  done.catch(() => undefined);
  for (const line of lines) {
    session.write(Buffer.from(`${line}\r\n`));
    await new Promise((resolve) => setTimeout(resolve, TYPING_PAUSE_MS));
  }
  await done;
  if (response.length === 0) throw new NetworkError(ERROR_CODES.PEER_CLOSED, "the lab's web server closed the connection without answering");
  return lines;
}

/** Where one line of a direction's bytes sits: the packet that carried its first byte, and its offset in that frame. */
function locate(wire: FollowedStream, side: 0 | 1, offset: number, packets: readonly LabPacket[]): { packet: LabPacket; frameOffset: number } | undefined {
  const chunk = wire.chunks.find((c) => c.side === side && c.offset <= offset && offset < c.offset + c.length);
  const packet = packets.find((p) => p.number === chunk?.packet);
  if (chunk === undefined || packet === undefined) return undefined;
  return { packet, frameOffset: packet.payloadOffset + (offset - chunk.offset) };
}

/** Each CRLF-terminated line of `bytes`, with where it starts. */
function headLines(bytes: Buffer): { text: string; offset: number }[] {
  const head = bytes.indexOf('\r\n\r\n');
  const end = head === -1 ? bytes.length : head + 4;
  const out: { text: string; offset: number }[] = [];
  for (let at = 0; at < end; ) {
    const eol = bytes.indexOf('\r\n', at);
    if (eol === -1 || eol >= end) break;
    out.push({ text: bytes.subarray(at, eol).toString('latin1'), offset: at });
    at = eol + 2;
  }
  return out;
}

async function run(ctx: LabContext): Promise<void> {
  const log: ServerLogEntry[] = [];
  const web = await startWebServer(log);
  const port = (web.address() as { port: number }).port;
  const recording = ctx.record('lab-http.pcap');
  try {
    await recording.start(`tcp port ${port}`);
    await typeRequest(port, recording.tap);
  } finally {
    web.closeAllConnections();
    await new Promise((resolve) => web.close(resolve));
    await recording.stop();
  }
  const recorder = ctx.recordedWith === 'socket tap' ? 'the socket tap on the client (no root needed)' : `a live ${ctx.recordedWith} capture of loopback`;
  ctx.intro(`netlab lab http: a GET typed line by line, with the User-Agent ${JSON.stringify(USER_AGENT)}, to a web server on loopback, recorded with ${recorder}.`);

  const reading = await readLabCapture(recording.path);
  const packets = reading.stream(0);
  const wire = await followLabStream(recording.path, 0);
  const roles = tcpRoles(packets);

  const one = ctx.section(`The connection in ${recording.path}, packet by packet`);
  packets.forEach((p, i) => one.packet(p, { role: roles[i]!, what: TCP_ROLE_WORDS[roles[i]!], info: p.info }));

  const two = ctx.section('The request as the capture shows it');
  two.say('Each line you typed, the packet that carried it, and where it sits in that frame:');
  for (const line of headLines(wire.client)) {
    const at = locate(wire, 0, line.offset, packets);
    if (at === undefined) continue;
    const colon = line.text.indexOf(':');
    const field = line.offset === 0 ? 'request line' : colon > 0 ? line.text.slice(0, colon) : 'line';
    two.fact(
      { capture: recording.path, packet: at.packet.number, field, text: line.text, payload_offset: at.frameOffset, line_bytes: line.text.length + 2 },
      (f) => `  packet ${f.packet}, bytes ${f.payload_offset}-${(f.payload_offset as number) + (f.line_bytes as number) - 1} of the frame (${f.line_bytes} bytes): ${f.field === 'line' ? 'the blank line that ends the request' : JSON.stringify(f.text)}`,
    );
  }
  const status = headLines(wire.server)[0];
  const statusAt = status === undefined ? undefined : locate(wire, 1, 0, packets);
  if (status !== undefined && statusAt !== undefined) {
    two.fact(
      { capture: recording.path, packet: statusAt.packet.number, field: 'status line', text: status.text, payload_offset: statusAt.frameOffset, line_bytes: status.text.length + 2 },
      (f) => `The answer: packet ${f.packet}, bytes ${f.payload_offset}-${(f.payload_offset as number) + (f.line_bytes as number) - 1} of the frame (${f.line_bytes} bytes): ${JSON.stringify(f.text)}.`,
    );
  }
  two.say('Nothing in these packets is encrypted: whoever captures them reads your User-Agent, the Host and the path.');

  const three = ctx.section("The server's log of the same request");
  const entry = log[0];
  if (entry !== undefined) {
    three.fact({ server_log: entry.line }, (f) => `  ${f.server_log}`);
    const typedAgent = headLines(wire.client).find((l) => l.text.toLowerCase().startsWith('user-agent:'));
    const onWire = typedAgent?.text.slice('user-agent:'.length).trim() ?? '';
    three.fact(
      { user_agent: entry.userAgent, user_agent_on_wire: onWire, same: entry.userAgent === onWire },
      (f) => `The server logs the User-Agent ${JSON.stringify(f.user_agent)}: ${f.same ? 'the very bytes the capture shows' : `the capture shows ${JSON.stringify(f.user_agent_on_wire)}`}.`,
    );
    const client = packets.find((p) => p.fromClient);
    three.fact(
      { client_port: entry.clientPort, src_port: client?.srcPort ?? null, request: `${entry.method} ${entry.path} ${entry.version}`, host: entry.host },
      (f) => `It saw the request ${JSON.stringify(f.request)} for Host ${JSON.stringify(f.host)} from port ${f.client_port}, the source port of the capture's client packets (${f.src_port}).`,
    );
    three.say('A server believes whatever User-Agent it is sent: the header is the client\'s own claim, not proof of what browser it is.');
  }

  ctx.hint(`(in Wireshark: the display filter http.user_agent, then Analyze > Follow > HTTP Stream)`);
  ctx.hint(`netlab pcap packets ${recording.path} -Y http -V     (the request and the response, header by header)`);
  ctx.hint(`netlab pcap follow ${recording.path} --stream 0     (what each side sent, as typed)`);
}

export const httpLab: Lab = {
  name: 'http',
  summary: 'a raw HTTP GET typed by hand with a custom User-Agent: each line in its packet, and the server log of the same request',
  sheet: 'a raw HTTP GET with a custom User-Agent',
  run,
};
