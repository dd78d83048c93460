/** A TCP stream's time-sequence graph (tcptrace's, Wireshark's Stevens graph): relative sequence number reached over time, per direction. */
import type { ReportStream } from '../types.js';
import { linear, niceMax, niceTicks } from './axis.js';
import { tick, timeUnit } from './format.js';
import { frame, plotArea, type LegendItem } from './frame.js';
import { px } from './html.js';

const HEIGHT = 240;

export function timeSequenceChart(stream: ReportStream): string {
  const { w, h } = plotArea(HEIGHT);
  const t0 = stream.start ?? 0;
  const span = Math.max((stream.end ?? t0) - t0, 1e-6);
  const { unit, factor } = timeUnit(span);
  const sides = [
    { key: 'client', cls: 's-client', label: 'client → server', points: stream.timeSequence.client },
    { key: 'server', cls: 's-server', label: 'server → client', points: stream.timeSequence.server },
  ] as const;
  const max = niceMax(Math.max(0, ...sides.flatMap((s) => s.points.map((p) => p[1]))));
  const x = linear(0, span * factor, 0, w);
  const y = linear(0, max, h, 0);
  const body = sides
    .filter((s) => s.points.length > 0)
    .map((s) => {
      const pts = s.points.map(([t, seq]) => `${px(x((t - t0) * factor))},${px(y(seq))}`);
      const dots = s.points.length <= 120 ? pts.map((p) => `<circle class="dot ${s.cls}" r="2.5" cx="${p.split(',')[0]}" cy="${p.split(',')[1]}"/>`).join('') : '';
      return `<polyline class="mark line ${s.cls}" points="${pts.join(' ')}"/>${dots}`;
    })
    .join('');
  const legend: LegendItem[] = sides.map((s) => ({ cls: s.cls, label: `${s.label} (${s.points.length} points)`, kind: 'line' }));
  return frame({
    chart: `tseq-${stream.stream}`,
    title: `Stream ${stream.stream} time-sequence graph`,
    note: 'Relative sequence number after each segment (seq + len); long streams are evenly thinned to a fixed number of points.',
    height: HEIGHT,
    xLabel: `time since the stream's first packet (${unit})`,
    yLabel: 'relative sequence number (bytes)',
    xTicks: niceTicks(0, span * factor, 8).map((v) => ({ at: x(v), label: tick(v) })),
    yTicks: niceTicks(0, max, 4).map((v) => ({ at: y(v), label: tick(v) })),
    legend,
    body,
  });
}
