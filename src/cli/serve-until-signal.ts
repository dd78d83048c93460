/**
 * The one lifecycle of every server command (serve, chat serve, im serve):
 * listen on every transport asked for (all or nothing), announce each
 * listener, record what crosses every socket into one pcap file (--pcap),
 * log every connection (human or NDJSON), then on SIGINT/SIGTERM close in
 * order and print the totals. The TLS key log (--keylog) and the tap are
 * closed whatever happens.
 */
import { DEFAULTS } from '../constants.js';
import { PcapTap } from '../pcap/write/tap.js';
import type { ProtocolFactory } from '../protocols/protocol.js';
import { createServer, type Server, type ServerTotals } from '../server/server.js';
import type { KeyLogWriter } from '../tls/keylog.js';
import type { TransportName } from '../transports/session.js';
import type { HttpHooks, TlsOptions, UdpProof } from '../transports/types.js';
import type { Output } from './output.js';
import { untilStopped } from './signals.js';
import { describeTotals, describeTraffic, listeningEvent } from './traffic-format.js';

/** One listener to start: createServer()'s options, less the tap (the lifecycle owns it). */
export interface ServeSpec {
  transport: TransportName;
  host: string;
  /** Undefined: the transport's default port. */
  port?: number;
  protocol: ProtocolFactory;
  maxConnections: number;
  idleTimeoutSeconds?: number;
  /** TLS: seconds allowed for the handshake (default 10). */
  handshakeTimeoutSeconds?: number;
  /** UDP: when a peer has proven itself (chat: `protocol`, a valid nickname). */
  udpProof?: UdpProof;
  tls?: TlsOptions;
  maxMessageBytes?: number;
  /** WebSocket: the page served beside it (chat serve --web). */
  http?: HttpHooks;
}

export interface ServeManyOptions {
  /** The human banner line of one listening server. */
  banner: (server: Server) => string;
  /** Extra fields of one server's `listening` NDJSON event (serve: its echo mode). */
  listening?: (server: Server) => Record<string, unknown>;
  /** For a server with an ephemeral certificate: the command a client runs to join it without verification. */
  insecureHint?: (server: Server) => string;
  /**
   * Where the banner, certificate and file lines and the human totals go:
   * `log` (serve), the log on stdout itself, as they always have for the echo
   * server; `hints` (default; chat and IM), stderr, beside the log. With
   * --json both are stderr, since stdout carries only JSON.
   */
  announceTo?: 'log' | 'hints';
  /** --pcap FILE: what crosses every listener's sockets, all in this one file. */
  pcap?: string;
  /** --keylog: the TLS key log already opened by tlsOptionsFrom(); announced, and closed at the end. */
  keylog?: KeyLogWriter;
  /** Fields of the final `summary` event that are labels rather than counts (serve: its transport). */
  summaryLabels?: Record<string, string>;
  /** Extra counts of the final summary. */
  summary?: () => Record<string, number>;
  /** Runs first on a signal (e.g. tell every chat user); the servers close after it. */
  beforeClose?: () => Promise<void> | void;
}

/**
 * Starts every server, then waits for SIGINT/SIGTERM and stops them.
 * @throws FileError when the --pcap file cannot be created; NetlabError when
 *   a port cannot be bound (the servers already started are closed first).
 *   The key log and the tap are closed either way.
 */
export async function serveUntilSignal(out: Output, specs: ServeSpec[], options: ServeManyOptions): Promise<void> {
  let tap: PcapTap | undefined;
  const servers: Server[] = [];
  try {
    tap = options.pcap === undefined ? undefined : new PcapTap(options.pcap);
    for (const spec of specs) servers.push(await createServer({ ...spec, tap }));
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    tap?.close();
    options.keylog?.close();
    throw err;
  }

  const say = (text: string): void => (options.announceTo === 'log' ? out.info(text) : out.note(text));
  for (const server of servers) {
    server.on('traffic', (record) => (out.json ? out.event(record) : out.info(describeTraffic(record))));
    announce(out, say, server, options);
  }
  if (options.keylog !== undefined) say(`TLS keys are appended to ${options.keylog.path} (Wireshark: Preferences > Protocols > TLS > (Pre)-Master-Secret log filename)`);
  if (tap !== undefined) say(`traffic is written to ${tap.path} (open it with Wireshark, or: tshark -r ${tap.path})`);

  const why = await untilStopped();
  try {
    await options.beforeClose?.();
    await Promise.all(servers.map((s) => s.close()));
    // The listeners are closed; the last sessions' FINs reach the tap as their sockets finish closing.
    await tap?.whenIdle(DEFAULTS.tapCloseWaitMs);
  } finally {
    tap?.close();
    options.keylog?.close();
  }
  const totals = sumTotals(servers);
  const extra = options.summary?.() ?? {};
  if (out.json) out.event({ event: 'summary', ...options.summaryLabels, signal: why, ...totals, ...extra });
  else say(describeTotals(why, totals, extra));
}

function announce(out: Output, say: (text: string) => void, server: Server, options: ServeManyOptions): void {
  if (out.json) out.event(listeningEvent(server, options.listening?.(server)));
  say(options.banner(server));
  const certificate = server.certificate;
  if (certificate === undefined) return;
  say(`${certificate.ephemeral ? 'ephemeral self-signed certificate' : 'certificate'}, SHA-256 fingerprint ${certificate.fingerprint256}`);
  if (certificate.ephemeral && options.insecureHint !== undefined) say(`clients must skip verification: ${options.insecureHint(server)}`);
}

function sumTotals(servers: readonly Server[]): ServerTotals {
  const sum: ServerTotals = { connections: 0, refused: 0, bytes_in: 0, bytes_out: 0, reads: 0, writes: 0 };
  for (const server of servers) {
    const t = server.totals;
    sum.connections += t.connections;
    sum.refused += t.refused;
    sum.bytes_in += t.bytes_in;
    sum.bytes_out += t.bytes_out;
    sum.reads += t.reads;
    sum.writes += t.writes;
  }
  return sum;
}
