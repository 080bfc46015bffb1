import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/time/instant.js';
import type { Shift } from '../../src/wfm/contract.js';
import { call } from '../support/http.js';
import { sandbox } from './fixture.js';

type Err = { errorCode: string; details: { week: string; lockedUntil: string } };
// The publish window: Sunday 2026-11-29 02:00 SGT = Saturday 2026-11-28 18:00 UTC, for 30 minutes.
const BEFORE = parseInstant('2026-11-29T01:50:00+08:00');
const SUNDAY_EARLY = 'shift-10400-20261129'; // Sunday 06:00 SGT, week of 2026-11-29

async function setClock(url: string, now: string) {
  const r = await call(`${url}/_sandbox/clock`, { method: 'PUT', body: { now }, token: null });
  expect(r.status).toBe(200);
}

describe('WFM sandbox: the weekly publish window', () => {
  it('files a Sunday 01:00 SGT shift under the week that starts that local Sunday, not by UTC date', async () => {
    const s = await sandbox({ clockStart: BEFORE });
    const r = await call<Shift>(`${s.baseUrl}/schedules/shifts/${SUNDAY_EARLY}`, {
      method: 'PATCH',
      body: { version: 1, start: '2026-11-29T01:00:00+08:00', end: '2026-11-29T09:00:00+08:00' },
    });
    expect(r.status).toBe(200);
    expect(r.body.start).toBe('2026-11-28T17:00:00Z'); // Saturday by UTC date
    expect(r.body.week).toBe('2026-11-29');
  });

  it('bumps the version of every shift in the published week when the window opens, once', async () => {
    const s = await sandbox({ clockStart: BEFORE });
    await setClock(s.url, '2026-11-29T02:05:00+08:00');
    await setClock(s.url, '2026-11-29T02:06:00+08:00');
    const published = s.sandbox.ledger.since(1).entries.filter((e) => e.kind === 'publish');
    expect(published.length).toBe(6 * 7);
    expect(new Set(published.map((e) => e.after.week))).toEqual(new Set(['2026-11-29']));
    expect(published.every((e) => e.at === '2026-11-28T18:00:00Z')).toBe(true);
    expect(s.sandbox.store.get('shift-10400-20261128')!.version).toBe(1);
  });

  it('locks writes to the published week with 409 SCHEDULE_LOCKED and Retry-After until the window ends', async () => {
    const s = await sandbox({ clockStart: BEFORE });
    await setClock(s.url, '2026-11-29T02:10:00+08:00');
    const r = await call<Err>(`${s.baseUrl}/schedules/shifts/${SUNDAY_EARLY}`, {
      method: 'PATCH',
      body: { version: 2, end: '2026-11-29T06:30:00Z' },
    });
    expect(r.status).toBe(409);
    expect(r.body.errorCode).toBe('SCHEDULE_LOCKED');
    expect(r.headers.get('retry-after')).toBe('1200');
    expect(r.body.details).toEqual({ week: '2026-11-29', lockedUntil: '2026-11-28T18:30:00Z' });
    // other weeks stay writable
    const other = await call(`${s.baseUrl}/schedules/shifts/shift-10400-20261128`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-28T06:30:00Z' },
    });
    expect(other.status).toBe(200);
    // after the window, a write based on the published version applies
    await setClock(s.url, '2026-11-29T02:30:00+08:00');
    const after = await call<Shift>(`${s.baseUrl}/schedules/shifts/${SUNDAY_EARLY}`, {
      method: 'PATCH',
      body: { version: 2, end: '2026-11-29T06:30:00Z' },
    });
    expect(after.status).toBe(200);
    expect(after.body.version).toBe(3);
  });

  it('lets writes through during the window when the lock is switched off, so only version races remain', async () => {
    const s = await sandbox({ clockStart: BEFORE, behaviour: { publishLock: false } });
    await setClock(s.url, '2026-11-29T02:01:00+08:00');
    const stale = await call<{ errorCode: string }>(`${s.baseUrl}/schedules/shifts/${SUNDAY_EARLY}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-29T06:30:00Z' },
    });
    expect(stale.body.errorCode).toBe('VERSION_CONFLICT');
    const fresh = await call(`${s.baseUrl}/schedules/shifts/${SUNDAY_EARLY}`, {
      method: 'PATCH',
      body: { version: 2, end: '2026-11-29T06:30:00Z' },
    });
    expect(fresh.status).toBe(200);
  });

  it('follows a configured window in another zone', async () => {
    const s = await sandbox({
      clockStart: parseInstant('2026-11-25T08:55:00-05:00'),
      publishWindow: { dayOfWeek: 3, time: '09:00', zone: 'America/New_York', durationMinutes: 15 },
    });
    await setClock(s.url, '2026-11-25T09:05:00-05:00');
    // Wednesday 09:00 New York = Wednesday 22:00 SGT: publishes the SGT week of 2026-11-22
    const r = await call<Err>(`${s.baseUrl}/schedules/shifts/shift-10400-20261125`, {
      method: 'PATCH',
      body: { version: 2, end: '2026-11-25T06:30:00Z' },
    });
    expect(r.body.errorCode).toBe('SCHEDULE_LOCKED');
    expect(r.body.details.week).toBe('2026-11-22');
  });
});
