/**
 * The packet view of `pcap packets` and `capture`: records in, the text (or
 * NDJSON) a user sees out, one packet at a time. The capture filter (`-f`)
 * and the display filter (`-Y`) run on the flat dissection first; the
 * details tree, JSON layers and columns are built only for packets that
 * pass. Application-layer dissection (and TCP reassembly) runs only when the
 * output or the filter reads an application-layer field.
 */
import { UsageError } from '../../errors.js';
import type { PacketRecord } from '../read/packet.js';
import type { KeyLog } from '../tls/keylog.js';
import { VIEW_FIELDS } from './catalog.js';
import { columnsLine, packetColumns } from './columns.js';
import type { FieldSpec } from './field.js';
import { detailLayers } from './header-tree.js';
import type { ViewPacket } from './packet.js';
import { detailsText, FieldPrinter, hexDump, packetJson } from './render.js';
import { PacketViewer } from './viewer.js';
import { describePayload } from '../../util/payload-view.js';

/** A compiled predicate over packets, with the fields it reads. */
export interface PacketPredicate {
  matches(p: ViewPacket): boolean;
  /** Field names the predicate reads (to know whether application layers are needed). */
  readonly fields: ReadonlySet<string>;
}

export interface PacketViewOptions {
  /** `-f`: runs on the flat dissection, before anything else. */
  captureFilter?: (p: ViewPacket) => boolean;
  /** `-Y`. */
  displayFilter?: PacketPredicate;
  /** `-c`: packets shown before the view is done (after filtering). */
  count?: number;
  /** `-e`: only these fields, tab-separated. */
  fields?: readonly string[];
  /** `-E header=y`. */
  header?: boolean;
  /** `-V`. */
  details?: boolean;
  /** `-x`. */
  hex?: boolean;
  /** `--json`: NDJSON objects. */
  json?: boolean;
  /** `capture --payload`: each packet's TCP/UDP payload under its line, as text or a hex dump (hex in JSON). */
  payload?: boolean;
  /** `--keylog`: TLS decrypted, what it carries dissected (and shown by `-x`). */
  keyLog?: KeyLog;
  /** Passed to the viewer (a live capture bounds its stream table). */
  retainStreams?: number;
}

/** Fields of the same protocol as an unknown `name`, to suggest ("; tcp has: tcp.srcport, ..."). */
function nearFields(name: string): string {
  const protocol = name.split('.')[0]!;
  const same = [...VIEW_FIELDS.names()].filter((n) => n.startsWith(`${protocol}.`));
  if (same.length === 0) return ' (fields are named as in Wireshark, e.g. ip.src, tcp.port, dns.qry.name)';
  return `; ${protocol} has ${same.slice(0, 12).join(', ')}${same.length > 12 ? ', ...' : ''}`;
}

export class PacketView {
  readonly #viewer: PacketViewer;
  readonly #options: PacketViewOptions;
  readonly #printer: FieldPrinter | undefined;
  #shown = 0;

  /**
   * @throws UsageError when a `-e` field is unknown
   */
  constructor(options: PacketViewOptions) {
    this.#options = options;
    let specs: FieldSpec<ViewPacket>[] | undefined;
    if (options.fields !== undefined && options.fields.length > 0) {
      specs = options.fields.map((name) => {
        const spec = VIEW_FIELDS.field(name);
        if (spec === undefined) throw new UsageError(`-e ${name}: unknown field${nearFields(name)}`);
        return spec;
      });
    }
    this.#printer = specs === undefined ? undefined : new FieldPrinter(specs);
    // The columns, -V and --json show everything; -e and -Y only what they name.
    const named = [...(options.displayFilter?.fields ?? []), ...(specs ?? []).map((s) => s.name)];
    const everything = specs === undefined || options.details === true || options.json === true;
    const app = everything || options.keyLog !== undefined || named.some((n) => VIEW_FIELDS.needsApp(n));
    const streams = app || named.some((n) => VIEW_FIELDS.needsStreams(n));
    this.#viewer = new PacketViewer({ app, streams, keyLog: options.keyLog, retainStreams: options.retainStreams });
  }

  /** The packet last given to render(), as the view dissected it (valid until the next call). */
  get packet(): ViewPacket {
    return this.#viewer.packet;
  }

  /** Whether `-c` packets have been shown. */
  get done(): boolean {
    return this.#options.count !== undefined && this.#shown >= this.#options.count;
  }

  /** The first line of `-E header=y` (the field names), printed before any packet; undefined without it. */
  headerLine(): string | undefined {
    return this.#options.header === true ? this.#printer?.header() : undefined;
  }

  /** Packets shown so far. */
  get shown(): number {
    return this.#shown;
  }

  /**
   * The output for one record (undefined when a filter rejects it or -c was reached), without a
   * final newline. Call for every record in order, filtered or not: later
   * packets depend on earlier ones (stream numbers, reassembly).
   */
  render(r: PacketRecord): string | undefined {
    if (this.done) return undefined;
    const p = this.#viewer.next(r);
    const o = this.#options;
    if (o.captureFilter !== undefined && !o.captureFilter(p)) return undefined;
    if (o.displayFilter !== undefined && !o.displayFilter.matches(p)) return undefined;
    this.#shown++;
    if (this.#printer !== undefined) {
      return this.#printer.line(p);
    }
    const columns = packetColumns(p);
    const payload = o.payload === true ? p.d.buf.subarray(p.d.payloadOffset, p.d.payloadOffset + p.d.payloadLength) : undefined;
    if (o.json === true) {
      const json = packetJson(columns, detailLayers(p));
      return JSON.stringify(payload === undefined ? json : { ...json, payload: Buffer.from(payload).toString('hex') });
    }
    let text = columnsLine(columns);
    if (payload !== undefined && payload.length > 0) for (const line of describePayload(payload)) text += `\n        ${line}`;
    if (o.details === true) text += `\n${detailsText(detailLayers(p))}\n`;
    if (o.hex === true) {
      text += `\n${hexDump(r.buf.subarray(r.offset, r.offset + r.capLen))}\n`;
      for (const record of p.decrypted) text += `\nDecrypted TLS (${record.data.length} bytes):\n${hexDump(record.data)}\n`;
    }
    return text;
  }

  /** End of the capture. */
  finish(): void {
    this.#viewer.finish();
  }
}
