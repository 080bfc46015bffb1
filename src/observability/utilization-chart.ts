/**
 * The picture of trunk utilization against the rules' thresholds, as browser code: the status
 * page draws it from status.json every two seconds, `plan --report` once from the data it
 * carries. Both pages put these texts first in their one inline `<script>` and `<style>`.
 *
 * What the script draws from (StatusSnapshot's shape, status-model.ts): `snap.bucketMs`,
 * `snap.eventTime` (the end of open firing periods) and per group `points`
 * ([bucket start, Σ calls / Σ capacity, busiest trunk]) and `rules` (thresholds, firing
 * periods). A group may also carry `marks`, adjustments to mark in time
 * ({ key, ruleId, at, text }); the status page lists its adjustments in tables instead.
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

// Runs in the browser. Every piece of data reaches the DOM through textContent or an
// attribute, never as markup. No template literals here: this text is one itself.
// The plots' axes format the zone's wall-clock times here; `zone` is set by the page
// before it draws.
export const UTILIZATION_CHART_SCRIPT = `
const SVGNS = 'http://www.w3.org/2000/svg';
const COLORS = ['#c2410c', '#0f766e', '#7c3aed', '#b91c1c', '#0369a1', '#a16207', '#be185d', '#4d7c0f'];
let zone = 'UTC';

function build(ns, tag, attrs, children) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const k in attrs || {}) {
    const v = attrs[k];
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.setAttribute('class', v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children || []) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const h = (tag, attrs, ...children) => build(null, tag, attrs, children);
const s = (tag, attrs, ...children) => build(SVGNS, tag, attrs, children);

function fmt(ms, opts) {
  return new Intl.DateTimeFormat('en-GB', Object.assign({ timeZone: zone, hourCycle: 'h23' }, opts)).format(ms);
}
const hm = (ms) => fmt(ms, { hour: '2-digit', minute: '2-digit' });
const day = (ms) => fmt(ms, { weekday: 'short', day: 'numeric', month: 'short' });
const dayHm = (ms) => (ms === null || ms === undefined ? '' : day(ms) + ' ' + hm(ms));

function zoneOffset(ms) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(ms)) p[x.type] = Number(x.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(ms / 60000) * 60000;
}

// Plot geometry. Stretches without samples (a replay's jumps, a stream that stopped)
// are drawn as narrow breaks so the hours that have data keep their width.
const W = 980, L = 200, R = 14, T = 10, PH = 190, BRK = 30, LANE = 18;

function segmentsOf(points, bucketMs) {
  const segs = [];
  let cur = null;
  for (const p of points) {
    if (cur === null || p[0] - cur.to > 5 * bucketMs) {
      cur = { from: p[0], to: p[0] };
      segs.push(cur);
    } else cur.to = p[0];
  }
  for (const sg of segs) sg.to += bucketMs;
  const total = segs.reduce((a, sg) => a + (sg.to - sg.from), 0);
  const avail = W - L - R - BRK * Math.max(0, segs.length - 1);
  let x = L;
  for (const sg of segs) {
    sg.x0 = x;
    sg.w = (avail * (sg.to - sg.from)) / total;
    x += sg.w + BRK;
  }
  return segs;
}

function xMapper(segs) {
  return (t) => {
    for (let i = 0; i < segs.length; i++) {
      const sg = segs[i];
      if (t < sg.from) {
        if (i === 0) return sg.x0;
        const p = segs[i - 1];
        return p.x0 + p.w + (BRK * (t - p.to)) / (sg.from - p.to);
      }
      if (t <= sg.to) return sg.x0 + (sg.w * (t - sg.from)) / (sg.to - sg.from);
    }
    const last = segs[segs.length - 1];
    return last.x0 + last.w;
  };
}

function duration(ms) {
  const hrs = Math.round(ms / 3600000);
  return hrs >= 48 ? Math.round(hrs / 24) + 'd' : hrs >= 1 ? hrs + 'h' : Math.round(ms / 60000) + 'm';
}

// An adjustment in time: a dotted line through the plot, a triangle at its top (stacked when
// several fall on the same moment, so each keeps its own hover text) and a diamond in its
// rule's lane.
function adjustmentMarks(svg, g, x, lanesTop) {
  const stacked = new Map();
  for (const m of g.marks || []) {
    const i = g.rules.findIndex((r) => r.id === m.ruleId);
    const color = i < 0 ? 'var(--accent)' : COLORS[i % COLORS.length];
    const mx = x(m.at);
    const slot = Math.round(mx);
    const k = stacked.get(slot) || 0;
    stacked.set(slot, k + 1);
    const ty = T + 1 + k * 9;
    const parts = [
      s('title', {}, m.text),
      s('line', { x1: mx, x2: mx, y1: T, y2: T + PH, stroke: color }),
      s('path', { d: 'M' + (mx - 5) + ' ' + ty + 'h10l-5 8z', fill: color }),
    ];
    if (i >= 0) {
      const cy = lanesTop + i * LANE + 6.5;
      parts.push(s('path', { d: 'M' + mx + ' ' + (cy - 6) + 'l6 6l-6 6l-6 -6z', fill: color }));
    }
    svg.append(s('g', { class: 'adjustment', 'data-key': m.key, 'data-rule': m.ruleId, 'data-at': m.at }, ...parts));
  }
}

function chart(g, snap) {
  const y = (v) => T + PH - Math.max(0, Math.min(1, v)) * PH;
  const lanesTop = T + PH + 44;
  const H = lanesTop + g.rules.length * LANE + 6;
  const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, 'data-group': g.name, role: 'img', 'aria-label': 'utilization of trunk group ' + g.name });
  if (g.points.length === 0) {
    svg.append(s('text', { x: L, y: T + 20 }, 'no samples yet'));
    return svg;
  }
  const segs = segmentsOf(g.points, snap.bucketMs);
  const x = xMapper(segs);
  const now = snap.eventTime;
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    svg.append(s('text', { x: L - 8, y: y(v) + 4, 'text-anchor': 'end' }, v.toFixed(2)));
  }
  svg.append(s('text', { x: L - 48, y: T + PH / 2 + 4, 'text-anchor': 'end', class: 'lane-label' }, 'utilization'));
  for (let i = 1; i < segs.length; i++) {
    const p = segs[i - 1];
    const gx = p.x0 + p.w;
    svg.append(s('rect', { class: 'gap', x: gx + 2, y: T, width: BRK - 4, height: PH }, s('title', {}, 'no samples for ' + duration(segs[i].from - p.to))));
    svg.append(s('text', { x: gx + BRK / 2, y: T + PH / 2, 'text-anchor': 'middle' }, '+' + duration(segs[i].from - p.to)));
  }
  g.rules.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    for (const p of r.periods) {
      const x1 = x(p.from);
      const x2 = x(p.to === null ? now : p.to);
      svg.append(s('rect', { class: 'firing', 'data-rule': r.id, 'data-from': p.from, 'data-to': p.to === null ? now : p.to, x: x1, y: T, width: Math.max(2, x2 - x1), height: PH, fill: color, 'fill-opacity': 0.12 }, s('title', {}, r.id + ' firing ' + dayHm(p.from) + ' – ' + (p.to === null ? 'now' : dayHm(p.to)))));
    }
  });
  let dMean = '';
  let dMax = '';
  for (const sg of segs) {
    let first = true;
    for (const p of g.points) {
      if (p[0] < sg.from || p[0] >= sg.to) continue;
      const px = x(p[0] + snap.bucketMs / 2).toFixed(1);
      dMean += (first ? 'M' : 'L') + px + ' ' + y(p[1]).toFixed(1);
      dMax += (first ? 'M' : 'L') + px + ' ' + y(p[2]).toFixed(1);
      first = false;
    }
  }
  svg.append(s('path', { class: 'util-max', d: dMax }, s('title', {}, 'busiest trunk')));
  svg.append(s('path', { class: 'util', d: dMean }, s('title', {}, g.name + ': Σ active calls / Σ capacity')));
  g.rules.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    for (const t of r.thresholds) {
      if (t.metric !== 'utilization') continue;
      svg.append(s('line', { class: 'threshold', 'data-rule': r.id, x1: L, x2: W - R, y1: y(t.value), y2: y(t.value), stroke: color }, s('title', {}, r.id + ': ' + t.aggregate + ' ' + t.window + ' ' + t.op + ' ' + t.value)));
    }
  });
  // time axis: ticks on round local times inside each stretch, the date under its start
  const steps = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * 60000);
  for (const sg of segs) {
    const perMs = sg.w / (sg.to - sg.from);
    const step = steps.find((st) => st * perMs >= 60) || steps[steps.length - 1];
    const off = zoneOffset(sg.from);
    for (let t = Math.ceil((sg.from + off) / step) * step - off; t <= sg.to; t += step) {
      svg.append(s('line', { class: 'grid', x1: x(t), x2: x(t), y1: T + PH, y2: T + PH + 4 }));
      svg.append(s('text', { x: x(t), y: T + PH + 16, 'text-anchor': 'middle' }, hm(t)));
    }
    svg.append(s('text', { x: sg.x0, y: T + PH + 32, class: 'lane-label' }, day(sg.from)));
  }
  g.rules.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    const ly = lanesTop + i * LANE;
    svg.append(s('text', { x: L - 8, y: ly + 11, 'text-anchor': 'end', class: 'lane-label' + (r.firing ? ' now' : '') }, r.id));
    svg.append(s('rect', { class: 'lane', x: L, y: ly, width: W - L - R, height: 13 }));
    for (const p of r.periods) {
      const x1 = x(p.from);
      const x2 = x(p.to === null ? now : p.to);
      svg.append(s('rect', { class: 'period', 'data-rule': r.id, 'data-from': p.from, 'data-to': p.to === null ? now : p.to, x: x1, y: ly, width: Math.max(2, x2 - x1), height: 13, fill: color }, s('title', {}, r.id + ' firing on ' + p.scope + ': ' + dayHm(p.from) + ' – ' + (p.to === null ? 'now' : dayHm(p.to)))));
    }
  });
  adjustmentMarks(svg, g, x, lanesTop);
  return svg;
}

// nowLabel: what the last column calls the end of the data ('now' on a live page)
function legend(g, nowLabel) {
  const rows = g.rules.map((r, i) => {
    const sw = h('span', { class: 'swatch' });
    sw.style.background = COLORS[i % COLORS.length];
    return h('tr', {}, h('td', {}, sw, r.id), h('td', {}, r.condition), h('td', { class: 'num' }, String(r.periods.length)), h('td', { class: r.firing ? 'firing-now' : 'muted' }, r.firing ? 'firing' : 'quiet'));
  });
  return h('table', { class: 'legend' }, h('thead', {}, h('tr', {}, h('th', {}, 'rule (dashed line: utilization threshold, shading: firing)'), h('th', {}, 'condition'), h('th', {}, 'fired'), h('th', {}, nowLabel || 'now'))), h('tbody', {}, ...rows));
}

// One trunk group's box: heading, what the plot shows over which span, the plot, the legend.
function chartBox(g, snap, nowLabel) {
  const range = g.points.length ? dayHm(g.points[0][0]) + ' – ' + dayHm(g.points[g.points.length - 1][0] + snap.bucketMs) : 'no samples';
  return h('div', { class: 'chart' }, h('h3', {}, 'trunk group ' + g.name), h('div', { class: 'muted small' }, g.trunks + ' trunks · utilization per ' + duration(snap.bucketMs) + ' (Σ active calls / Σ capacity; thin line: busiest trunk) · ' + range + ' ' + zone), chart(g, snap), legend(g, nowLabel));
}
`;
