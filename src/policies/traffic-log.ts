/**
 * Connection logging as a wrapper around any protocol: one `connect` record
 * when a session opens and one `close` record with its duration and traffic
 * counters when it ends. The records are the NDJSON shape of the contract.
 */
import type { ProtocolFactory } from '../protocols/protocol.js';
import type { Session, SessionCloseInfo, TransportName } from '../transports/session.js';

export interface ConnectRecord {
  event: 'connect';
  transport: TransportName;
  peer: string;
  time: string;
}

export interface CloseRecord {
  event: 'close';
  transport: TransportName;
  peer: string;
  time: string;
  duration_ms: number;
  bytes_in: number;
  bytes_out: number;
  reads: number;
  writes: number;
  /** Why it closed, when not a normal close: the error code and sentence. */
  error?: { code: string; message: string };
}

export interface RefusedRecord {
  event: 'refused';
  transport: TransportName;
  peer: string;
  time: string;
  reason: string;
}

/** A peer that failed before it became a session (e.g. a bad TLS handshake). */
export interface PeerErrorRecord {
  event: 'peer_error';
  transport: TransportName;
  peer: string;
  time: string;
  message: string;
}

export type TrafficRecord = ConnectRecord | CloseRecord | RefusedRecord | PeerErrorRecord;

export function connectRecord(session: Session): ConnectRecord {
  return { event: 'connect', transport: session.transport, peer: session.peer, time: new Date(session.stats.openedAtMs).toISOString() };
}

export function closeRecord(session: Session, error: { code: string; message: string } | undefined): CloseRecord {
  const s = session.stats;
  const record: CloseRecord = {
    event: 'close',
    transport: session.transport,
    peer: session.peer,
    time: new Date(s.closedAtMs ?? Date.now()).toISOString(),
    duration_ms: session.durationMs,
    bytes_in: s.bytesIn,
    bytes_out: s.bytesOut,
    reads: s.reads,
    writes: s.writes,
  };
  if (error !== undefined) record.error = { code: error.code, message: error.message };
  return record;
}

/**
 * @param sink receives every record; it must not throw
 */
export function logTraffic(inner: ProtocolFactory, sink: (record: TrafficRecord) => void): ProtocolFactory {
  // One function for every session (it is `this`), not a closure each.
  const onClose = function (this: Session, { error }: SessionCloseInfo): void {
    sink(closeRecord(this, error));
  };
  return (session) => {
    sink(connectRecord(session));
    session.on('close', onClose);
    return inner(session);
  };
}
