/**
 * The report page: one HTML document with its style sheet inline and every
 * chart as inline SVG drawn here, with no script at all. Its
 * Content-Security-Policy allows nothing but that one style sheet (by hash),
 * so the page can make no request of any kind: it opens offline from disk,
 * and text from the capture could not run even if it slipped past escaping.
 */
import { createHash } from 'node:crypto';
import type { CaptureReport, ReportStream } from '../types.js';
import { bytes, count, duration } from './format.js';
import { histogramChart } from './histogram-chart.js';
import { esc } from './html.js';
import { ladderChart } from './ladder.js';
import { STYLE } from './style.js';
import { conversationsTable, courseTable, hierarchyTable, streamsTable, summaryTable, talkersTable } from './tables.js';
import { timeSequenceChart } from './time-sequence-chart.js';
import { trafficChart } from './traffic-chart.js';

/** The Content-Security-Policy of a page whose only resource is this style sheet. */
export function contentSecurityPolicy(style: string = STYLE): string {
  const hash = createHash('sha256').update(style, 'utf8').digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; base-uri 'none'; form-action 'none'`;
}

function warnings(r: CaptureReport): string {
  const all = [...r.warnings, ...r.reportWarnings];
  if (all.length === 0) return '';
  const items = all.map((w) => `<li>${esc(w.message)}${w.offset >= 0 ? ` (at byte ${count(w.offset)})` : ''} <code>${esc(w.code)}</code></li>`).join('');
  return `<section class="warnings" role="alert" data-section="warnings"><h2>Warnings: this capture could not be read whole</h2><ul>${items}</ul><p class="note">The figures cover what could be read.</p></section>`;
}

function tlsBadge(s: ReportStream): string {
  if (s.tls === null) return '';
  const t = s.tls;
  const what = `${t.version ?? 'TLS'}${t.cipherSuite === null ? '' : ` · ${t.cipherSuite}`} · ${t.status === 'decrypted' ? `decrypted (${t.decryptedRecords} records)` : t.status}`;
  return `<span class="tls-badge" data-tls-version="${esc(t.version ?? '')}" data-tls-status="${esc(t.status)}">${esc(what)}</span>`;
}

function streamSection(s: ReportStream): string {
  const reason = s.tls !== null && s.tls.status !== 'decrypted' && s.tls.reason !== null ? `<p class="note">TLS: ${esc(s.tls.reason)}</p>` : '';
  return `<section class="stream" id="stream-${s.stream}" data-stream="${s.stream}">
<h3>Stream ${s.stream}: ${esc(s.client)} → ${esc(s.server)}${tlsBadge(s)}</h3>
<p class="sub">${count(s.packets)} packets over ${duration(s.start === null || s.end === null ? null : s.end - s.start)}; ${count(s.bytesClient)} payload bytes from the client, ${count(s.bytesServer)} from the server.</p>
${reason}
${ladderChart(s)}
${timeSequenceChart(s)}
</section>`;
}

/**
 * The whole page.
 * @param r the report's data (captureReport)
 */
export function renderReportPage(r: CaptureReport): string {
  const streams =
    r.streams.length === 0
      ? '<p class="note">No TCP streams in this capture.</p>'
      : `<p class="sub">The first ${r.streams.length} of ${count(r.tcpStreams)} TCP streams, numbered as Wireshark numbers tcp.stream.</p>${streamsTable(r)}${r.streams.map(streamSection).join('\n')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy())}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(`Capture report: ${r.file}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>Capture report</h1>
<p class="sub">${esc(r.file)} · ${count(r.packets)} packets · ${bytes(r.bytes)} · ${duration(r.duration)}</p>
</header>
${warnings(r)}
<section data-section="summary"><h2>Summary</h2>${summaryTable(r)}</section>
<section data-section="course"><h2>Course statistics</h2>
<p class="note">A packet is out when its source is local, in when its destination is, else other; bytes are captured lengths; inter-arrival times are between consecutive packets of one direction (the numbers of <code>netlab pcap stats</code>).</p>
${courseTable(r)}</section>
<section data-section="traffic"><h2>Traffic over time</h2>${trafficChart(r.series, 'packets')}${trafficChart(r.series, 'bytes')}</section>
<section data-section="iat"><h2>Inter-arrival times</h2>${histogramChart(r.histograms.in, 'in')}${histogramChart(r.histograms.out, 'out')}</section>
<section data-section="hierarchy"><h2>Protocol hierarchy</h2>
<p class="note">Link, network and transport layers as dissected; the application layer by what each packet's payload starts with (a TLS record, an HTTP start line, a DNS message), else data.</p>
${hierarchyTable(r.hierarchy)}</section>
<section data-section="conversations"><h2>Top conversations</h2>${conversationsTable(r)}</section>
<section data-section="talkers"><h2>Top talkers</h2>${talkersTable(r)}</section>
<section data-section="streams"><h2>TCP streams</h2>${streams}</section>
<footer>Made by netlab pcap report. Self-contained: no script, no network request (see its Content-Security-Policy).</footer>
</main>
</body>
</html>
`;
}
