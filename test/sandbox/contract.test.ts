import { describe, expect, it } from 'vitest';
import type { Shift, ShiftPage } from '../../src/wfm/contract.js';
import { call } from '../support/http.js';
import { sandbox } from './fixture.js';

type Err = { errorCode: string; message: string; details?: Record<string, unknown> };
const S = 'shift-10400-20261125'; // agent-10400, 2026-11-24T22:00Z – 2026-11-25T06:00Z (06:00–14:00 SGT)

describe('WFM sandbox: the contract over real HTTP', () => {
  it('returns one shift with its version and an ETag', async () => {
    const s = await sandbox();
    const r = await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: S,
      agentId: 'agent-10400',
      version: 1,
      start: '2026-11-24T22:00:00Z',
      week: '2026-11-22',
    });
    expect(r.headers.get('etag')).toBe('"1"');
  });

  it('lists shifts filtered by team, agent and time range, page by page without repeats', async () => {
    const s = await sandbox();
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const q = new URLSearchParams({
        teamId: 'team-apac-01',
        pageSize: '5',
        from: '2026-11-23T00:00:00+08:00',
        to: '2026-11-26T00:00:00+08:00',
      });
      if (token) q.set('pageToken', token);
      const r = await call<ShiftPage>(`${s.baseUrl}/schedules/shifts?${q}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((i) => i.id));
      for (const i of r.body.items) expect(i.teamId).toBe('team-apac-01');
      token = r.body.nextPageToken;
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(3 * 3); // 3 agents in team 1 × 3 local days
    const byAgent = await call<ShiftPage>(`${s.baseUrl}/schedules/shifts?agentId=agent-10401&pageSize=500`);
    expect(byAgent.body.items).toHaveLength(14);
    expect(byAgent.body.items.every((i) => i.agentId === 'agent-10401')).toBe(true);
  });

  it('applies a PATCH based on the current version and bumps the version', async () => {
    const s = await sandbox();
    const r = await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T15:00:00+08:00' },
    });
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(2);
    expect(r.body.end).toBe('2026-11-25T07:00:00Z');
    expect(r.body.activities.at(-1)).toEqual({
      type: 'on-queue',
      start: '2026-11-25T04:15:00Z',
      end: '2026-11-25T07:00:00Z',
    });
    expect(s.sandbox.ledger.since(1).entries.map((e) => e.kind)).toEqual(['patch']);
  });

  it('answers a stale version with 409 VERSION_CONFLICT carrying the current version and shift', async () => {
    const s = await sandbox();
    await call(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
    });
    const r = await call<Err>(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T07:00:00Z' },
    });
    expect(r.status).toBe(409);
    expect(r.body.errorCode).toBe('VERSION_CONFLICT');
    expect(r.body.details).toMatchObject({
      currentVersion: 2,
      shift: { id: S, version: 2, end: '2026-11-25T06:30:00Z' },
    });
  });

  it('refuses an overlap on UTC instants with 409 SHIFT_OVERLAP naming the other shift', async () => {
    const s = await sandbox();
    // pull the next day's shift back to 07:00Z (15:00 SGT), then push today's end past it
    const next = await call(`${s.baseUrl}/schedules/shifts/shift-10400-20261126`, {
      method: 'PATCH',
      body: { version: 1, start: '2026-11-25T15:00:00+08:00', end: '2026-11-25T23:00:00+08:00' },
    });
    expect(next.status).toBe(200);
    const r = await call<Err>(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T07:15:00Z' },
    });
    expect(r.status).toBe(409);
    expect(r.body.errorCode).toBe('SHIFT_OVERLAP');
    expect(r.body.details).toMatchObject({
      agentId: 'agent-10400',
      conflictingShiftId: 'shift-10400-20261126',
    });
  });

  it.each([
    [
      'a timestamp without an offset (the seed’s failure mode)',
      { version: 1, end: '2026-11-25T15:00:00' },
      'end',
    ],
    ['an impossible calendar date', { version: 1, end: '2026-11-31T14:30:00+08:00' }, 'end'],
    ['a time off the 15-minute grid', { version: 1, end: '2026-11-25T06:10:00Z' }, 'end'],
    ['an end before the start', { version: 1, end: '2026-11-24T21:00:00Z' }, 'end'],
    ['a shift longer than the maximum', { version: 1, end: '2026-11-25T12:00:00Z' }, 'end'],
    ['an unknown field', { version: 1, colour: 'red' }, '(body)'],
    ['a missing version', { end: '2026-11-25T06:30:00Z' }, 'version'],
    [
      'activities with a gap',
      {
        version: 1,
        activities: [
          { type: 'on-queue', start: '2026-11-24T22:00:00Z', end: '2026-11-25T01:00:00Z' },
          { type: 'break', start: '2026-11-25T01:15:00Z', end: '2026-11-25T06:00:00Z' },
        ],
      },
      'activities.1.start',
    ],
  ])('rejects %s with 400 VALIDATION_ERROR and changes nothing', async (_name, body, path) => {
    const s = await sandbox();
    const r = await call<Err>(`${s.baseUrl}/schedules/shifts/${S}`, { method: 'PATCH', body });
    expect(r.status).toBe(400);
    expect(r.body.errorCode).toBe('VALIDATION_ERROR');
    expect((r.body.details as { issues: Array<{ path: string }> }).issues[0]!.path).toBe(path);
    expect(s.sandbox.store.get(S)!.version).toBe(1);
  });

  it('rejects offset-less query instants with 400', async () => {
    const s = await sandbox();
    const r = await call<Err>(`${s.baseUrl}/schedules/shifts?from=2026-11-25T00:00:00`);
    expect(r.status).toBe(400);
    expect(r.body.errorCode).toBe('VALIDATION_ERROR');
  });

  it('answers 401 without a token, with a wrong token, and after the OAuth token expires', async () => {
    const s = await sandbox({ tokenTtlSeconds: 1 });
    expect((await call(`${s.baseUrl}/schedules/shifts`, { token: null })).status).toBe(401);
    const wrong = await call<Err>(`${s.baseUrl}/schedules/shifts`, { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errorCode).toBe('UNAUTHORIZED');
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
    const t = await call<{ access_token: string; expires_in: number }>(`${s.baseUrl}/oauth/token`, {
      method: 'POST',
      token: null,
      raw: 'grant_type=client_credentials&client_id=trunk-reactor&client_secret=sandbox-secret',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(t.status).toBe(200);
    expect(t.body.expires_in).toBe(1);
    expect((await call(`${s.baseUrl}/schedules/shifts/${S}`, { token: t.body.access_token })).status).toBe(
      200,
    );
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(`${s.baseUrl}/schedules/shifts/${S}`, { token: t.body.access_token })).status).toBe(
      401,
    );
    const bad = await call(`${s.baseUrl}/oauth/token`, {
      method: 'POST',
      token: null,
      body: { grant_type: 'client_credentials', client_id: 'trunk-reactor', client_secret: 'wrong' },
    });
    expect(bad.status).toBe(401);
  });

  it('answers unknown shifts and routes with 404, wrong methods with 405', async () => {
    const s = await sandbox();
    expect((await call<Err>(`${s.baseUrl}/schedules/shifts/nope`)).body.errorCode).toBe('NOT_FOUND');
    expect((await call<Err>(`${s.baseUrl}/nowhere`)).status).toBe(404);
    expect((await call<Err>(`${s.url}/elsewhere`)).status).toBe(404);
    const m = await call<Err>(`${s.baseUrl}/schedules/shifts`, { method: 'DELETE' });
    expect(m.status).toBe(405);
    expect(m.body.errorCode).toBe('METHOD_NOT_ALLOWED');
  });

  it('survives malformed JSON, wrong types, wrong media types and oversized bodies with proper 4xx', async () => {
    const s = await sandbox({ behaviour: { maxBodyBytes: 2048 } });
    const u = `${s.baseUrl}/schedules/shifts/${S}`;
    const bad = await call<Err>(u, {
      method: 'PATCH',
      raw: '{"version": 1,',
      headers: { 'content-type': 'application/json' },
    });
    expect([bad.status, bad.body.errorCode]).toEqual([400, 'MALFORMED_JSON']);
    const types = await call<Err>(u, { method: 'PATCH', body: { version: 'one' } });
    expect([types.status, types.body.errorCode]).toEqual([400, 'VALIDATION_ERROR']);
    const arr = await call<Err>(u, { method: 'PATCH', body: [1, 2] });
    expect(arr.status).toBe(400);
    const media = await call<Err>(u, {
      method: 'PATCH',
      raw: 'version=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect([media.status, media.body.errorCode]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const big = await call<Err>(u, { method: 'PATCH', body: { version: 1, pad: 'x'.repeat(10_000) } });
    expect([big.status, big.body.errorCode]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const after = await call<Shift>(u);
    expect(after.body.version).toBe(1);
  });

  it('limits each client to its request budget with 429 and Retry-After', async () => {
    const s = await sandbox({ behaviour: { rateLimitPerMinute: 60, rateLimitBurst: 5 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const r = await call<Err>(`${s.baseUrl}/schedules/shifts/${S}`);
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = r.headers.get('retry-after');
        expect(r.body.errorCode).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('can answer every 409 as a bare SCHEDULE_CONFLICT, like a less helpful WFM', async () => {
    const s = await sandbox({ behaviour: { opaqueConflicts: true } });
    const r = await call<Err>(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 0, end: '2026-11-25T06:30:00Z' },
    });
    expect(r.status).toBe(409);
    expect(r.body.errorCode).toBe('SCHEDULE_CONFLICT');
    expect(r.body.details).toBeUndefined();
  });

  it('lists agents with their IANA time zones', async () => {
    const s = await sandbox();
    const r = await call<{ items: Array<{ id: string; timeZone: string; teamId: string }> }>(
      `${s.baseUrl}/agents?teamId=team-apac-02`,
    );
    expect(r.body.items.map((a) => a.id)).toEqual(['agent-10401', 'agent-10403', 'agent-10405']);
    expect(r.body.items.every((a) => a.timeZone === 'Asia/Singapore')).toBe(true);
  });
});
