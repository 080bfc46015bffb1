import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KillSwitch, KillSwitchState } from '../planner/kill-switch.js';
import type { StatusModel, StatusSnapshot } from './status-model.js';
import { UTILIZATION_CHART_SCRIPT, UTILIZATION_CHART_STYLE } from './utilization-chart.js';

export interface StatusPageOptions {
  model: StatusModel;
  /** the switch the admin server's PUT /kill-switch flips; the page shows its state */
  killSwitch?: KillSwitch;
  /** whether the admin server has a token: the page then asks for it before flipping */
  tokenRequired: boolean;
  title?: string;
}

/** What GET /status.json answers: the model's snapshot plus the kill switch. */
export type StatusDocument = StatusSnapshot & {
  title: string;
  killSwitch: KillSwitchState | null;
  tokenRequired: boolean;
};

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

// The page is one document with its script and style inline (the machines it runs on may
// have no internet); the CSP allows exactly those two blocks and requests to this server.
const csp = () =>
  [
    "default-src 'none'",
    `script-src ${sha256(STATUS_PAGE_SCRIPT)}`,
    `style-src ${sha256(STATUS_PAGE_STYLE)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

function page(title: string): string {
  const t = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t}</title>
<link rel="icon" href="data:,">
<style>${STATUS_PAGE_STYLE}</style>
</head>
<body>
<header>
  <div class="title"><h1>${t}</h1><div id="feed" class="muted">connecting…</div><div id="view" class="muted"></div></div>
  <section id="ks" class="ks" aria-label="kill switch">
    <div class="ks-row"><span class="ks-label">Kill switch</span> <strong id="ks-state">…</strong></div>
    <div id="ks-reason" class="muted"></div>
    <div class="ks-row">
      <input id="token" type="password" autocomplete="off" placeholder="admin token" aria-label="admin token">
      <button id="ks-button" type="button" disabled>…</button>
    </div>
    <div id="ks-message" role="status"></div>
  </section>
</header>
<div id="error" role="alert"></div>
<section id="counts" class="counts"></section>
<main>
  <section><h2>Trunk utilization against the rules' thresholds</h2><div id="charts"></div></section>
  <section>
    <h2>Waiting <span id="waiting-count" class="muted"></span></h2>
    <p class="muted">Adjustments held back, for example until the weekly publish window closes; each is applied to the fresh schedule then.</p>
    <table id="waiting"></table>
  </section>
  <section>
    <h2>Latest adjustments</h2>
    <table id="latest"></table>
  </section>
</main>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(body);
}

/**
 * The status page as admin-server routes (its `extra` hook): `GET /` and `GET /status`
 * serve the page, `GET /status.json` the data it polls every two seconds. Reading is
 * open like /metrics; flipping the kill switch goes through the admin server's
 * PUT /kill-switch, which wants the token when one is set.
 */
export function statusPageRoutes(o: StatusPageOptions) {
  const title = o.title ?? 'trunk-reactor status';
  const html = page(title);
  const policy = csp();
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    if (path === '/' || path === '/status') {
      send(res, 200, 'text/html; charset=utf-8', html, {
        'content-security-policy': policy,
        'referrer-policy': 'no-referrer',
      });
      return true;
    }
    if (path === '/status.json') {
      const doc: StatusDocument = {
        ...o.model.snapshot(),
        title,
        killSwitch: o.killSwitch ? await o.killSwitch.state() : null,
        tokenRequired: o.tokenRequired,
      };
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(doc));
      return true;
    }
    return false;
  };
}

const STATUS_PAGE_STYLE = `
:root { --fg:#1d2430; --muted:#5b6576; --line:#d9dee7; --bg:#f6f7f9; --card:#fff; --accent:#1f4e8c; --bad:#b42318; --ok:#17734a; --warn:#a15c00; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; justify-content:space-between; align-items:flex-start; gap:24px; padding:16px 24px; background:var(--card); border-bottom:1px solid var(--line); }
h1 { font-size:20px; margin:0 0 4px; }
h2 { font-size:16px; margin:24px 0 8px; }
h3 { font-size:14px; margin:0 0 4px; }
main, .counts, #error { padding:0 24px; }
.muted { color:var(--muted); }
.ks { min-width:340px; padding:10px 14px; border:2px solid var(--line); border-radius:8px; }
.ks.engaged { border-color:var(--bad); background:#fdecea; }
.ks-row { display:flex; gap:8px; align-items:center; margin:2px 0; }
.ks-label { font-weight:600; }
#ks-state.on { color:var(--bad); }
#ks-state.off { color:var(--ok); }
#ks-message.error { color:var(--bad); font-weight:600; }
#ks-message.ok { color:var(--ok); }
input { font:inherit; padding:4px 6px; border:1px solid var(--line); border-radius:4px; width:150px; }
button { font:inherit; font-weight:600; padding:5px 12px; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
button.release { background:#fff; color:var(--accent); }
button:disabled { opacity:.5; cursor:default; }
#error:not(:empty) { margin:12px 24px 0; padding:8px 12px; background:#fdecea; color:var(--bad); border-radius:6px; }
.counts { display:flex; flex-wrap:wrap; gap:12px; margin-top:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:8px 14px; min-width:120px; }
.card .n { display:block; font-size:22px; font-weight:700; }
.card .l { color:var(--muted); font-size:12px; }
.card.alert .n { color:var(--bad); }
${UTILIZATION_CHART_STYLE.trim()}
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); border-radius:8px; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; background:#fafbfc; }
td.num { font-variant-numeric:tabular-nums; white-space:nowrap; }
td.rule { white-space:nowrap; font-weight:600; }
td.target { min-width:140px; }
td.reason { min-width:260px; }
td.action { white-space:nowrap; }
td.empty { color:var(--muted); font-style:italic; }
.status { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; background:#eceff4; }
.status-applied, .status-already-applied { background:#e3f4ea; color:var(--ok); }
.status-deferred, .status-planned { background:#fff4de; color:var(--warn); }
.status-rejected, .status-dead-lettered { background:#fdecea; color:var(--bad); }
.firing-now { color:var(--bad); font-weight:700; }
.small { font-size:12px; }
`;

// Runs in the browser. Every piece of data reaches the DOM through textContent or an
// attribute, never as markup. No template literals here: this text is one itself.
// Times in the tables and the feed come as text from status.json (the server's one
// formatter: local time, day and offset in the business unit's zone, UTC beside it); the
// plots (utilization-chart.ts, first in the script) format the zone's wall-clock times on their axes.
const STATUS_PAGE_SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);
${UTILIZATION_CHART_SCRIPT.trim()}

const POLL_MS = 2000;
let ks = null;

function renderCharts(snap) {
  const boxes = snap.groups.map((g) => chartBox(g, snap));
  $('charts').replaceChildren(...(boxes.length ? boxes : [h('p', { class: 'muted' }, 'No samples yet.')]));
}

function statusBadge(r) {
  return h('span', { class: 'status status-' + r.status }, r.status);
}

function metricCell(r) {
  if (!r.reason) return '';
  const x = r.reason;
  return x.aggregate + ' ' + x.window + ' ' + x.metric + ' ' + round(x.value) + ' vs ' + round(x.threshold);
}

function round(v) {
  return Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 1000) / 1000);
}

function table(id, head, rows, empty) {
  const body = rows.length ? rows : [h('tr', {}, h('td', { class: 'empty', colspan: head.length }, empty))];
  $(id).replaceChildren(h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))), h('tbody', {}, ...body));
}

function renderTables(snap) {
  $('waiting-count').textContent = '(' + snap.waiting.length + ')';
  table('waiting', ['triggered', 'rule', 'action', 'target', 'waiting until', 'metric vs threshold', 'reason'], snap.waiting.map((r) =>
    h('tr', { 'data-key': r.key }, h('td', { class: 'num' }, r.createdAtText || ''), h('td', { class: 'rule' }, r.ruleId), h('td', { class: 'action' }, r.action), h('td', { class: 'target small' }, r.target || ''), h('td', { class: 'num' }, r.deferredUntilText || ''), h('td', { class: 'num' }, metricCell(r)), h('td', { class: 'reason small' }, r.outcomeReason ? r.outcomeReason.message : r.reason ? r.reason.text : ''))
  ), 'Nothing is waiting.');
  table('latest', ['triggered', 'rule', 'action', 'target', 'outcome', 'metric vs threshold', 'reason'], snap.latest.map((r) => {
    const outcome = h('td', {}, statusBadge(r));
    if (r.status === 'deferred' && r.deferredUntilText) outcome.append(h('div', { class: 'small muted' }, 'until ' + r.deferredUntilText));
    if (r.outcomeReason && r.status !== 'deferred') outcome.append(h('div', { class: 'small muted' }, r.outcomeReason.code));
    return h('tr', { 'data-key': r.key, 'data-status': r.status }, h('td', { class: 'num' }, r.createdAtText || ''), h('td', { class: 'rule' }, r.ruleId), h('td', { class: 'action' }, r.action), h('td', { class: 'target small' }, r.target || ''), outcome, h('td', { class: 'num' }, metricCell(r)), h('td', { class: 'reason small' }, r.reason ? r.reason.text : ''));
  }), 'No adjustments yet.');
}

function renderCounts(snap) {
  const c = snap.counts;
  const o = c.outcomes;
  const guardrails = Object.keys(c.skipped).filter((k) => k !== 'killSwitch').reduce((a, k) => a + c.skipped[k], 0);
  const cards = [
    ['adjustments', c.adjustments, 'adjustments planned'],
    ['applied', (o.applied || 0) + (o['already-applied'] || 0), 'applied'],
    ['waiting', c.waiting, 'waiting'],
    ['failed', (o.rejected || 0) + (o['dead-lettered'] || 0), 'rejected / dead-lettered'],
    ['kill-switch-skips', c.skipped.killSwitch || 0, 'intents skipped by the kill switch'],
    ['guardrail-skips', guardrails, 'skipped by guardrails'],
  ];
  $('counts').replaceChildren(...cards.map(([key, n, label]) =>
    h('div', { class: 'card' + ((key === 'failed' || key === 'kill-switch-skips') && n > 0 ? ' alert' : ''), 'data-count': key }, h('span', { class: 'n' }, String(n)), h('span', { class: 'l' }, label))
  ));
}

function renderFeed(snap) {
  const f = snap.feed;
  const parts = [];
  if (f) parts.push(f.label + ': ' + (f.finished ? 'finished' : 'running') + ' · ' + f.done + (f.total ? '/' + f.total : '') + ' events');
  if (snap.eventTimeText !== null) parts.push('event time ' + snap.eventTimeText);
  parts.push('times in ' + zone);
  parts.push('updated ' + new Date().toLocaleTimeString('en-GB', { hourCycle: 'h23' }));
  $('feed').textContent = parts.join(' · ');
  $('feed').setAttribute('data-finished', f && f.finished ? 'true' : 'false');
  $('view').textContent = f && f.view ? f.view : '';
}

function renderKillSwitch(state, tokenRequired) {
  ks = state;
  const box = $('ks');
  const btn = $('ks-button');
  $('token').hidden = !tokenRequired;
  if (!state) {
    $('ks-state').textContent = 'not configured';
    btn.hidden = true;
    return;
  }
  box.classList.toggle('engaged', state.engaged);
  box.setAttribute('data-engaged', String(state.engaged));
  $('ks-state').textContent = state.engaged ? 'ENGAGED — no new writes' : 'off — writes flow';
  $('ks-state').className = state.engaged ? 'on' : 'off';
  $('ks-reason').textContent = state.engaged && state.reason ? 'reason: ' + state.reason : '';
  btn.textContent = state.engaged ? 'Release kill switch' : 'Engage kill switch';
  btn.className = state.engaged ? 'release' : '';
  btn.disabled = false;
}

function message(text, kind) {
  const m = $('ks-message');
  m.textContent = text;
  m.className = kind;
}

async function flip() {
  if (!ks) return;
  const engaged = !ks.engaged;
  const headers = { 'content-type': 'application/json' };
  const token = $('token').value.trim();
  if (token) headers.authorization = 'Bearer ' + token;
  $('ks-button').disabled = true;
  try {
    const res = await fetch('kill-switch', { method: 'PUT', headers, body: JSON.stringify(engaged ? { engaged, reason: 'engaged from the status page' } : { engaged }) });
    if (res.status === 401) {
      message('401 Unauthorized: the admin server wants its admin token. Enter it in the token field and try again.', 'error');
      return;
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      message(res.status + ': ' + (body.error || res.statusText), 'error');
      return;
    }
    renderKillSwitch(body, !$('token').hidden);
    message(body.engaged ? 'Kill switch engaged: the planner makes no new adjustments.' : 'Kill switch released.', 'ok');
    refresh();
  } catch (err) {
    message('could not reach the admin server: ' + err.message, 'error');
  } finally {
    $('ks-button').disabled = false;
  }
}

let timer = null;
async function refresh() {
  clearTimeout(timer);
  try {
    const res = await fetch('status.json', { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const snap = await res.json();
    zone = snap.zone;
    renderFeed(snap);
    renderKillSwitch(snap.killSwitch, snap.tokenRequired);
    renderCounts(snap);
    renderCharts(snap);
    renderTables(snap);
    $('error').textContent = '';
    document.body.setAttribute('data-loaded', 'true');
  } catch (err) {
    $('error').textContent = 'status.json unreachable (' + err.message + '); showing the last data, retrying every ' + POLL_MS / 1000 + ' s.';
  }
  timer = setTimeout(refresh, POLL_MS);
}

$('ks-button').addEventListener('click', flip);
refresh();
`;
