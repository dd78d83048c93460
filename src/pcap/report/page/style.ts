/**
 * The page's only style sheet. Colours are CSS variables with a light and a
 * dark palette (prefers-color-scheme) and a print palette (black on white,
 * charts kept whole on a page); the SVG charts take their colours from the
 * same classes.
 */
export const STYLE = `
:root{color-scheme:light dark;--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--grid:#e8ecf0;--card:#f6f8fa;
--in:#0969da;--out:#bc4c00;--other:#8c959f;--client:#1a7f37;--server:#8250df;--mean:#cf222e;--median:#0550ae;
--warn-bg:#fff8c5;--warn-fg:#3b2300;--warn-line:#d4a72c;--bar:#54aeff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--grid:#21262d;--card:#151b23;
--in:#4493f8;--out:#f0883e;--other:#6e7681;--client:#3fb950;--server:#ab7df8;--mean:#ff7b72;--median:#79c0ff;
--warn-bg:#272115;--warn-fg:#f2cc60;--warn-line:#9e6a03;--bar:#1f6feb}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:940px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:24px 0 6px}
.sub,.note{color:var(--muted);margin:2px 0 8px}.note{font-size:.87rem}
.warnings{background:var(--warn-bg);color:var(--warn-fg);border:1px solid var(--warn-line);border-radius:6px;padding:8px 14px;margin:16px 0}
.warnings h2{border:0;margin:0 0 4px;font-size:1rem;padding:0}.warnings ul{margin:0;padding-left:20px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-weight:600;color:var(--muted);font-size:.85rem}
td.num,th.num{text-align:right;white-space:nowrap}table.summary{width:auto}table.summary th{font-weight:600;padding-right:28px}
.lvl1{padding-left:24px}.lvl2{padding-left:40px}.lvl3{padding-left:56px}.lvl4{padding-left:72px}.lvl5{padding-left:88px}
th.lvl0,th.lvl1,th.lvl2,th.lvl3,th.lvl4,th.lvl5{font-weight:500}
.bar-cell{white-space:nowrap;width:180px}svg.pct{width:110px;height:8px;vertical-align:middle}
.pct-track{fill:var(--grid)}.pct-fill{fill:var(--bar)}
.grid-2{display:grid;grid-template-columns:1fr;gap:0}
figure.chart{margin:14px 0 18px;padding:10px 12px 6px;background:var(--card);border:1px solid var(--line);border-radius:8px}
figcaption{font-weight:600}
figure.chart svg{width:100%;height:auto;display:block;font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
svg text{fill:var(--fg)}
.axis line,.axis .domain{stroke:var(--muted);stroke-width:1}.axis .grid{stroke:var(--grid)}
.axis.x text{text-anchor:middle}.axis.y text{text-anchor:end}.tick text{fill:var(--muted)}
.axis-label{font-weight:600;fill:var(--muted)}.axis-label.x{text-anchor:middle}.axis-label.y{text-anchor:middle}
.legend text{fill:var(--fg)}
.legend line{stroke-width:3}
.line{fill:none;stroke-width:2;stroke-linejoin:round}
line.s-in,path.s-in{stroke:var(--in)}line.s-out,path.s-out{stroke:var(--out)}line.s-other,path.s-other{stroke:var(--other)}
rect.s-in{fill:var(--in)}rect.s-out{fill:var(--out)}rect.s-other{fill:var(--other)}
line.s-client,polyline.s-client{stroke:var(--client)}line.s-server,polyline.s-server{stroke:var(--server)}
.dot.s-client{fill:var(--client)}.dot.s-server{fill:var(--server)}
.bar{opacity:.85}
line.mean{stroke:var(--mean);stroke-width:2}line.median{stroke:var(--median);stroke-width:2}.dash{stroke-dasharray:5 4}
.ladder .timeline{stroke:var(--muted);stroke-width:2}
.ladder .endpoint{text-anchor:middle;fill:var(--fg)}.ladder .axis-label.y{text-anchor:start}
.seg .arrow{stroke-width:1.6}.seg.s-client .arrow{stroke:var(--client)}.seg.s-server .arrow{stroke:var(--server)}
.seg.s-client .head{fill:var(--client)}.seg.s-server .head{fill:var(--server)}.seg .head{stroke:none}
.seg .seg-label{text-anchor:middle;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11px}
.seg .seg-detail{text-anchor:middle;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:10.5px;fill:var(--muted)}
.seg .time{text-anchor:end;fill:var(--muted);font-size:11px}.seg .frame-no{fill:var(--muted);font-size:11px}
.not-drawn{text-anchor:middle;fill:var(--muted);font-style:italic}
.tls-badge{display:inline-block;border:1px solid var(--line);border-radius:12px;padding:0 10px;margin-left:6px;font-size:.82rem;font-weight:500;background:var(--bg)}
a{color:var(--in)}
footer{margin-top:40px;color:var(--muted);font-size:.8rem}
@media print{:root{--bg:#fff;--fg:#000;--muted:#333;--line:#999;--grid:#ddd;--card:#fff;--warn-bg:#fff;--warn-fg:#000}
body{font-size:11pt}main{max-width:none;padding:0}figure.chart,table,.warnings{break-inside:avoid}figure.chart.ladder{break-inside:auto}
h2,h3{break-after:avoid}a{color:inherit;text-decoration:none}}
`;
