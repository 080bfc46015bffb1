import { Script } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAdminServer, startAdminServer } from '../../src/observability/admin-server.js';
import { bundleBrowserScript } from '../../src/observability/browser-bundle.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { StatusModel } from '../../src/observability/status-model.js';
import { statusPageRoutes } from '../../src/observability/status-page.js';
import { UTILIZATION_CHART_SCRIPT } from '../../src/observability/utilization-chart.js';
import { MemoryKillSwitch } from '../../src/planner/kill-switch.js';

let server: RunningAdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(): Promise<string> {
  const killSwitch = new MemoryKillSwitch();
  server = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createMetrics({ defaultMetrics: false }),
    readiness: [],
    killSwitch,
    extra: statusPageRoutes({
      model: new StatusModel({ rules: [], zone: 'Asia/Singapore' }),
      killSwitch,
      tokenRequired: false,
    }),
  });
  return server.url;
}

/** Every `<script …>…</script>` of a page: its attributes and its body. */
const scripts = (html: string) =>
  [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ attrs: m[1]!, body: m[2]! }));

describe('the status page script', () => {
  it('is one file the page loads: the page itself holds no script logic', async () => {
    const html = await (await fetch(`${await start()}/`)).text();
    const found = scripts(html);
    expect(found).toEqual([
      { attrs: expect.stringMatching(/^ src="status\.js\?v=[0-9a-f]{16}"$/), body: '' },
    ]);
    // no handler attributes (onclick=…) nor javascript: URLs either
    expect(html).not.toMatch(/\son[a-z]+\s*=|javascript:/i);
  });

  it('is served as JavaScript, cached for good under its versioned URL', async () => {
    const url = await start();
    const html = await (await fetch(`${url}/`)).text();
    const src = /<script src="([^"]+)"/.exec(html)![1]!;
    const res = await fetch(`${url}/${src}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = res.headers.get('etag');
    expect(etag).toBe(`"${new URL(src, url).searchParams.get('v')}"`);
    const js = await res.text();
    // a classic script (no import/export, no TypeScript left) that draws and polls status.json
    expect(() => new Script(js)).not.toThrow();
    expect(js).toContain('status.json');
    expect(js).toContain('kill-switch');
    expect(js).toBe(bundleBrowserScript('status-page'));

    // without the version, or from a page of another build, the browser asks again each time
    for (const other of ['/status.js', '/status.js?v=0000000000000000']) {
      const again = await fetch(url + other);
      expect(again.headers.get('cache-control')).toBe('no-cache');
      expect(await again.text()).toBe(js);
    }
    const unchanged = await fetch(`${url}/status.js`, { headers: { 'if-none-match': etag! } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
  });

  it('leaves POST /status.js to the admin server', async () => {
    expect((await fetch(`${await start()}/status.js`, { method: 'POST' })).status).toBe(404);
  });
});

describe('the utilization chart for inline scripts', () => {
  it('is a classic script defining h, zone and chartBox for the page that inlines it', () => {
    const page = `${UTILIZATION_CHART_SCRIPT}\nzone = 'Asia/Singapore';\n[typeof h, typeof chartBox, zone];`;
    expect(new Script(page).runInNewContext({})).toEqual(['function', 'function', 'Asia/Singapore']);
  });
});
