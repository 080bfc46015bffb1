import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAdminServer, startAdminServer } from '../../src/observability/admin-server.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { StatusModel } from '../../src/observability/status-model.js';
import { type StatusDocument, statusPageRoutes } from '../../src/observability/status-page.js';
import { MemoryKillSwitch } from '../../src/planner/kill-switch.js';

let server: RunningAdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(title?: string) {
  const model = new StatusModel({ rules: [], zone: 'Asia/Singapore' });
  const killSwitch = new MemoryKillSwitch();
  server = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createMetrics({ defaultMetrics: false }),
    readiness: [],
    killSwitch,
    token: 'secret',
    extra: statusPageRoutes({ model, killSwitch, tokenRequired: true, ...(title ? { title } : {}) }),
  });
  return { url: server.url, model, killSwitch };
}

describe('status page routes', () => {
  it('serves a page that needs only this server: its script from /status.js, pinned by the CSP', async () => {
    const { url } = await start('<script>alert(1)</script>');
    for (const path of ['/', '/status']) {
      const res = await fetch(url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      const html = await res.text();
      expect(html).toMatch(/<script src="status\.js\?v=[0-9a-f]+"><\/script>/);
      expect(html).not.toMatch(/<link[^>]*stylesheet|https?:\/\//);
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    }
  });

  it('answers /status.json with the snapshot and the kill switch state', async () => {
    const { url, killSwitch } = await start();
    await killSwitch.engage('maintenance');
    const doc = (await (await fetch(`${url}/status.json`)).json()) as StatusDocument;
    expect(doc.zone).toBe('Asia/Singapore');
    expect(doc.killSwitch).toEqual({ engaged: true, reason: 'maintenance' });
    expect(doc.tokenRequired).toBe(true);
    expect(doc.groups).toEqual([]);
  });

  it('leaves other routes to the admin server', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/status.json`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const refused = await fetch(`${url}/kill-switch`, { method: 'PUT', body: '{"engaged":true}' });
    expect(refused.status).toBe(401);
  });
});
