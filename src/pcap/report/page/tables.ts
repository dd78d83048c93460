/**
 * The page's tables: summary, course statistics (each number carries its
 * JSON path and exact value in data-field / data-value, so a grader or a
 * test can read the page's figures back), protocol hierarchy, top
 * conversations and talkers.
 */
import { linkTypeName } from '../../layers/linktypes.js';
import type { CaptureReport, ProtocolNode } from '../types.js';
import { bytes, count, duration, isoTime } from './format.js';
import { esc, px } from './html.js';

/** A table cell showing `shown` for the figure at `field` whose exact value is `value`. */
function figure(field: string, value: number | null, shown: string): string {
  return `<td class="num" data-field="${esc(field)}" data-value="${esc(JSON.stringify(value))}">${esc(shown)}</td>`;
}

export function summaryTable(r: CaptureReport): string {
  const rows: [string, string][] = [
    ['File', `<td>${esc(r.file)}</td>`],
    ['Format', `<td data-field="format" data-value="${esc(JSON.stringify(r.format))}">${esc(r.format)}, ${esc(r.linktypes.map(linkTypeName).join(' + ') || 'no interfaces')}</td>`],
    ['Packets', figure('packets', r.packets, count(r.packets))],
    ['Bytes captured', figure('bytes', r.bytes, `${count(r.bytes)} (${bytes(r.bytes)})`)],
    ['Bytes on the wire', figure('wire_bytes', r.wire_bytes, `${count(r.wire_bytes)} (${bytes(r.wire_bytes)})`)],
    ['First packet', figure('first', r.first, isoTime(r.first))],
    ['Last packet', figure('last', r.last, isoTime(r.last))],
    ['Duration', figure('duration', r.duration, duration(r.duration))],
    ['TCP streams', `<td class="num">${count(r.tcpStreams)}</td>`],
  ];
  return `<table class="summary">${rows.map(([k, v]) => `<tr><th scope="row">${k}</th>${v}</tr>`).join('')}</table>`;
}

export function courseTable(r: CaptureReport): string {
  const row = (dir: 'in' | 'out') => {
    const d = r[dir];
    return `<tr><th scope="row">${dir}</th>${figure(`${dir}.packets`, d.packets, count(d.packets))}${figure(`${dir}.bytes`, d.bytes, count(d.bytes))}${figure(`${dir}.iat.mean`, d.iat.mean, duration(d.iat.mean))}${figure(`${dir}.iat.median`, d.iat.median, duration(d.iat.median))}${figure(`${dir}.iat.std`, d.iat.std, duration(d.iat.std))}</tr>`;
  };
  const other = `<tr><th scope="row">other</th>${figure('other.packets', r.other.packets, count(r.other.packets))}${figure('other.bytes', r.other.bytes, count(r.other.bytes))}<td></td><td></td><td></td></tr>`;
  return `<table class="course"><thead><tr><th scope="col">direction</th><th scope="col" class="num">packets</th><th scope="col" class="num">bytes</th><th scope="col" class="num">inter-arrival mean</th><th scope="col" class="num">median</th><th scope="col" class="num">std</th></tr></thead><tbody>${row('in')}${row('out')}${other}</tbody></table>`;
}

function pctBar(part: number, whole: number): string {
  const pct = whole === 0 ? 0 : (part * 100) / whole;
  return `<svg class="pct" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect class="pct-track" width="100" height="8"/><rect class="pct-fill" width="${px(pct)}" height="8"/></svg> ${pct.toFixed(1)}%`;
}

export function hierarchyTable(root: ProtocolNode): string {
  const rows: string[] = [];
  const walk = (node: ProtocolNode, level: number): void => {
    rows.push(
      `<tr><th scope="row" class="lvl${Math.min(level, 5)}">${esc(node.name)}</th><td class="num">${count(node.packets)}</td><td class="bar-cell">${pctBar(node.packets, root.packets)}</td><td class="num">${count(node.bytes)}</td></tr>`,
    );
    for (const child of node.children) walk(child, level + 1);
  };
  walk(root, 0);
  return `<table class="hierarchy"><thead><tr><th scope="col">protocol</th><th scope="col" class="num">packets</th><th scope="col">share of packets</th><th scope="col" class="num">bytes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function conversationsTable(r: CaptureReport): string {
  if (r.conversations.length === 0) return '<p class="note">No IP conversations.</p>';
  const rows = r.conversations.map(
    (c) =>
      `<tr><td>${esc(c.a)}</td><td>${esc(c.b)}</td><td class="num">${count(c.packets)}</td><td class="num">${count(c.bytes)}</td><td class="num">${count(c.packetsAtoB)} / ${count(c.bytesAtoB)}</td><td class="num">${count(c.packets - c.packetsAtoB)} / ${count(c.bytes - c.bytesAtoB)}</td></tr>`,
  );
  return `<table class="conversations"><thead><tr><th scope="col">address A</th><th scope="col">address B</th><th scope="col" class="num">packets</th><th scope="col" class="num">bytes</th><th scope="col" class="num">A → B packets / bytes</th><th scope="col" class="num">B → A packets / bytes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function talkersTable(r: CaptureReport): string {
  if (r.talkers.length === 0) return '<p class="note">No IP addresses.</p>';
  const total = r.talkers.reduce((a, t) => Math.max(a, t.bytes), 0);
  const rows = r.talkers.map(
    (t) =>
      `<tr><td>${esc(t.address)}</td><td class="num">${count(t.packets)}</td><td class="num">${count(t.bytes)}</td><td class="bar-cell">${pctBar(t.bytes, total)}</td><td class="num">${count(t.bytesSent)}</td><td class="num">${count(t.bytesReceived)}</td></tr>`,
  );
  return `<table class="talkers"><thead><tr><th scope="col">address</th><th scope="col" class="num">packets</th><th scope="col" class="num">bytes</th><th scope="col">bytes, against the top talker</th><th scope="col" class="num">bytes sent</th><th scope="col" class="num">bytes received</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function streamsTable(r: CaptureReport): string {
  const rows = r.streams.map((s) => {
    const tls = s.tls === null ? '' : `${s.tls.version ?? 'TLS'}${s.tls.cipherSuite === null ? '' : `, ${s.tls.cipherSuite}`}: ${s.tls.status}`;
    return `<tr><td class="num"><a href="#stream-${s.stream}">${s.stream}</a></td><td>${esc(s.client)}</td><td>${esc(s.server)}</td><td class="num">${count(s.packets)}</td><td class="num">${count(s.bytesClient)}</td><td class="num">${count(s.bytesServer)}</td><td>${esc(tls)}</td></tr>`;
  });
  return `<table class="streams"><thead><tr><th scope="col" class="num">stream</th><th scope="col">client</th><th scope="col">server</th><th scope="col" class="num">packets</th><th scope="col" class="num">payload bytes from client</th><th scope="col" class="num">from server</th><th scope="col">TLS</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
