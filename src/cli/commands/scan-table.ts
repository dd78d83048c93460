/**
 * The human output of `netlab scan`: nmap's port table (header
 * `PORT STATE SERVICE`, rows like `22/tcp open ssh`), a "Not shown" line for
 * the hidden states, and a one-line summary of counts and elapsed time.
 */
import type { PortResult, ScanReport } from '../../scan/scanner.js';

export interface TableOptions {
  /** Every state, not only open ports (--all). */
  all: boolean;
  /** Add a BANNER column (--banner). */
  banner: boolean;
}

/** Ports the table (and the JSON `ports`) lists: open ones, or all with --all. */
export function shownPorts(report: ScanReport, all: boolean): PortResult[] {
  return all ? report.ports : report.ports.filter((p) => p.state === 'open');
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/**
 * Lines of the report, without the trailing summary.
 * @param report a finished (or interrupted) scan
 */
export function formatScanTable(report: ScanReport, options: TableOptions): string[] {
  const lines: string[] = [];
  const name = report.host === report.address ? report.address : `${report.host} (${report.address})`;
  lines.push(`netlab scan report for ${name}`);
  if (report.otherAddresses.length > 0) lines.push(`Other addresses for ${report.host} (not scanned): ${report.otherAddresses.join(' ')}`);
  const rows = shownPorts(report, options.all);
  if (!options.all) {
    const hidden: string[] = [];
    const closed = report.closed;
    const filtered = report.filtered - report.openFiltered;
    if (closed > 0) hidden.push(`${closed} closed`);
    if (filtered > 0) hidden.push(`${filtered} filtered`);
    if (report.openFiltered > 0) hidden.push(`${report.openFiltered} open|filtered`);
    if (hidden.length > 0) lines.push(`Not shown: ${hidden.join(', ')} ${report.proto} ports`);
  }
  if (rows.length === 0) {
    lines.push(`No ${options.all ? '' : 'open '}ports among the ${report.ports.length} scanned.`);
    return lines;
  }
  const portCells = rows.map((r) => `${r.port}/${r.proto}`);
  const portWidth = Math.max(4, ...portCells.map((c) => c.length)) + 1;
  const stateWidth = Math.max(5, ...rows.map((r) => r.state.length)) + 1;
  const serviceWidth = Math.max(7, ...rows.map((r) => r.service.length)) + 1;
  const header = pad('PORT', portWidth) + pad('STATE', stateWidth) + (options.banner ? pad('SERVICE', serviceWidth) + 'BANNER' : 'SERVICE');
  lines.push(header);
  rows.forEach((r, i) => {
    let line = pad(portCells[i] as string, portWidth) + pad(r.state, stateWidth);
    line += options.banner && r.banner !== undefined ? pad(r.service, serviceWidth) + r.banner : r.service;
    lines.push(line);
  });
  return lines;
}

/** `Scanned 65535 tcp ports of 127.0.0.1 in 0.61 s: 20 open, 65515 closed, 0 filtered`. */
export function formatSummary(report: ScanReport): string {
  const seconds = (report.elapsedMs / 1000).toFixed(2);
  const scanned = report.complete ? `${report.ports.length}` : `${report.ports.length} of ${report.total}`;
  const counts = `${report.open} open, ${report.closed} closed, ${report.filtered} filtered`;
  const udpNote = report.openFiltered > 0 ? ` (${report.openFiltered} open|filtered)` : '';
  const prefix = report.complete ? 'Scanned' : 'Interrupted: scanned';
  return `${prefix} ${scanned} ${report.proto} ports of ${report.address} in ${seconds} s: ${counts}${udpNote}`;
}

/** The `--json` document of the contract, plus `address`, `proto` and `complete`. */
export function scanJson(report: ScanReport, all: boolean): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    host: report.host,
    address: report.address,
    proto: report.proto,
    ports: shownPorts(report, all).map((p) => {
      const row: Record<string, unknown> = { port: p.port, proto: p.proto, state: p.state, service: p.service };
      if (p.banner !== undefined) row.banner = p.banner;
      return row;
    }),
    open: report.open,
    closed: report.closed,
    filtered: report.filtered,
    elapsed_ms: report.elapsedMs,
    complete: report.complete,
  };
  if (report.proto === 'udp') doc.open_filtered = report.openFiltered;
  return doc;
}
