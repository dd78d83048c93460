/**
 * A TCP stream's ladder diagram: the client's and the server's timelines,
 * one arrow a segment in capture order (rows of equal height, time written
 * beside each), labelled with its flags, relative seq/ack and length, and
 * below it the payload's first bytes or the TLS records it completed. The
 * handshake, the data and the close read top to bottom.
 */
import type { LadderSegment, ReportStream } from '../types.js';
import { count, duration } from './format.js';
import { WIDTH } from './frame.js';
import { esc, px } from './html.js';

const TOP = 96;
const ROW = 50;
const CLIENT_X = 190;
const SERVER_X = WIDTH - 110;

function label(s: LadderSegment): string {
  return `${s.flags || 'no flags'}  seq=${s.seq}${s.ack === null ? '' : ` ack=${s.ack}`}  len=${s.len}`;
}

function detail(s: LadderSegment): string {
  if (s.tls.length > 0) return `TLS: ${s.tls.join('; ')}`;
  return s.payload === '' ? '' : `"${s.payload}${s.len > s.payload.length ? '…' : ''}"`;
}

/** Cuts a label to what fits between the timelines (about 6.3 px a character at the label size). */
function fit(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

export function ladderChart(stream: ReportStream): string {
  const segs = stream.segments;
  const height = TOP + segs.length * ROW + (stream.segmentsNotDrawn > 0 ? 40 : 16);
  const t0 = stream.start ?? 0;
  const span = (stream.end ?? t0) - t0;
  const chars = Math.floor((SERVER_X - CLIENT_X - 30) / 6.3);
  const rows = segs
    .map((s, i) => {
      const y = TOP + i * ROW + 14;
      const fromClient = s.from === 'client';
      const x1 = fromClient ? CLIENT_X : SERVER_X;
      const x2 = fromClient ? SERVER_X : CLIENT_X;
      const y2 = y + 14;
      const dir = fromClient ? -1 : 1;
      const head = `${px(x2)},${px(y2)} ${px(x2 + dir * 10)},${px(y2 - 6)} ${px(x2 + dir * 9)},${px(y2 + 3)}`;
      const mid = (CLIENT_X + SERVER_X) / 2;
      const when = s.time === null ? '-' : `+${duration(s.time - t0)}`;
      const more = detail(s);
      const kind = fromClient ? 's-client' : 's-server';
      return `<g class="mark seg ${kind}" data-flags="${esc(s.flags)}" data-from="${s.from}" data-len="${s.len}" data-packet="${s.packet}">
<title>${esc(`frame ${s.packet}, ${s.from} → ${fromClient ? 'server' : 'client'}: ${label(s)}${more === '' ? '' : `\n${more}`}`)}</title>
<text class="time" x="${CLIENT_X - 16}" y="${px(y + 4)}">${esc(when)}</text>
<text class="frame-no" x="${SERVER_X + 14}" y="${px(y + 4)}">#${s.packet}</text>
<line class="arrow" x1="${px(x1)}" y1="${px(y)}" x2="${px(x2)}" y2="${px(y2)}"/><polygon class="head" points="${head}"/>
<text class="seg-label" x="${px(mid)}" y="${px(y - 2)}">${esc(fit(label(s), chars))}</text>
${more === '' ? '' : `<text class="seg-detail" x="${px(mid)}" y="${px(y2 + 12)}">${esc(fit(more, chars + 12))}</text>`}
</g>`;
    })
    .join('\n');
  const bottom = TOP + segs.length * ROW;
  const id = `ladder-${stream.stream}`;
  const title = `Stream ${stream.stream} ladder: ${stream.client} ⇄ ${stream.server}`;
  const notDrawn =
    stream.segmentsNotDrawn > 0
      ? `<text class="not-drawn" x="${px((CLIENT_X + SERVER_X) / 2)}" y="${bottom + 24}">${count(stream.segmentsNotDrawn)} more segments not drawn</text>`
      : '';
  return `<figure class="chart ladder" data-chart="${id}">
<figcaption id="chart-${id}">${esc(title)}</figcaption>
<p class="note">One arrow a segment, in capture order (${segs.length} drawn${stream.segmentsNotDrawn > 0 ? `, ${count(stream.segmentsNotDrawn)} more not drawn` : ''}); seq and ack are relative, as Wireshark shows them; len is the TCP payload in bytes.</p>
<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="chart-${id}" xmlns="http://www.w3.org/2000/svg">
<title>${esc(title)}</title>
<g class="legend" transform="translate(${CLIENT_X},16)"><g class="legend-item"><line class="s-client" x1="0" x2="18" y1="-4" y2="-4"/><text x="23">client → server</text></g><g class="legend-item" transform="translate(150,0)"><line class="s-server" x1="0" x2="18" y1="-4" y2="-4"/><text x="23">server → client</text></g></g>
<text class="axis-label y" x="10" y="${TOP - 46}">time since the stream's first packet ↓</text>
<text class="axis-label x endpoint" x="${CLIENT_X}" y="${TOP - 22}">client ${esc(stream.client)}</text>
<text class="axis-label x endpoint" x="${SERVER_X}" y="${TOP - 22}">server ${esc(stream.server)}</text>
<line class="timeline" x1="${CLIENT_X}" x2="${CLIENT_X}" y1="${TOP - 12}" y2="${bottom}"/>
<line class="timeline" x1="${SERVER_X}" x2="${SERVER_X}" y1="${TOP - 12}" y2="${bottom}"/>
${rows}
${notDrawn}
<desc>${esc(`${segs.length} segments over ${duration(span)}`)}</desc>
</svg>
</figure>`;
}
