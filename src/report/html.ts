// The HTML trace report: one self-contained page (inline CSS, inline script, the statecharts as inline SVG laid out
// by Graphviz through src/diagram; no network at view time, no external scripts or fonts) with a timeline of each
// run and the states active at the selected row highlighted in every chart. Prev/Next and the arrow keys step.
import { readFileSync } from 'node:fs';
import { toSvg } from '../diagram/diagram.ts';
import { machines } from '../diagram/machines.ts';
import type { ReportData } from './report-data.ts';

const PAGE_SCRIPT = new URL('./page.js', import.meta.url);

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON inside <script type="application/json">: `<` escaped so no `</script>` or `<!--` can end it early. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** Graphviz's SVG without the XML prolog and DOCTYPE, its element ids prefixed with the chart's name (ids must be
 * unique in the page, and Graphviz numbers them from 1 in every drawing). */
export function inlineSvg(svg: string, prefix: string): string {
  const start = svg.indexOf('<svg');
  if (start < 0) throw new Error('not an SVG drawing');
  return svg
    .slice(start)
    .replace(/ id="([^"]*)"/g, (_, id: string) => ` id="${prefix}-${id}"`)
    .replace(/<svg width="[^"]*" height="[^"]*"/, '<svg role="img"')
    .trim();
}

const CSS = `
:root { --ink: #1a202c; --muted: #4a5568; --line: #cbd5e0; --accent: #d97706; --active: #fde68a; --pass: #276749; --fail: #c53030; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 10px 16px; border-bottom: 1px solid var(--line); display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 17px; margin: 0; }
header .sub { color: var(--muted); }
header .totals .pass { color: var(--pass); font-weight: 600; }
header .totals .fail { color: var(--fail); font-weight: 600; }
main { display: grid; grid-template-columns: minmax(340px, 38%) 1fr; height: calc(100vh - 48px); }
#side { border-right: 1px solid var(--line); display: flex; flex-direction: column; min-height: 0; }
#side .bar { padding: 8px 12px; border-bottom: 1px solid var(--line); display: flex; flex-direction: column; gap: 6px; }
#run { width: 100%; font: inherit; }
.controls { display: flex; align-items: center; gap: 8px; }
.controls button { font: inherit; padding: 3px 12px; border: 1px solid var(--muted); border-radius: 4px; background: #f7fafc; cursor: pointer; }
.controls button:disabled { opacity: 0.4; cursor: default; }
#position { color: var(--muted); font-variant-numeric: tabular-nums; }
.hint { color: var(--muted); font-size: 12px; }
#timeline { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
#timeline .row { display: grid; grid-template-columns: 3.2em 6.5em 1fr; gap: 6px; padding: 2px 10px; border-left: 4px solid transparent; cursor: pointer; }
#timeline .row:hover { background: #f7fafc; }
#timeline .row.selected { background: var(--active); border-left-color: var(--accent); }
#timeline .n { color: var(--muted); text-align: right; }
#timeline .kind { font-weight: 600; }
#timeline .text { white-space: pre-wrap; word-break: break-word; }
.kind-submit .kind { color: #2b6cb0; }
.kind-completion .kind { color: #2c7a7b; }
.kind-aen .kind { color: #b83280; }
.kind-receipt .kind { color: #6b46c1; }
.kind-log .kind { color: #975a16; }
.kind-register .kind, .kind-lifecycle .kind, .kind-note .kind, .kind-start .kind { color: var(--muted); }
.row.held .kind { color: var(--pass); }
.row.failed .kind, .row.failed .text { color: var(--fail); }
#charts { overflow: auto; padding: 8px 16px; display: grid; grid-template-columns: 1fr 1fr; grid-auto-flow: dense; gap: 12px; align-content: start; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; min-width: 0; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart figcaption .active-states { font-weight: 400; color: var(--accent); margin-left: 8px; }
figure.chart svg { display: block; width: 100%; height: auto; max-height: 27vh; }
g.node.active > path, g.node.active > polygon, g.node.active > ellipse { fill: var(--active); stroke: var(--accent); stroke-width: 3px; }
g.cluster.active > path, g.cluster.active > polygon { fill: #fffbeb; stroke: var(--accent); stroke-width: 2px; }
`;

export async function renderReportHtml(data: ReportData): Promise<string> {
  const figures: string[] = [];
  for (const chart of data.charts) {
    const svg = inlineSvg(await toSvg(machines[chart.name]!), chart.name);
    const wide = /viewBox="0(?:\.0+)? 0(?:\.0+)? ([\d.]+) ([\d.]+)"/.exec(svg);
    const isWide = wide !== null && Number(wide[1]) > 1.6 * Number(wide[2]);
    figures.push(`<figure class="chart${isWide ? ' wide' : ''}" data-chart="${escapeHtml(chart.name)}"><figcaption>${escapeHtml(chart.name)}<span class="active-states"></span></figcaption>\n${svg}\n</figure>`);
  }
  const { passed, failed } = data.totals;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(data.title)}</h1><span class="sub">${escapeHtml(data.subtitle)}</span><span class="totals"><span class="${failed > 0 ? 'fail' : 'pass'}">${passed} passed, ${failed} failed</span> · ${data.runs.length} run${data.runs.length === 1 ? '' : 's'}</span></header>
<main>
<section id="side" aria-label="timeline">
<div class="bar">
<select id="run" aria-label="scenario"></select>
<div class="controls"><button id="prev" type="button" aria-label="previous row">◀ Prev</button><button id="next" type="button" aria-label="next row">Next ▶</button><span id="position"></span></div>
<span class="hint">← / → step through the rows; click a row to jump to it.</span>
</div>
<ol id="timeline" role="listbox" aria-label="trace"></ol>
</section>
<section id="charts" aria-label="statecharts">
${figures.join('\n')}
</section>
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>
${readFileSync(PAGE_SCRIPT, 'utf8')}
</script>
</body>
</html>
`;
}
