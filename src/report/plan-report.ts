import { createHash } from 'node:crypto';
import { UTILIZATION_CHART_SCRIPT, UTILIZATION_CHART_STYLE } from '../observability/utilization-chart.js';
import type { DryRunReport } from '../planner/dry-run.js';
import { formatLocalSpan } from '../time/local-format.js';
import type { PlanPicture } from './plan-picture.js';
import {
  ADJUSTMENT_COLUMNS,
  adjustmentRow,
  planCounts,
  SKIP_COLUMNS,
  skipRow,
  subject,
} from './plan-rows.js';

export interface PlanReportInput {
  plan: DryRunReport;
  picture: PlanPicture;
  /** where the plan came from, shown under the title: rules, events, schedule */
  sources: Array<{ label: string; value: string }>;
}

/**
 * `plan --report`: the plan as one HTML file that needs nothing but a browser: its style,
 * script and data are inline, and its Content-Security-Policy allows exactly those and no
 * request at all (`default-src 'none'`), so the file opened from a mail or a ticket fetches
 * nothing. The plots are the status page's (utilization-chart.ts) drawn from `picture`;
 * the tables are the text output's rows, written here so they read without the script.
 */
export function renderPlanReport(input: PlanReportInput): string {
  const { plan, picture } = input;
  const zone = picture.zone;
  const notes = new Map(plan.notes.map((n) => [n.key, n.note]));
  const policy = [
    "default-src 'none'",
    `script-src ${sha256(REPORT_SCRIPT)}`,
    `style-src ${sha256(REPORT_STYLE)}`,
    // the blank favicon, so that the browser does not ask for /favicon.ico
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  const adjustments =
    plan.adjustments.length === 0
      ? '<p class="muted">No adjustments.</p>'
      : table(
          'adjustments',
          ADJUSTMENT_COLUMNS,
          plan.adjustments.map((a) => ({
            attrs: { 'data-key': a.key, 'data-rule': a.ruleId },
            cells: adjustmentRow(a, zone),
          })),
        );
  const held = plan.adjustments.flatMap((a) => {
    const n = notes.get(a.key);
    return n ? [`<li data-key="${esc(a.key)}">${esc(subject(a))}: ${esc(n)}</li>`] : [];
  });
  const skipped =
    plan.skipped.length === 0
      ? ''
      : `<section><h2>Passed over</h2>${table(
          'skipped',
          SKIP_COLUMNS,
          plan.skipped.map((s) => ({ attrs: { 'data-rule': s.ruleId }, cells: skipRow(s, zone) })),
        )}</section>`;
  const refused =
    plan.rejected.length === 0
      ? ''
      : `<section><h2>Events refused</h2><ul id="refused">${plan.rejected
          .map((x) => `<li>line ${x.line}: [${esc(x.code)}] ${esc(x.message)}</li>`)
          .join('')}</ul></section>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>trunk-reactor plan</title>
<link rel="icon" href="data:,">
<style>${REPORT_STYLE}</style>
</head>
<body>
<header>
  <h1>trunk-reactor plan</h1>
  <dl class="sources">${input.sources.map((s) => `<dt>${esc(s.label)}</dt><dd>${esc(s.value)}</dd>`).join('')}</dl>
  <p id="counts">${esc(planCounts(plan))}</p>
  <p id="span">${picture.span === null ? 'no readable events' : `events from ${esc(formatLocalSpan(picture.span.from, picture.span.to, zone))}`}</p>
  <p id="zone" data-zone="${esc(zone)}">times in ${esc(zone)}, UTC beside; nothing was written</p>
</header>
<main>
  <section>
    <h2>Trunk utilization against the rules' thresholds</h2>
    <p class="muted">Shading and the lanes under each plot: when a rule fired. Triangles, dotted lines and diamonds: the planned adjustments, at the event time that triggered them (hover for the reason).</p>
    <div id="charts"><p class="muted">The plots need JavaScript.</p></div>
  </section>
  <section>
    <h2>Adjustments</h2>
    ${adjustments}
    ${held.length > 0 ? `<ul id="notes">${held.join('')}</ul>` : ''}
  </section>
  ${skipped}
  ${refused}
</main>
<script type="application/json" id="plan-data">${json(picture)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}

interface Row {
  attrs: Record<string, string>;
  cells: string[];
}

function table(id: string, head: readonly string[], rows: Row[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows
    .map((r) => {
      const attrs = Object.entries(r.attrs)
        .map(([k, v]) => ` ${k}="${esc(v)}"`)
        .join('');
      return `<tr${attrs}>${r.cells.map((c, i) => `<td class="c${i}">${esc(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside a script element: no `<` may end it early. */
const json = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

const REPORT_STYLE = `
:root { --fg:#1d2430; --muted:#5b6576; --line:#d9dee7; --bg:#f6f7f9; --card:#fff; --accent:#1f4e8c; --bad:#b42318; --ok:#17734a; --warn:#a15c00; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--fg); background:var(--bg); }
header { padding:16px 24px; background:var(--card); border-bottom:1px solid var(--line); }
header p { margin:4px 0 0; }
h1 { font-size:20px; margin:0 0 4px; }
h2 { font-size:16px; margin:24px 0 8px; }
h3 { font-size:14px; margin:0 0 4px; }
main { padding:0 24px 24px; }
.muted { color:var(--muted); }
.small { font-size:12px; }
.sources { display:grid; grid-template-columns:max-content 1fr; gap:0 12px; margin:4px 0; font-size:12px; }
.sources dt { color:var(--muted); }
.sources dd { margin:0; font-family:ui-monospace, "DejaVu Sans Mono", monospace; }
${UTILIZATION_CHART_STYLE.trim()}
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; background:#fafbfc; }
td.c0 { font-variant-numeric:tabular-nums; white-space:nowrap; }
td.c1 { white-space:nowrap; font-weight:600; }
td.num { font-variant-numeric:tabular-nums; white-space:nowrap; }
.firing-now { color:var(--bad); font-weight:700; }
#notes, #refused { font-size:12px; color:var(--warn); }
`;

// Runs in the browser: the shared chart code, then the plots from the data block.
const REPORT_SCRIPT = `
'use strict';
${UTILIZATION_CHART_SCRIPT.trim()}

const data = JSON.parse(document.getElementById('plan-data').textContent);
zone = data.zone;
const boxes = data.groups.map((g) => chartBox(g, data, 'at the end'));
document.getElementById('charts').replaceChildren(...(boxes.length ? boxes : [h('p', { class: 'muted' }, 'No samples.')]));
document.body.setAttribute('data-drawn', 'true');
`;
