import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KillSwitch } from '../planner/kill-switch.js';
import { browserScript } from './browser-script.js';
import type { StatusModel } from './status-model.js';
import type { StatusDocument } from './status-page/status-document.js';
import { UTILIZATION_CHART_STYLE } from './utilization-chart.js';

export type { StatusDocument } from './status-page/status-document.js';

export interface StatusPageOptions {
  model: StatusModel;
  /** the switch the admin server's PUT /kill-switch flips; the page shows its state */
  killSwitch?: KillSwitch;
  /** whether the admin server has a token: the page then asks for it before flipping */
  tokenRequired: boolean;
  title?: string;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

// The page needs nothing but this server (the machines it runs on may have no internet): its
// style inline, its script from GET /status.js; the CSP allows exactly those and requests here.
const csp = () =>
  [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${sha256(STATUS_PAGE_STYLE)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

function page(title: string, scriptVersion: string): string {
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
<script src="status.js?v=${scriptVersion}"></script>
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
 * serve the page, `GET /status.js` its script (browser code in status-page/, bundled by
 * browser-bundle.ts), `GET /status.json` the data it polls every two seconds. Reading is
 * open like /metrics; flipping the kill switch goes through the admin server's
 * PUT /kill-switch, which wants the token when one is set.
 */
export function statusPageRoutes(o: StatusPageOptions) {
  const title = o.title ?? 'trunk-reactor status';
  const script = browserScript('status-page');
  // The page asks for the script by its content's hash: a browser may keep that URL for good,
  // and a page from a newer build asks for another.
  const version = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const html = page(title, version);
  const policy = csp();
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    if (path === '/' || path === '/status') {
      send(res, 200, 'text/html; charset=utf-8', html, {
        'content-security-policy': policy,
        'referrer-policy': 'no-referrer',
      });
      return true;
    }
    if (path === '/status.js') {
      const etag = `"${version}"`;
      const caching = {
        etag,
        'cache-control':
          url.searchParams.get('v') === version ? 'public, max-age=31536000, immutable' : 'no-cache',
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, caching);
        res.end();
      } else send(res, 200, 'text/javascript; charset=utf-8', script, caching);
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
