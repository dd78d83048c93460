/**
 * TLS with what it carries: given a key log, the application data each
 * side's records decrypt to is itself dissected by the row of the
 * application table its first bytes match (HTTP inside TLS is HTTP, as in
 * Wireshark), and the inner layers follow the TLS layers of the segment that
 * completed the records. Without a key log this is the plain TLS row.
 */
import type { AppContext, AppProtocol, StreamDissector, StreamSide } from './app-protocol.js';
import { detectTls, TLS_PROTOCOL, createTlsStreamDissector, type TlsLayer, type TlsStreamDissector } from './tls.js';
import type { ProtoLayer } from './tree.js';
import type { KeyLog } from '../tls/keylog.js';

/** TLS inner content type of application data (RFC 8446 section 5.1). */
const APPLICATION_DATA = 23;

/** Per side: the inner row's dissector (shared by both sides), null once nothing matched. */
class TlsWithInner implements StreamDissector {
  readonly #tls: TlsStreamDissector;
  readonly #context: AppContext;
  readonly #inner: readonly AppProtocol[];
  #dissector: StreamDissector | null | undefined;

  constructor(context: AppContext, keyLog: KeyLog, inner: readonly AppProtocol[]) {
    this.#tls = createTlsStreamDissector(context, { keyLog });
    this.#context = context;
    this.#inner = inner;
  }

  push(side: StreamSide, data: Uint8Array): ProtoLayer[] {
    const layers: ProtoLayer[] = this.#tls.push(side, data);
    let out = layers;
    for (const layer of layers as TlsLayer[]) {
      for (const record of layer.decrypted) {
        if (record.contentType !== APPLICATION_DATA || record.data.length === 0) continue;
        const inner = this.#innerFor(record.data);
        if (inner === null) continue;
        const found = inner.push(record.side, record.data);
        if (found.length > 0) out = out === layers ? [...layers, ...found] : [...out, ...found];
      }
    }
    return out;
  }

  pending(side: StreamSide): boolean {
    return this.#tls.pending(side);
  }

  end(side: StreamSide): ProtoLayer[] {
    const layers = this.#tls.end(side);
    const inner = this.#dissector?.end(side) ?? [];
    return inner.length === 0 ? layers : [...layers, ...inner];
  }

  /** The inner dissector, chosen from the first plaintext (either side). */
  #innerFor(first: Uint8Array): StreamDissector | null {
    if (this.#dissector === undefined) {
      const row = this.#inner.find((r) => r.stream !== undefined && r.detect(first, this.#context));
      this.#dissector = row?.stream?.(this.#context) ?? null;
    }
    return this.#dissector;
  }
}

/**
 * The TLS row of the application table.
 * @param keyLog secrets to decrypt with; without them, the plain TLS row
 * @param inner rows that may be inside TLS (HTTP), in detection order
 */
export function tlsRow(keyLog: KeyLog | undefined, inner: readonly AppProtocol[]): AppProtocol {
  if (keyLog === undefined) return TLS_PROTOCOL;
  return {
    name: 'tls',
    detect: (first: Uint8Array): boolean => detectTls(first),
    stream: (context: AppContext): StreamDissector => new TlsWithInner(context, keyLog, inner),
  };
}
