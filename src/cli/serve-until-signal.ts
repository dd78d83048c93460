/**
 * Runs one or more servers (chat listens on several transports at once)
 * until SIGINT/SIGTERM: banner, the connection log of every server (human or
 * NDJSON), then an orderly close and the totals.
 */
import type { ProtocolFactory } from '../protocols/protocol.js';
import { createServer, type Server, type ServerTotals } from '../server/server.js';
import type { TransportName } from '../transports/session.js';
import type { HttpHooks, TlsOptions, UdpProof } from '../transports/types.js';
import type { Output } from './output.js';
import { untilStopped } from './signals.js';
import { describeTotals, describeTraffic, listeningEvent } from './traffic-format.js';

export interface ServeSpec {
  transport: TransportName;
  host: string;
  port: number;
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
  /** Extra fields of the final summary. */
  summary?: () => Record<string, number>;
  /** Runs first on a signal (e.g. tell every chat user); the servers close after it. */
  beforeClose?: () => Promise<void> | void;
}

/**
 * Starts every server (all or nothing), then waits for SIGINT/SIGTERM.
 * @throws NetlabError when a port cannot be bound (the servers already started are closed first)
 */
export async function serveUntilSignal(out: Output, specs: ServeSpec[], options: ServeManyOptions): Promise<void> {
  const servers: Server[] = [];
  try {
    for (const spec of specs) servers.push(await createServer(spec));
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  for (const server of servers) {
    server.on('traffic', (record) => (out.json ? out.event(record) : out.info(describeTraffic(record))));
    if (out.json) out.event(listeningEvent(server));
    out.note(options.banner(server));
    if (server.certificate !== undefined) out.note(`tls certificate SHA-256 fingerprint ${server.certificate.fingerprint256}${server.certificate.ephemeral ? ' (ephemeral, self-signed)' : ''}`);
  }

  const why = await untilStopped();
  await options.beforeClose?.();
  await Promise.all(servers.map((s) => s.close()));
  const totals = servers.reduce<ServerTotals>(
    (sum, s) => {
      const t = s.totals;
      return {
        connections: sum.connections + t.connections,
        refused: sum.refused + t.refused,
        bytes_in: sum.bytes_in + t.bytes_in,
        bytes_out: sum.bytes_out + t.bytes_out,
        reads: sum.reads + t.reads,
        writes: sum.writes + t.writes,
      };
    },
    { connections: 0, refused: 0, bytes_in: 0, bytes_out: 0, reads: 0, writes: 0 },
  );
  const extra = options.summary?.() ?? {};
  if (out.json) out.event({ event: 'summary', signal: why, ...totals, ...extra });
  else out.note(describeTotals(why, totals, extra));
}
