/**
 * UDP probes. UDP has no handshake, so a port can only be judged by what comes
 * back (nmap's -sU rules):
 * - a datagram -> open
 * - ICMP port unreachable -> closed. A connected UDP socket reports it as
 *   ECONNREFUSED on the next receive (RFC 1122, 4.1.3.1: UDP must pass ICMP
 *   errors to the application)
 * - any other ICMP unreachable -> filtered
 * - silence, after the retry -> open|filtered: either nothing listened and
 *   the ICMP was lost or rate-limited, or a service read the probe and chose
 *   not to answer.
 *
 * Most services ignore an empty datagram, so a few well-known ports get a
 * minimal valid request instead (see PAYLOADS).
 */
import dgram from 'node:dgram';
import { outcomeOfError, type Attempt, type Outcome, type PortState, type ProbeDriver, type ProbeTarget } from './probe.js';

/**
 * Probe payloads for services that only answer a well-formed request.
 * - 53 (DNS): a header-only query with opcode STATUS (RFC 1035, 4.1.1:
 *   ID 0, flags 0x1000 = OPCODE 2, all counts 0), answered by most servers
 *   with an error reply, which is enough to call the port open.
 * - 123 (NTP): a 48-byte client-mode request (RFC 5905, 7.3: LI 3, VN 4,
 *   Mode 3 -> first byte 0xe3).
 */
const PAYLOADS = new Map<number, Buffer>([
  [53, Buffer.from([0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
  [123, Buffer.concat([Buffer.from([0xe3]), Buffer.alloc(47)])],
]);
const EMPTY = Buffer.alloc(0);

/** The datagram sent to a port. */
export function udpPayloadFor(port: number): Buffer {
  return PAYLOADS.get(port) ?? EMPTY;
}

const kAttempt = Symbol('attempt');
type ProbeDgram = dgram.Socket & { [kAttempt]?: Attempt };

function finish(socket: ProbeDgram, outcome: Outcome, code?: string): void {
  const attempt = socket[kAttempt];
  if (attempt === undefined) return;
  socket[kAttempt] = undefined;
  closeQuietly(socket);
  attempt.driverData = undefined;
  attempt.sink.settle(attempt, outcome, code);
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

function onUdpConnect(this: ProbeDgram): void {
  const attempt = this[kAttempt];
  if (attempt === undefined) return;
  // Without a callback a send error arrives as an 'error' event (onUdpError).
  this.send(udpPayloadFor(attempt.port));
}

function onUdpMessage(this: ProbeDgram): void {
  finish(this, 'open');
}

function onUdpError(this: ProbeDgram, err: NodeJS.ErrnoException): void {
  finish(this, outcomeOfError(err.code), err.code);
}

class UdpDriver implements ProbeDriver {
  readonly proto = 'udp' as const;
  readonly name = 'udp';
  readonly silentState: PortState = 'open|filtered';

  start(attempt: Attempt, target: ProbeTarget): void {
    let socket: ProbeDgram;
    try {
      socket = dgram.createSocket(target.family === 6 ? 'udp6' : 'udp4') as ProbeDgram;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      attempt.sink.settle(attempt, outcomeOfError(code), code);
      return;
    }
    socket[kAttempt] = attempt;
    attempt.driverData = socket;
    socket.on('error', onUdpError);
    socket.on('message', onUdpMessage);
    socket.on('connect', onUdpConnect);
    socket.connect(attempt.port, target.address);
  }

  cancel(attempt: Attempt): void {
    const socket = attempt.driverData as ProbeDgram | undefined;
    if (socket === undefined) return;
    socket[kAttempt] = undefined;
    closeQuietly(socket);
    attempt.driverData = undefined;
  }
}

/** The UDP probe driver. */
export function createUdpDriver(): ProbeDriver {
  return new UdpDriver();
}
