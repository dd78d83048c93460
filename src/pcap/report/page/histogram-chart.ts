/** The inter-arrival distribution of one direction: bars on log-scale bins, the mean and the median marked. */
import type { IatHistogram } from '../types.js';
import { linear, niceMax, niceTicks } from './axis.js';
import { duration, tick } from './format.js';
import { frame, plotArea } from './frame.js';
import { esc, px } from './html.js';

const HEIGHT = 250;

/**
 * @param direction "in" or "out"
 */
export function histogramChart(hist: IatHistogram, direction: 'in' | 'out'): string {
  const { w, h } = plotArea(HEIGHT);
  const title = `Inter-arrival times, ${direction}: ${hist.count} gaps between consecutive ${direction} packets`;
  if (hist.bins.length === 0) {
    return `<figure class="chart empty" data-chart="iat-${direction}"><figcaption>${esc(title)}</figcaption><p class="note">Fewer than two ${direction} packets: no inter-arrival times.</p></figure>`;
  }
  // Decades around the bins; the open-ended first/last bins are drawn one bin wide.
  const lows = hist.bins.map((b) => Math.log10(b.lo ?? b.hi! / 10 ** 0.2));
  const highs = hist.bins.map((b) => Math.log10(b.hi ?? b.lo! * 10 ** 0.2));
  const d0 = Math.floor(Math.min(...lows));
  const d1 = Math.ceil(Math.max(...highs));
  const x = linear(d0, d1, 0, w);
  const max = niceMax(Math.max(...hist.bins.map((b) => b.count)));
  const y = linear(0, max, h, 0);
  const bars = hist.bins
    .map((b, i) => {
      if (b.count === 0) return '';
      const x0 = x(lows[i]!);
      const x1 = x(highs[i]!);
      const range = b.lo === null ? `below ${duration(b.hi)}` : b.hi === null ? `${duration(b.lo)} and more` : `${duration(b.lo)} to ${duration(b.hi)}`;
      return `<rect class="mark bar s-${direction}" x="${px(x0 + 0.5)}" width="${px(Math.max(1, x1 - x0 - 1))}" y="${px(y(b.count))}" height="${px(h - y(b.count))}"><title>${esc(range)}: ${b.count}</title></rect>`;
    })
    .join('');
  const marker = (value: number | null, cls: string, label: string): string => {
    if (value === null || !(value > 0)) return '';
    const at = Math.min(w, Math.max(0, x(Math.log10(value))));
    return `<line class="marker ${cls}" x1="${px(at)}" x2="${px(at)}" y1="0" y2="${px(h)}"><title>${label} ${duration(value)}</title></line>`;
  };
  // Decades; over two decades or fewer also 2 and 5 times each, so the axis has more than two labels.
  const decades: number[] = [];
  for (let dd = d0; dd <= d1; dd++) {
    decades.push(dd);
    if (d1 - d0 <= 2 && dd < d1) decades.push(dd + Math.log10(2), dd + Math.log10(5));
  }
  return frame({
    chart: `iat-${direction}`,
    title,
    note: `Log-scale bins, five a decade; mean ${duration(hist.mean)}, median ${duration(hist.median)}, standard deviation ${duration(hist.std)}.`,
    height: HEIGHT,
    xLabel: 'time since the previous packet of this direction (log scale)',
    yLabel: 'packets',
    xTicks: decades.map((dd) => ({ at: x(dd), label: duration(10 ** dd) })),
    yTicks: niceTicks(0, max, 4).map((v) => ({ at: y(v), label: tick(v) })),
    legend: [
      { cls: `s-${direction}`, label: 'packets in the bin', kind: 'box' },
      { cls: 'mean', label: `mean ${duration(hist.mean)}`, kind: 'line' },
      { cls: 'median', label: `median ${duration(hist.median)}`, kind: 'dash' },
    ],
    body: bars + marker(hist.mean, 'mean', 'mean') + marker(hist.median, 'median dash', 'median'),
  });
}
