/**
 * The picture of trunk utilization against the rules' thresholds, drawn in the browser: the
 * status page draws it from status.json every two seconds, `plan --report` once from the data
 * it carries (through UTILIZATION_CHART_SCRIPT, utilization-chart.ts). Its style is
 * UTILIZATION_CHART_STYLE there.
 */
import type { StatusSnapshot } from '../status-snapshot.js';
import { h, s } from './dom.js';

type SnapshotGroup = StatusSnapshot['groups'][number];

/** An adjustment marked in time on its group's plot (the plan report's; the status page lists them in tables). */
export interface ChartMark {
  key: string;
  ruleId: string;
  /** event time of the trigger, epoch ms */
  at: number;
  /** hover text */
  text: string;
}

export type ChartGroup = SnapshotGroup & { marks?: readonly ChartMark[] };

/** What a plot is drawn from: the snapshot's zone, resolution and newest event time (the end of open firing periods). */
export type ChartFrame = Pick<StatusSnapshot, 'zone' | 'bucketMs' | 'eventTime'>;

const COLORS = ['#c2410c', '#0f766e', '#7c3aed', '#b91c1c', '#0369a1', '#a16207', '#be185d', '#4d7c0f'];
const color = (i: number) => COLORS[i % COLORS.length]!;

/** Wall-clock text in the business unit's zone: the plots' axes and hover texts. */
function clock(zone: string) {
  const format = (opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', ...opts });
  const hmFormat = format({ hour: '2-digit', minute: '2-digit' });
  const dayFormat = format({ weekday: 'short', day: 'numeric', month: 'short' });
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const hm = (ms: number) => hmFormat.format(ms);
  const day = (ms: number) => dayFormat.format(ms);
  return {
    hm,
    day,
    dayHm: (ms: number) => `${day(ms)} ${hm(ms)}`,
    /** the zone's offset from UTC at `ms`, ms: ticks fall on round local times */
    offset(ms: number): number {
      const p: Record<string, number> = {};
      for (const x of parts.formatToParts(ms)) p[x.type] = Number(x.value);
      const local = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute);
      return local - Math.floor(ms / 60000) * 60000;
    },
  };
}
type Clock = ReturnType<typeof clock>;

// Plot geometry. Stretches without samples (a replay's jumps, a stream that stopped)
// are drawn as narrow breaks so the hours that have data keep their width.
const W = 980;
const L = 200;
const R = 14;
const T = 10;
const PH = 190;
const BRK = 30;
const LANE = 18;

/** A stretch of event time with samples, and where it is drawn. */
interface Segment {
  from: number;
  to: number;
  x0: number;
  w: number;
}

function segmentsOf(points: SnapshotGroup['points'], bucketMs: number): Segment[] {
  const segs: Segment[] = [];
  let cur: Segment | null = null;
  for (const [t] of points) {
    if (cur === null || t - cur.to > 5 * bucketMs) {
      cur = { from: t, to: t, x0: 0, w: 0 };
      segs.push(cur);
    } else cur.to = t;
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

/** Event time to x; a time inside a break falls proportionally into it. */
function xMapper(segs: readonly Segment[]): (t: number) => number {
  return (t) => {
    for (let i = 0; i < segs.length; i++) {
      const sg = segs[i]!;
      if (t < sg.from) {
        if (i === 0) return sg.x0;
        const p = segs[i - 1]!;
        return p.x0 + p.w + (BRK * (t - p.to)) / (sg.from - p.to);
      }
      if (t <= sg.to) return sg.x0 + (sg.w * (t - sg.from)) / (sg.to - sg.from);
    }
    const last = segs[segs.length - 1]!;
    return last.x0 + last.w;
  };
}

function duration(ms: number): string {
  const hrs = Math.round(ms / 3600000);
  return hrs >= 48 ? `${Math.round(hrs / 24)}d` : hrs >= 1 ? `${hrs}h` : `${Math.round(ms / 60000)}m`;
}

// An adjustment in time: a dotted line through the plot, a triangle at its top (stacked when
// several fall on the same moment, so each keeps its own hover text) and a diamond in its
// rule's lane.
function adjustmentMarks(svg: SVGSVGElement, g: ChartGroup, x: (t: number) => number, lanesTop: number) {
  const stacked = new Map<number, number>();
  for (const m of g.marks ?? []) {
    const i = g.rules.findIndex((r) => r.id === m.ruleId);
    const fill = i < 0 ? 'var(--accent)' : color(i);
    const mx = x(m.at);
    const slot = Math.round(mx);
    const k = stacked.get(slot) ?? 0;
    stacked.set(slot, k + 1);
    const ty = T + 1 + k * 9;
    const parts: SVGElement[] = [
      s('title', {}, m.text),
      s('line', { x1: mx, x2: mx, y1: T, y2: T + PH, stroke: fill }),
      s('path', { d: `M${mx - 5} ${ty}h10l-5 8z`, fill }),
    ];
    if (i >= 0) {
      const cy = lanesTop + i * LANE + 6.5;
      parts.push(s('path', { d: `M${mx} ${cy - 6}l6 6l-6 6l-6 -6z`, fill }));
    }
    svg.append(
      s('g', { class: 'adjustment', 'data-key': m.key, 'data-rule': m.ruleId, 'data-at': m.at }, ...parts),
    );
  }
}

function chart(g: ChartGroup, frame: ChartFrame, c: Clock): SVGSVGElement {
  const y = (v: number) => T + PH - Math.max(0, Math.min(1, v)) * PH;
  const lanesTop = T + PH + 44;
  const H = lanesTop + g.rules.length * LANE + 6;
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    'data-group': g.name,
    role: 'img',
    'aria-label': `utilization of trunk group ${g.name}`,
  });
  const lastPoint = g.points.at(-1);
  if (lastPoint === undefined) {
    svg.append(s('text', { x: L, y: T + 20 }, 'no samples yet'));
    return svg;
  }
  const segs = segmentsOf(g.points, frame.bucketMs);
  const x = xMapper(segs);
  const now = frame.eventTime ?? lastPoint[0] + frame.bucketMs;
  const until = (to: number | null) => (to === null ? now : to);
  const span = (from: number, to: number | null) => `${c.dayHm(from)} – ${to === null ? 'now' : c.dayHm(to)}`;
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    svg.append(s('text', { x: L - 8, y: y(v) + 4, 'text-anchor': 'end' }, v.toFixed(2)));
  }
  svg.append(
    s('text', { x: L - 48, y: T + PH / 2 + 4, 'text-anchor': 'end', class: 'lane-label' }, 'utilization'),
  );
  for (let i = 1; i < segs.length; i++) {
    const p = segs[i - 1]!;
    const gap = duration(segs[i]!.from - p.to);
    const gx = p.x0 + p.w;
    svg.append(
      s(
        'rect',
        { class: 'gap', x: gx + 2, y: T, width: BRK - 4, height: PH },
        s('title', {}, `no samples for ${gap}`),
      ),
    );
    svg.append(s('text', { x: gx + BRK / 2, y: T + PH / 2, 'text-anchor': 'middle' }, `+${gap}`));
  }
  g.rules.forEach((r, i) => {
    for (const p of r.periods) {
      const x1 = x(p.from);
      const x2 = x(until(p.to));
      const attrs = { 'data-rule': r.id, 'data-from': p.from, 'data-to': until(p.to), x: x1, y: T };
      const size = { width: Math.max(2, x2 - x1), height: PH, fill: color(i), 'fill-opacity': 0.12 };
      svg.append(
        s(
          'rect',
          { class: 'firing', ...attrs, ...size },
          s('title', {}, `${r.id} firing ${span(p.from, p.to)}`),
        ),
      );
    }
  });
  let dMean = '';
  let dMax = '';
  for (const sg of segs) {
    let first = true;
    for (const [t, mean, max] of g.points) {
      if (t < sg.from || t >= sg.to) continue;
      const px = x(t + frame.bucketMs / 2).toFixed(1);
      dMean += `${first ? 'M' : 'L'}${px} ${y(mean).toFixed(1)}`;
      dMax += `${first ? 'M' : 'L'}${px} ${y(max).toFixed(1)}`;
      first = false;
    }
  }
  svg.append(s('path', { class: 'util-max', d: dMax }, s('title', {}, 'busiest trunk')));
  svg.append(
    s('path', { class: 'util', d: dMean }, s('title', {}, `${g.name}: Σ active calls / Σ capacity`)),
  );
  g.rules.forEach((r, i) => {
    for (const t of r.thresholds) {
      if (t.metric !== 'utilization') continue;
      const at = { x1: L, x2: W - R, y1: y(t.value), y2: y(t.value), stroke: color(i) };
      const title = `${r.id}: ${t.aggregate} ${t.window} ${t.op} ${t.value}`;
      svg.append(s('line', { class: 'threshold', 'data-rule': r.id, ...at }, s('title', {}, title)));
    }
  });
  // time axis: ticks on round local times inside each stretch, the date under its start
  const steps = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * 60000);
  for (const sg of segs) {
    const perMs = sg.w / (sg.to - sg.from);
    const step = steps.find((st) => st * perMs >= 60) ?? steps[steps.length - 1]!;
    const off = c.offset(sg.from);
    for (let t = Math.ceil((sg.from + off) / step) * step - off; t <= sg.to; t += step) {
      svg.append(s('line', { class: 'grid', x1: x(t), x2: x(t), y1: T + PH, y2: T + PH + 4 }));
      svg.append(s('text', { x: x(t), y: T + PH + 16, 'text-anchor': 'middle' }, c.hm(t)));
    }
    svg.append(s('text', { x: sg.x0, y: T + PH + 32, class: 'lane-label' }, c.day(sg.from)));
  }
  g.rules.forEach((r, i) => {
    const ly = lanesTop + i * LANE;
    const label = {
      x: L - 8,
      y: ly + 11,
      'text-anchor': 'end',
      class: `lane-label${r.firing ? ' now' : ''}`,
    };
    svg.append(s('text', label, r.id));
    svg.append(s('rect', { class: 'lane', x: L, y: ly, width: W - L - R, height: 13 }));
    for (const p of r.periods) {
      const x1 = x(p.from);
      const x2 = x(until(p.to));
      const attrs = { 'data-rule': r.id, 'data-from': p.from, 'data-to': until(p.to), x: x1, y: ly };
      const title = `${r.id} firing on ${p.scope}: ${span(p.from, p.to)}`;
      svg.append(
        s(
          'rect',
          { class: 'period', ...attrs, width: Math.max(2, x2 - x1), height: 13, fill: color(i) },
          s('title', {}, title),
        ),
      );
    }
  });
  adjustmentMarks(svg, g, x, lanesTop);
  return svg;
}

// nowLabel: what the last column calls the end of the data ('now' on a live page)
function legend(g: ChartGroup, nowLabel: string): HTMLTableElement {
  const rows = g.rules.map((r, i) => {
    const sw = h('span', { class: 'swatch' });
    sw.style.background = color(i);
    return h(
      'tr',
      {},
      h('td', {}, sw, r.id),
      h('td', {}, r.condition),
      h('td', { class: 'num' }, String(r.periods.length)),
      h('td', { class: r.firing ? 'firing-now' : 'muted' }, r.firing ? 'firing' : 'quiet'),
    );
  });
  const head = h(
    'tr',
    {},
    h('th', {}, 'rule (dashed line: utilization threshold, shading: firing)'),
    h('th', {}, 'condition'),
    h('th', {}, 'fired'),
    h('th', {}, nowLabel),
  );
  return h('table', { class: 'legend' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

/** One trunk group's box: heading, what the plot shows over which span, the plot, the legend. */
export function chartBox(g: ChartGroup, frame: ChartFrame, nowLabel = 'now'): HTMLDivElement {
  const c = clock(frame.zone);
  const first = g.points[0];
  const last = g.points.at(-1);
  const range = first && last ? `${c.dayHm(first[0])} – ${c.dayHm(last[0] + frame.bucketMs)}` : 'no samples';
  const what =
    `${g.trunks} trunks · utilization per ${duration(frame.bucketMs)} ` +
    `(Σ active calls / Σ capacity; thin line: busiest trunk) · ${range} ${frame.zone}`;
  return h(
    'div',
    { class: 'chart' },
    h('h3', {}, `trunk group ${g.name}`),
    h('div', { class: 'muted small' }, what),
    chart(g, frame, c),
    legend(g, nowLabel),
  );
}
