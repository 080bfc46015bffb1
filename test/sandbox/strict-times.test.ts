import { describe, expect, it } from 'vitest';
import type { Shift } from '../../src/wfm/contract.js';
import { call } from '../support/http.js';
import { REFUSED_INSTANTS } from '../support/rfc3339.js';
import { sandbox } from './fixture.js';

const S = 'shift-10400-20261125'; // agent-10400, 2026-11-24T22:00Z – 2026-11-25T06:00Z (06:00–14:00 SGT)
const admin = (url: string, path: string, body?: unknown) =>
  call<{ errorCode?: string; message?: string; now?: string }>(
    `${url}/_sandbox/${path}`,
    body === undefined ? { token: null } : { method: 'PUT', body, token: null },
  );

describe('WFM sandbox: instants and times of day are RFC 3339 and HH:mm, never rolled over', () => {
  it('refuses to set the virtual clock to hour 24 or an offset past ±14:00, and leaves the clock where it was', async () => {
    const s = await sandbox();
    for (const now of [...REFUSED_INSTANTS, '2026-11-25T10:00+99:99']) {
      const r = await admin(s.url, 'clock', { now });
      expect(r.status, now).toBe(400);
      expect(r.body.errorCode).toBe('VALIDATION_ERROR');
      expect(r.body.message).toContain(`now: ${JSON.stringify(now)} is not an instant: `);
    }
    expect((await admin(s.url, 'clock')).body.now).toBe('2026-11-25T02:00:00Z');
  });

  it('refuses a publish window time of 25:00 or 99:99, naming the field, the value and the fix, and keeps the window', async () => {
    const s = await sandbox();
    const before = (await admin(s.url, 'publish-window')).body;
    for (const time of ['25:00', '99:99', '24:00', '12:60']) {
      const r = await admin(s.url, 'publish-window', {
        dayOfWeek: 7,
        time,
        zone: 'Asia/Singapore',
        durationMinutes: 30,
      });
      expect(r.status, time).toBe(400);
      expect(r.body.message).toMatch(
        new RegExp(`^time: "${time}" is not a time of day \\(.*\\): write HH:mm from 00:00 to 23:59`),
      );
    }
    expect((await admin(s.url, 'publish-window')).body).toEqual(before);
  });

  it('refuses hour 24 and out-of-range offsets in query parameters and bodies, naming the field', async () => {
    const s = await sandbox();
    const listed = await call<{ message: string }>(
      `${s.baseUrl}/schedules/shifts?from=${encodeURIComponent('2026-11-24T24:00+08:00')}`,
    );
    expect(listed.status).toBe(400);
    expect(listed.body.message).toContain('query from: "2026-11-24T24:00+08:00" is not an instant: hour 24');
    for (const end of REFUSED_INSTANTS) {
      const r = await call<{ message: string }>(`${s.baseUrl}/schedules/shifts/${S}`, {
        method: 'PATCH',
        body: { version: 1, end },
      });
      expect(r.status, end).toBe(400);
      expect(r.body.message).toContain(`end: ${JSON.stringify(end)} is not an instant: `);
    }
    expect((await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`)).body.version).toBe(1);
  });

  it('accepts ten or more fraction digits and answers in UTC', async () => {
    const s = await sandbox();
    const r = await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T14:30:00.0000000000+08:00' },
    });
    expect(r.status).toBe(200);
    expect(r.body.end).toBe('2026-11-25T06:30:00Z');
  });

  it('refuses a state upload whose publishedThrough is not an instant', async () => {
    const s = await sandbox();
    const state = (await admin(s.url, 'state')).body as Record<string, unknown>;
    const r = await admin(s.url, 'state', { ...state, publishedThrough: '2026-11-25T10:00+16:00' });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('publishedThrough: "2026-11-25T10:00+16:00" is not an instant');
  });
});
