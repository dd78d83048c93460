/**
 * The contract between the scan engine and a probe driver (TCP connect, UDP):
 * the engine owns scheduling, timeouts and retries; a driver starts one
 * attempt on one port and reports how it ended, exactly once, through
 * `attempt.sink.settle()` — unless the engine cancels it first.
 */
import type { ScanProto } from './services.js';

/** Port states, named as nmap names them. */
export type PortState = 'open' | 'closed' | 'filtered' | 'open|filtered';

/**
 * How one attempt ended:
 * - `open`: connected (TCP) or a datagram came back (UDP)
 * - `closed`: refused (TCP RST, ICMP port unreachable for UDP)
 * - `filtered`: an ICMP error other than port unreachable, or a local
 *   firewall refusal (EHOSTUNREACH, ENETUNREACH, EACCES...)
 * - `self-connect`: on loopback the kernel picked the target port as our own
 *   ephemeral port and TCP simultaneous open (RFC 793, section 3.4, figure 8)
 *   connected the socket to itself; nothing listens there, so it is closed
 * - `resource`: the attempt never left this machine (EMFILE, EADDRNOTAVAIL,
 *   ENOBUFS...); the engine retries it later with less concurrency
 */
export type Outcome = 'open' | 'closed' | 'filtered' | 'self-connect' | 'resource';

/** Where a driver sends attempts: one resolved address. */
export interface ProbeTarget {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Receives each attempt's end. */
export interface ProbeSink {
  settle(attempt: Attempt, outcome: Outcome, errorCode?: string): void;
}

/** One try at one port; pooled and reused by the engine. */
export class Attempt {
  port = 0;
  /** performance.now() when the attempt started. */
  startedAt = 0;
  /** performance.now() after which the engine gives up on it. */
  deadline = 0;
  /** Whatever the driver needs to cancel it (a handle, a socket). */
  driverData: unknown = undefined;
  /** True from start() until settle() or cancel(). */
  active = false;
  /** Local port of an `open` connection to this very host, else 0 (see tcp-connect.ts). */
  localPort = 0;

  constructor(readonly sink: ProbeSink) {}
}

/** A way of probing one port. */
export interface ProbeDriver {
  readonly proto: ScanProto;
  /** Human name for reports (`native`, `socket`, `udp`). */
  readonly name: string;
  /** The state of a port whose every attempt went unanswered. */
  readonly silentState: PortState;
  /** Starts an attempt; may settle synchronously when the system refuses at once. */
  start(attempt: Attempt, target: ProbeTarget): void;
  /** Gives up on an active attempt and releases its socket; no settle follows. */
  cancel(attempt: Attempt): void;
}

const RESOURCE_ERRORS = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'ENOMEM', 'EAGAIN', 'EADDRINUSE']);

/**
 * Maps a system error code from a connect or receive to an outcome.
 * ECONNREFUSED is a TCP RST (RFC 793: "connection refused") or, on a
 * connected UDP socket, an ICMP port unreachable (RFC 1122, 4.1.3.1).
 *
 * @param code e.g. `ECONNREFUSED`
 */
export function outcomeOfError(code: string | undefined): Outcome {
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return 'closed';
  if (code !== undefined && RESOURCE_ERRORS.has(code)) return 'resource';
  return 'filtered';
}
