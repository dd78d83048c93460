/**
 * Runs listeners until SIGINT/SIGTERM: banner, connection log (human or
 * NDJSON), then on the signal an orderly close and a totals line.
 */
import { attachProtocol, type ProtocolFactory } from '../protocols/protocol.js';
import { ERROR_CODES, LimitError } from '../errors.js';
import { transportFor } from '../transports/registry.js';
import type { Session, TransportName } from '../transports/session.js';
import type { Listener, TlsOptions } from '../transports/types.js';
import { formatEndpoint } from '../util/endpoint.js';
import type { Output } from './output.js';

export interface ServeSpec {
  transport: TransportName;
  host: string;
  port: number;
  protocol: ProtocolFactory;
  maxConnections: number;
  tls?: TlsOptions;
  banner: (address: string) => string;
  /** Extra fields of the final totals record. */
  summary?: () => Record<string, number>;
  /** Runs first on a signal (e.g. tell every chat user); the listeners close after it. */
  beforeClose?: () => Promise<void> | void;
}

interface Totals {
  connections: number;
  bytes_in: number;
  bytes_out: number;
  reads: number;
  writes: number;
}

function logSessions(out: Output, listener: Listener, spec: ServeSpec, totals: Totals): void {
  let open = 0;
  listener.on('session', (session: Session) => {
    if (open >= spec.maxConnections) {
      session.fail(new LimitError(ERROR_CODES.TOO_MANY_CONNECTIONS, `the server is full (${spec.maxConnections} connections); try again later`));
      return;
    }
    open += 1;
    totals.connections += 1;
    const time = session.stats.openedAt.toISOString();
    if (out.json) out.event({ event: 'connect', transport: session.transport, peer: session.peer, time });
    else out.info(`${time} connect ${session.transport} ${session.peer}`);
    session.once('close', ({ error }) => {
      open -= 1;
      const s = session.stats;
      totals.bytes_in += s.bytesIn;
      totals.bytes_out += s.bytesOut;
      totals.reads += s.reads;
      totals.writes += s.writes;
      const record = {
        event: 'close',
        transport: session.transport,
        peer: session.peer,
        time: (s.closedAt ?? new Date()).toISOString(),
        duration_ms: session.durationMs,
        bytes_in: s.bytesIn,
        bytes_out: s.bytesOut,
        reads: s.reads,
        writes: s.writes,
        ...(error === undefined ? {} : { error: { code: error.code, message: error.message } }),
      };
      if (out.json) out.event(record);
      else out.info(`${record.time} close ${session.transport} ${session.peer} after ${record.duration_ms} ms, ${s.bytesIn} bytes in / ${s.bytesOut} out${error ? ` (${error.message})` : ''}`);
    });
    attachProtocol(session, spec.protocol(session));
  });
}

/**
 * Listens on every spec (all or nothing), then waits for SIGINT/SIGTERM.
 * @throws NetlabError when a port cannot be bound (the others are closed first)
 */
export async function serveUntilSignal(out: Output, ...specs: ServeSpec[]): Promise<void> {
  const listeners: Listener[] = [];
  const totals: Totals = { connections: 0, bytes_in: 0, bytes_out: 0, reads: 0, writes: 0 };
  try {
    for (const spec of specs) {
      const listener = await transportFor(spec.transport).listen({ host: spec.host, port: spec.port, tls: spec.tls });
      listeners.push(listener);
      logSessions(out, listener, spec, totals);
      out.note(spec.banner(formatEndpoint(listener.address)));
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  for (const spec of specs) await spec.beforeClose?.();
  await Promise.all(listeners.map((l) => l.close()));
  const extra = Object.assign({}, ...specs.map((s) => s.summary?.() ?? {})) as Record<string, number>;
  if (out.json) out.event({ event: 'totals', ...totals, ...extra });
  else out.note(`stopped: ${totals.connections} connections, ${totals.bytes_in} bytes in, ${totals.bytes_out} bytes out${Object.entries(extra).map(([k, v]) => `, ${k} ${v}`).join('')}`);
}
