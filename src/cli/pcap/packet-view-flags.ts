/**
 * The packet-view flags shared by `pcap packets` and `capture` (tshark's
 * names), and the PacketView they configure: one code path for files and
 * live captures.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { compileCaptureFilter, type CaptureFilterError } from '../../pcap/bpf/index.js';
import { UsageError } from '../../errors.js';
import { compileDisplayFilter, DisplayFilterError, formatFilterError } from '../../pcap/filter/index.js';
import type { ViewPacket } from '../../pcap/view/packet.js';
import { VIEW_FIELDS } from '../../pcap/view/catalog.js';
import { PacketView, type PacketPredicate } from '../../pcap/view/packet-view.js';
import { parseKeyLog } from '../../pcap/tls/keylog.js';
import { readUserFile } from '../files.js';
import { collect, oneOf, positiveInteger } from '../parse.js';

export interface PacketViewFlags {
  displayFilter?: string;
  captureFilter?: string;
  count?: number;
  details?: boolean;
  hex?: boolean;
  field?: string[];
  option?: string[];
  outputFormat?: 'fields' | 'text' | 'json';
  keylog?: string;
  json?: boolean;
}

/** Adds -Y, -c, -V, -x, -e, -E, -T, --keylog and --json (`-f` is added by each command: on files netlab runs it, live it goes to tcpdump). */
export function addPacketViewOptions(command: Command, { captureFilter = true } = {}): Command {
  command.option('-Y, --display-filter <filter>', 'keep only packets this Wireshark display filter selects, e.g. "tcp.port == 5000 && tcp.len > 0"');
  if (captureFilter) command.option('-f, --capture-filter <bpf>', 'keep only packets this tcpdump filter selects, e.g. "host 127.0.0.1 and port 5000"');
  return command
    .option('-c, --count <n>', 'stop after N packets (counted after filtering)', positiveInteger('packet count'))
    .option('-V, --details', 'print the packet-details tree under each packet (Frame, Ethernet, IP, TCP/UDP, TLS, HTTP, DNS, Data)')
    .option('-x, --hex', 'print each packet\'s bytes as a hex and ASCII dump (and decrypted TLS records with --keylog)')
    .option('-e, --field <name>', 'print only this field, tab-separated, as tshark -T fields -e prints it (repeatable)', collect)
    .option('-E, --option <header=y>', 'with -e: header=y prints the field names first', collect)
    .option('-T, --output-format <format>', 'tshark compatibility: fields (with -e), text (the default) or json (as --json)', oneOf('format', ['fields', 'text', 'json'] as const))
    .option('--keylog <file>', 'NSS key log (SSLKEYLOGFILE): decrypted TLS 1.2/1.3 application data is dissected (HTTP inside TLS) and filters see it')
    .option('--json', 'one JSON object per packet (NDJSON) with its columns and layers');
}

/** `-E header=y` and friends; only header is meaningful here. */
function wantsHeader(options: readonly string[] | undefined): boolean {
  let header = false;
  for (const option of options ?? []) {
    const m = /^header=([yn])$/.exec(option);
    if (m === null) throw new InvalidArgumentError(`-E ${option}: netlab knows header=y and header=n`);
    header = m[1] === 'y';
  }
  return header;
}

/**
 * `-Y EXPR` compiled against the packet view's fields.
 * @throws DisplayFilterError (a usage error: exit 2) showing the expression with a caret
 */
export function displayFilter(expr: string): PacketPredicate {
  const result = compileDisplayFilter(expr, VIEW_FIELDS);
  if (!result.ok) throw new DisplayFilterError(expr, result.error);
  return result.filter;
}

function captureFilterError(expr: string, error: CaptureFilterError): UsageError {
  return new UsageError(formatFilterError(expr, { message: error.message, position: error.position, expected: error.expected.join(', ') }, 'capture filter'));
}

/**
 * `-f BPF` on a file: tcpdump's meaning, evaluated by netlab. A filter that
 * cannot apply to a link type (e.g. `vlan` on Linux cooked) is refused when
 * the first packet of that link type comes, as tcpdump refuses it.
 * @throws UsageError (exit 2) showing the expression with a caret
 */
export function captureFilter(expr: string): (p: ViewPacket) => boolean {
  const compiled = compileCaptureFilter(expr);
  if (!compiled.ok) throw captureFilterError(expr, compiled.error);
  const checked = new Set<number>();
  return (p) => {
    const linkType = p.d.linkType;
    if (!checked.has(linkType)) {
      const error = compiled.checkLinkType(linkType);
      if (error !== null) throw captureFilterError(expr, error);
      checked.add(linkType);
    }
    return compiled.filter(p.d, p.frameLen);
  };
}

/**
 * The PacketView the flags ask for.
 * @throws UsageError for an unknown field, or a filter that does not parse (exit 2)
 */
export async function createPacketView(flags: PacketViewFlags, extra: { retainStreams?: number; payload?: boolean; liveKeyLog?: boolean } = {}): Promise<PacketView> {
  const fields = flags.field ?? [];
  if (flags.outputFormat === 'fields' && fields.length === 0) throw new InvalidArgumentError('-T fields needs at least one -e FIELD');
  return new PacketView({
    captureFilter: flags.captureFilter === undefined ? undefined : captureFilter(flags.captureFilter),
    displayFilter: flags.displayFilter === undefined ? undefined : displayFilter(flags.displayFilter),
    fields,
    header: wantsHeader(flags.option),
    count: flags.count,
    details: flags.details,
    hex: flags.hex,
    json: flags.json === true || flags.outputFormat === 'json',
    retainStreams: extra.retainStreams,
    payload: extra.payload,
    // A live capture's key log is still being written: capture decrypts with its own follower of the file.
    keyLog: flags.keylog === undefined || extra.liveKeyLog === true ? undefined : parseKeyLog(readUserFile(flags.keylog, '--keylog')),
  });
}
