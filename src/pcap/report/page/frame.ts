/**
 * The frame every chart shares: a figure with its title, an SVG with both
 * axes (ticks and a label with its unit), a legend, and the marks the chart
 * draws inside the plot area. Colours come from CSS classes (light, dark and
 * print palettes in style.ts), never from inline styles, which the page's
 * Content-Security-Policy forbids.
 */
import { esc, px } from './html.js';

export const WIDTH = 880;

/** A tick at a position along its axis, in plot pixels. */
export interface Tick {
  at: number;
  label: string;
}

/** One legend entry: the CSS class of its colour and how it is drawn. */
export interface LegendItem {
  cls: string;
  label: string;
  kind: 'line' | 'box' | 'dash';
}

export interface FrameSpec {
  /** data-chart: what the chart is (tests and print styles find it by this). */
  chart: string;
  title: string;
  height: number;
  xLabel: string;
  yLabel: string;
  xTicks: Tick[];
  yTicks: Tick[];
  legend: LegendItem[];
  /** Marks, in plot coordinates (0,0 is the top left of the plot area). */
  body: string;
  /** Plot width and height are WIDTH/height minus these. */
  margin?: { top: number; right: number; bottom: number; left: number };
  /** A line under the title (what is drawn, how it was downsampled). */
  note?: string;
}

export const MARGIN = { top: 34, right: 20, bottom: 48, left: 70 };

/** The plot area of a frame of this height. */
export function plotArea(height: number, margin = MARGIN): { w: number; h: number } {
  return { w: WIDTH - margin.left - margin.right, h: height - margin.top - margin.bottom };
}

/** The figure's HTML. */
export function frame(spec: FrameSpec): string {
  const m = spec.margin ?? MARGIN;
  const { w, h } = plotArea(spec.height, m);
  const id = `chart-${spec.chart}`;
  const xTicks = spec.xTicks
    .map((t) => `<g class="tick" transform="translate(${px(t.at)},${px(h)})"><line y2="5"/><text y="18">${esc(t.label)}</text></g>`)
    .join('');
  const yTicks = spec.yTicks
    .map((t) => `<g class="tick" transform="translate(0,${px(t.at)})"><line class="grid" x2="${px(w)}"/><line x1="-5"/><text x="-8" dy="4">${esc(t.label)}</text></g>`)
    .join('');
  let lx = 0;
  const legend = spec.legend
    .map((item) => {
      const swatch =
        item.kind === 'box'
          ? `<rect class="${item.cls}" x="0" y="-9" width="14" height="10"/>`
          : `<line class="${item.cls}${item.kind === 'dash' ? ' dash' : ''}" x1="0" x2="18" y1="-4" y2="-4"/>`;
      const g = `<g class="legend-item" transform="translate(${lx},0)">${swatch}<text x="${item.kind === 'box' ? 19 : 23}">${esc(item.label)}</text></g>`;
      lx += 30 + item.label.length * 7;
      return g;
    })
    .join('');
  return `<figure class="chart" data-chart="${esc(spec.chart)}">
<figcaption id="${id}">${esc(spec.title)}</figcaption>${spec.note === undefined ? '' : `<p class="note">${esc(spec.note)}</p>`}
<svg viewBox="0 0 ${WIDTH} ${spec.height}" role="img" aria-labelledby="${id}" xmlns="http://www.w3.org/2000/svg">
<title>${esc(spec.title)}</title>
<g class="legend" transform="translate(${m.left},16)">${legend}</g>
<g transform="translate(${m.left},${m.top})">
<g class="axis y">${yTicks}<line class="domain" y2="${px(h)}"/></g>
<g class="axis x">${xTicks}<line class="domain" y1="${px(h)}" y2="${px(h)}" x2="${px(w)}"/></g>
<g class="marks">${spec.body}</g>
<text class="axis-label x" x="${px(w / 2)}" y="${px(h + 38)}">${esc(spec.xLabel)}</text>
<text class="axis-label y" transform="translate(${-m.left + 16},${px(h / 2)}) rotate(-90)">${esc(spec.yLabel)}</text>
</g>
</svg>
</figure>`;
}
