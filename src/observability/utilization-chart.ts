import { browserScript } from './browser-script.js';

/**
 * The picture of trunk utilization against the rules' thresholds: the status page draws it from
 * status.json every two seconds, `plan --report` once from the data it carries. Its code is
 * browser TypeScript (status-page/chart.ts); the status page's script bundles it, and a page
 * that draws from its own inline script puts UTILIZATION_CHART_SCRIPT first in it. Both pages
 * put UTILIZATION_CHART_STYLE in their one inline `<style>`.
 */

export const UTILIZATION_CHART_STYLE = `
.chart { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; margin-bottom:16px; }
.chart svg { width:100%; height:auto; display:block; }
.chart svg text { font-size:11px; fill:var(--muted); }
.chart svg text.lane-label { fill:var(--fg); }
.chart svg text.lane-label.now { font-weight:700; }
.chart .util { fill:none; stroke:var(--accent); stroke-width:2; }
.chart .util-max { fill:none; stroke:#9bb3d6; stroke-width:1; }
.chart .grid { stroke:var(--line); stroke-width:1; }
.chart .gap { fill:#eceff4; }
.chart .lane { fill:#f0f2f5; }
.chart .threshold { stroke-width:1.5; stroke-dasharray:6 4; }
.chart .adjustment line { stroke-width:1; stroke-dasharray:2 2; }
.chart .adjustment path { stroke:#fff; stroke-width:1; }
.chart .adjustment:hover line { stroke-width:2; stroke-dasharray:none; }
.legend { width:100%; margin-top:8px; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; }
`;

/**
 * The chart as the start of a classic inline script: defines `h` (an element from data,
 * status-page/dom.ts), `zone` (the zone the plots' axes show, 'UTC' until the page sets it)
 * and `chartBox(group, data, nowLabel?)`, one trunk group's box drawn from data shaped like
 * StatusSnapshot (status-model.ts): `bucketMs`, `eventTime` (the end of open firing periods)
 * and the group's `points` and `rules`. A group may also carry `marks`, adjustments to mark
 * in time ({ key, ruleId, at, text }).
 */
export const UTILIZATION_CHART_SCRIPT = `${browserScript('utilization-chart').trim()}
const h = utilizationChart.h;
let zone = 'UTC';
const chartBox = (g, data, nowLabel) => utilizationChart.chartBox(g, Object.assign({}, data, { zone }), nowLabel);
`;
