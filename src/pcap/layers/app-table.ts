/**
 * The application-layer rows of the next-layer table, in detection order:
 * the first row whose `detect` accepts a UDP datagram, or the first bytes of
 * a TCP direction, dissects it (gopacket's NextLayerType over a registry).
 *
 * Order matters where contents could look alike: TLS first (a 5-byte record
 * header is the most specific test), then HTTP (a method token or "HTTP/1."
 * at the start), then DNS (by port, else a plausible header and question,
 * the loosest test, so last).
 */
import type { AppContext, AppProtocol } from './app-protocol.js';
import { DNS_APP } from './dns.js';
import { HTTP_APP } from './http.js';
import { tlsRow } from './tls-application.js';
import type { KeyLog } from '../tls/keylog.js';

/** Rows that may run inside TLS once it is decrypted. */
const INSIDE_TLS: readonly AppProtocol[] = Object.freeze([HTTP_APP]);

/** The rows, without a key log. */
export const APP_PROTOCOLS: readonly AppProtocol[] = appTable();

/**
 * The rows, in detection order.
 * @param keyLog with one, TLS records are decrypted and what they carry is dissected
 */
export function appTable(keyLog?: KeyLog): readonly AppProtocol[] {
  return Object.freeze([tlsRow(keyLog, INSIDE_TLS), HTTP_APP, DNS_APP]);
}

/**
 * The row that dissects these bytes, or undefined.
 * @param first a UDP datagram's payload, or the first bytes delivered on a TCP direction
 * @param context transport and ports (ports only break ties: detection is by content on any port)
 * @param table the rows to ask, in order (default APP_PROTOCOLS)
 */
export function detectApp(first: Uint8Array, context: AppContext, table: readonly AppProtocol[] = APP_PROTOCOLS): AppProtocol | undefined {
  if (first.length === 0) return undefined;
  for (const row of table) {
    if (context.transport === 'udp' ? row.datagram === undefined : row.stream === undefined) continue;
    if (row.detect(first, context)) return row;
  }
  return undefined;
}
