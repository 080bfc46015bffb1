import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAdminServer, startAdminServer } from '../../src/observability/admin-server.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { MemoryKillSwitch } from '../../src/planner/kill-switch.js';

const servers: RunningAdminServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(ready: { consuming: boolean; wfm: boolean }, token?: string) {
  const metrics = createMetrics({ defaultMetrics: false });
  const killSwitch = new MemoryKillSwitch();
  const s = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    metrics,
    killSwitch,
    ...(token ? { token } : {}),
    readiness: [
      { name: 'consuming', probe: () => ready.consuming },
      { name: 'wfm', probe: async () => ready.wfm },
    ],
  });
  servers.push(s);
  return { s, metrics, killSwitch };
}

describe('admin server', () => {
  it('serves Prometheus metrics with the counters the stages increment', async () => {
    const { s, metrics } = await start({ consuming: true, wfm: true });
    metrics.adjustments.inc({ status: 'applied' }, 3);
    metrics.conflicts.inc({ kind: 'stale-version' });
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toContain('trunk_reactor_adjustments_total{status="applied"} 3');
    expect(text).toContain('trunk_reactor_conflicts_total{kind="stale-version"} 1');
  });

  it('is healthy while the process answers, and ready only while consuming and the WFM answers', async () => {
    const ready = { consuming: false, wfm: true };
    const { s } = await start(ready);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${s.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ checks: { consuming: false, wfm: true } });
    ready.consuming = true;
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    ready.wfm = false;
    expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
  });

  it('says what a failing check names: a stalled partition in details', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let stalled: Array<{ partition: number; offset: string }> = [{ partition: 2, offset: '41' }];
    const s = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      metrics,
      readiness: [
        { name: 'consuming', probe: () => true },
        {
          name: 'progress',
          probe: () => (stalled.length === 0 ? { ready: true } : { ready: false, detail: stalled }),
        },
      ],
    });
    servers.push(s);
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not ready',
      checks: { consuming: true, progress: false },
      details: { progress: [{ partition: 2, offset: '41' }] },
    });
    stalled = [];
    const ok = await fetch(`${s.url}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ready', checks: { consuming: true, progress: true } });
  });

  it('flips the kill switch only with the admin token when one is set', async () => {
    const { s, killSwitch } = await start({ consuming: true, wfm: true }, 'admin-s3cret');
    const body = JSON.stringify({ engaged: true, reason: 'publish incident' });
    expect((await fetch(`${s.url}/kill-switch`, { method: 'PUT', body })).status).toBe(401);
    expect((await killSwitch.state()).engaged).toBe(false);
    const ok = await fetch(`${s.url}/kill-switch`, {
      method: 'PUT',
      body,
      headers: { authorization: 'Bearer admin-s3cret' },
    });
    expect(await ok.json()).toEqual({ engaged: true, reason: 'publish incident' });
    expect((await killSwitch.state()).engaged).toBe(true);
    const bad = await fetch(`${s.url}/kill-switch`, {
      method: 'PUT',
      body: '{"engaged":"yes"}',
      headers: { authorization: 'Bearer admin-s3cret' },
    });
    expect(bad.status).toBe(400);
  });
});
