/** Traffic over time: packets (or bytes) per interval, in and out (and other when there is any), as step lines. */
import type { TrafficSeries } from '../types.js';
import { linear, niceMax, niceTicks } from './axis.js';
import { duration, tick, timeUnit } from './format.js';
import { frame, plotArea, type LegendItem } from './frame.js';
import { px } from './html.js';

const HEIGHT = 270;
const DIRECTIONS = [
  { key: 'in', cls: 's-in', label: 'in (to a local address)' },
  { key: 'out', cls: 's-out', label: 'out (from a local address)' },
  { key: 'other', cls: 's-other', label: 'other' },
] as const;

/**
 * @param what packets or bytes per interval
 */
export function trafficChart(series: TrafficSeries, what: 'packets' | 'bytes'): string {
  const { w, h } = plotArea(HEIGHT);
  const n = Math.max(series.buckets, 1);
  const span = n * series.interval;
  const { unit, factor } = timeUnit(span);
  const shown = DIRECTIONS.filter((d) => d.key !== 'other' || series.other[what].some((v) => v > 0));
  const max = niceMax(Math.max(0, ...shown.flatMap((d) => series[d.key][what])));
  const x = linear(0, span * factor, 0, w);
  const y = linear(0, max, h, 0);
  const per = duration(series.interval);
  const paths = shown
    .map((d) => {
      const values = series[d.key][what];
      let path = `M0 ${px(y(values[0] ?? 0))}`;
      for (let i = 0; i < values.length; i++) {
        path += `V${px(y(values[i]!))}H${px(x((i + 1) * series.interval * factor))}`;
      }
      const total = values.reduce((a, b) => a + b, 0);
      return `<path class="mark line ${d.cls}" d="${path}"><title>${d.label}: ${total} ${what} in all</title></path>`;
    })
    .join('');
  const legend: LegendItem[] = shown.map((d) => ({ cls: d.cls, label: d.label, kind: 'line' }));
  return frame({
    chart: `traffic-${what}`,
    title: `Traffic over time: ${what} per ${per}`,
    note: `${series.buckets} intervals of ${per} from the first packet; exact counts${series.untimed > 0 ? `; ${series.untimed} packets without a timestamp are not drawn` : ''}.`,
    height: HEIGHT,
    xLabel: `time since the first packet (${unit})`,
    yLabel: `${what} per ${per}`,
    xTicks: niceTicks(0, span * factor, 8).map((v) => ({ at: x(v), label: tick(v) })),
    yTicks: niceTicks(0, max, 4).map((v) => ({ at: y(v), label: tick(v) })),
    legend,
    body: paths,
  });
}
