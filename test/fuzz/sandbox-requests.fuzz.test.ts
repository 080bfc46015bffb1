import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sandbox } from '../sandbox/fixture.js';
import { call } from '../support/http.js';

const S = 'shift-10400-20261125';

describe('WFM sandbox under random requests', () => {
  it('answers any body on any write route with a contract error or a valid write, and stays consistent', async () => {
    const s = await sandbox();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'PATCH /schedules/shifts/' + S,
          'POST /schedules/shifts/swaps',
          'PUT /schedules/shifts',
          'GET /schedules/shifts?pageSize=x',
          'POST /oauth/token',
        ),
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string(),
          fc
            .record({
              version: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
              end: fc.oneof(
                fc.string(),
                fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
              ),
            })
            .map((v) => JSON.stringify(v)),
        ),
        async (route, raw) => {
          const [method, path] = route.split(' ') as [string, string];
          const r = await call<{ errorCode?: string }>(`${s.baseUrl}${path}`, {
            method,
            ...(method === 'GET' ? {} : { raw, headers: { 'content-type': 'application/json' } }),
          });
          expect(r.status).toBeLessThan(500);
          if (r.status >= 400) expect(typeof r.body.errorCode).toBe('string');
        },
      ),
      { numRuns: 150 },
    );
    const health = await call<{ ok: boolean }>(`${s.url}/_sandbox/health`, { token: null });
    expect(health.body.ok).toBe(true);
    // every shift still keeps the invariants: reloading the exported schedule passes the load check
    const state = await call(`${s.url}/_sandbox/state`, { token: null });
    const reload = await call(`${s.url}/_sandbox/state`, { method: 'PUT', body: state.body, token: null });
    expect(reload.status).toBe(200);
  });
});
