/**
 * The status page's script, served as GET /status.js (status-page.ts): it polls status.json
 * every two seconds and draws it, and flips the kill switch through PUT /kill-switch.
 *
 * Every piece of data reaches the DOM through textContent or an attribute, never as markup
 * (dom.ts). Times in the tables and the feed come as text from status.json (the server's one
 * formatter: local time, day and offset in the business unit's zone, UTC beside it); the plots
 * (chart.ts) format the zone's wall-clock times on their axes.
 */
import type { KillSwitchState } from '../../planner/kill-switch.js';
import type { AdjustmentView } from '../status-snapshot.js';
import { chartBox } from './chart.js';
import { byId, h } from './dom.js';
import type { StatusDocument } from './status-document.js';

const POLL_MS = 2000;

const ui = {
  feed: byId('feed', HTMLElement),
  view: byId('view', HTMLElement),
  error: byId('error', HTMLElement),
  counts: byId('counts', HTMLElement),
  charts: byId('charts', HTMLElement),
  waiting: byId('waiting', HTMLTableElement),
  waitingCount: byId('waiting-count', HTMLElement),
  latest: byId('latest', HTMLTableElement),
  ks: byId('ks', HTMLElement),
  ksState: byId('ks-state', HTMLElement),
  ksReason: byId('ks-reason', HTMLElement),
  ksButton: byId('ks-button', HTMLButtonElement),
  ksMessage: byId('ks-message', HTMLElement),
  token: byId('token', HTMLInputElement),
};

/** The kill switch as last read; null when the server has none. */
let ks: KillSwitchState | null = null;

function renderCharts(snap: StatusDocument) {
  const boxes = snap.groups.map((g) => chartBox(g, snap));
  ui.charts.replaceChildren(...(boxes.length ? boxes : [h('p', { class: 'muted' }, 'No samples yet.')]));
}

function round(v: number): string {
  return Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 1000) / 1000);
}

function metricCell(r: AdjustmentView): string {
  const x = r.reason;
  return x ? `${x.aggregate} ${x.window} ${x.metric} ${round(x.value)} vs ${round(x.threshold)}` : '';
}

function table(t: HTMLTableElement, head: readonly string[], rows: HTMLTableRowElement[], empty: string) {
  const body = rows.length ? rows : [h('tr', {}, h('td', { class: 'empty', colspan: head.length }, empty))];
  t.replaceChildren(h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))), h('tbody', {}, ...body));
}

/** The cells every adjustment table starts with: triggered, rule, action, target. */
function leadCells(r: AdjustmentView): HTMLTableCellElement[] {
  return [
    h('td', { class: 'num' }, r.createdAtText ?? ''),
    h('td', { class: 'rule' }, r.ruleId),
    h('td', { class: 'action' }, r.action),
    h('td', { class: 'target small' }, r.target ?? ''),
  ];
}

function waitingRow(r: AdjustmentView): HTMLTableRowElement {
  const reason = r.outcomeReason ? r.outcomeReason.message : (r.reason?.text ?? '');
  return h(
    'tr',
    { 'data-key': r.key },
    ...leadCells(r),
    h('td', { class: 'num' }, r.deferredUntilText ?? ''),
    h('td', { class: 'num' }, metricCell(r)),
    h('td', { class: 'reason small' }, reason),
  );
}

function latestRow(r: AdjustmentView): HTMLTableRowElement {
  const outcome = h('td', {}, h('span', { class: `status status-${r.status}` }, r.status));
  if (r.status === 'deferred' && r.deferredUntilText)
    outcome.append(h('div', { class: 'small muted' }, `until ${r.deferredUntilText}`));
  if (r.outcomeReason && r.status !== 'deferred')
    outcome.append(h('div', { class: 'small muted' }, r.outcomeReason.code));
  return h(
    'tr',
    { 'data-key': r.key, 'data-status': r.status },
    ...leadCells(r),
    outcome,
    h('td', { class: 'num' }, metricCell(r)),
    h('td', { class: 'reason small' }, r.reason?.text ?? ''),
  );
}

function renderTables(snap: StatusDocument) {
  ui.waitingCount.textContent = `(${snap.waiting.length})`;
  const waitingHead = [
    'triggered',
    'rule',
    'action',
    'target',
    'waiting until',
    'metric vs threshold',
    'reason',
  ];
  table(ui.waiting, waitingHead, snap.waiting.map(waitingRow), 'Nothing is waiting.');
  const latestHead = ['triggered', 'rule', 'action', 'target', 'outcome', 'metric vs threshold', 'reason'];
  table(ui.latest, latestHead, snap.latest.map(latestRow), 'No adjustments yet.');
}

function renderCounts(snap: StatusDocument) {
  const c = snap.counts;
  const o = c.outcomes;
  const guardrails = Object.entries(c.skipped)
    .filter(([k]) => k !== 'killSwitch')
    .reduce((a, [, n]) => a + n, 0);
  const cards: Array<[key: string, n: number, label: string]> = [
    ['adjustments', c.adjustments, 'adjustments planned'],
    ['applied', (o.applied ?? 0) + (o['already-applied'] ?? 0), 'applied'],
    ['waiting', c.waiting, 'waiting'],
    ['failed', (o.rejected ?? 0) + (o['dead-lettered'] ?? 0), 'rejected / dead-lettered'],
    ['kill-switch-skips', c.skipped.killSwitch ?? 0, 'intents skipped by the kill switch'],
    ['guardrail-skips', guardrails, 'skipped by guardrails'],
  ];
  ui.counts.replaceChildren(
    ...cards.map(([key, n, label]) => {
      const alert = (key === 'failed' || key === 'kill-switch-skips') && n > 0;
      return h(
        'div',
        { class: alert ? 'card alert' : 'card', 'data-count': key },
        h('span', { class: 'n' }, String(n)),
        h('span', { class: 'l' }, label),
      );
    }),
  );
}

function renderFeed(snap: StatusDocument) {
  const f = snap.feed;
  const parts: string[] = [];
  if (f) {
    const done = `${f.done}${f.total ? `/${f.total}` : ''} events`;
    parts.push(`${f.label}: ${f.finished ? 'finished' : 'running'} · ${done}`);
  }
  if (snap.eventTimeText !== null) parts.push(`event time ${snap.eventTimeText}`);
  parts.push(`times in ${snap.zone}`);
  parts.push(`updated ${new Date().toLocaleTimeString('en-GB', { hourCycle: 'h23' })}`);
  ui.feed.textContent = parts.join(' · ');
  ui.feed.setAttribute('data-finished', f?.finished ? 'true' : 'false');
  ui.view.textContent = f?.view ?? '';
}

function renderKillSwitch(state: KillSwitchState | null, tokenRequired: boolean) {
  ks = state;
  ui.token.hidden = !tokenRequired;
  if (!state) {
    ui.ksState.textContent = 'not configured';
    ui.ksButton.hidden = true;
    return;
  }
  ui.ks.classList.toggle('engaged', state.engaged);
  ui.ks.setAttribute('data-engaged', String(state.engaged));
  ui.ksState.textContent = state.engaged ? 'ENGAGED — no new writes' : 'off — writes flow';
  ui.ksState.className = state.engaged ? 'on' : 'off';
  ui.ksReason.textContent = state.engaged && state.reason ? `reason: ${state.reason}` : '';
  ui.ksButton.textContent = state.engaged ? 'Release kill switch' : 'Engage kill switch';
  ui.ksButton.className = state.engaged ? 'release' : '';
  ui.ksButton.disabled = false;
}

function message(text: string, kind: 'ok' | 'error') {
  ui.ksMessage.textContent = text;
  ui.ksMessage.className = kind;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function flip() {
  if (!ks) return;
  const engaged = !ks.engaged;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = ui.token.value.trim();
  if (token) headers.authorization = `Bearer ${token}`;
  const body = JSON.stringify(engaged ? { engaged, reason: 'engaged from the status page' } : { engaged });
  ui.ksButton.disabled = true;
  try {
    const res = await fetch('kill-switch', { method: 'PUT', headers, body });
    if (res.status === 401) {
      message(
        '401 Unauthorized: the admin server wants its admin token. Enter it in the token field and try again.',
        'error',
      );
      return;
    }
    const answer: unknown = await res.json().catch(() => ({}));
    if (!res.ok) {
      const said = (answer as { error?: unknown }).error;
      message(`${res.status}: ${typeof said === 'string' ? said : res.statusText}`, 'error');
      return;
    }
    const state = answer as KillSwitchState;
    renderKillSwitch(state, !ui.token.hidden);
    message(
      state.engaged ? 'Kill switch engaged: the planner makes no new adjustments.' : 'Kill switch released.',
      'ok',
    );
    void refresh();
  } catch (err) {
    message(`could not reach the admin server: ${errorText(err)}`, 'error');
  } finally {
    ui.ksButton.disabled = false;
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
async function refresh() {
  clearTimeout(timer);
  try {
    const res = await fetch('status.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const snap = (await res.json()) as StatusDocument;
    renderFeed(snap);
    renderKillSwitch(snap.killSwitch, snap.tokenRequired);
    renderCounts(snap);
    renderCharts(snap);
    renderTables(snap);
    ui.error.textContent = '';
    document.body.setAttribute('data-loaded', 'true');
  } catch (err) {
    ui.error.textContent = `status.json unreachable (${errorText(err)}); showing the last data, retrying every ${POLL_MS / 1000} s.`;
  }
  timer = setTimeout(refresh, POLL_MS);
}

ui.ksButton.addEventListener('click', () => void flip());
void refresh();
