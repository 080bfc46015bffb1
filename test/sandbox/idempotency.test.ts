import { describe, expect, it } from 'vitest';
import type { Shift } from '../../src/wfm/contract.js';
import { call } from '../support/http.js';
import { sandbox } from './fixture.js';

type Err = { errorCode: string };
const S = 'shift-10400-20261125';

describe('WFM sandbox: Idempotency-Key as the IETF draft says', () => {
  it('replays the stored response for the same key and body, marked replayed, and applies once', async () => {
    const s = await sandbox();
    const req = {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'k-1' },
    };
    const first = await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`, req);
    const second = await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`, req);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotency-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(s.sandbox.ledger.since(1).entries.filter((e) => e.idempotencyKey === 'k-1')).toHaveLength(1);
  });

  it('answers 422 when the key is reused with another body', async () => {
    const s = await sandbox();
    const u = `${s.baseUrl}/schedules/shifts/${S}`;
    await call(u, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'k-2' },
    });
    const r = await call<Err>(u, {
      method: 'PATCH',
      body: { version: 2, end: '2026-11-25T07:00:00Z' },
      headers: { 'idempotency-key': 'k-2' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errorCode).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('answers 409 in-flight while the first request with the key is still running', async () => {
    const s = await sandbox({ behaviour: { minInFlightMs: 400 } });
    const req = {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'k-3' },
    };
    const slow = call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`, req);
    await new Promise((r) => setTimeout(r, 100));
    const early = await call<Err>(`${s.baseUrl}/schedules/shifts/${S}`, req);
    expect(early.status).toBe(409);
    expect(early.body.errorCode).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
    expect((await slow).status).toBe(200);
    const later = await call<Shift>(`${s.baseUrl}/schedules/shifts/${S}`, req);
    expect(later.headers.get('idempotency-replayed')).toBe('true');
  });

  it('frees the key after a version conflict so a re-based retry with the same key applies', async () => {
    const s = await sandbox();
    const u = `${s.baseUrl}/schedules/shifts/${S}`;
    await call(u, { method: 'PATCH', body: { version: 1, end: '2026-11-25T06:15:00Z' } });
    const stale = await call<Err>(u, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'k-4' },
    });
    expect(stale.status).toBe(409);
    const rebased = await call<Shift>(u, {
      method: 'PATCH',
      body: { version: 2, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'k-4' },
    });
    expect(rebased.status).toBe(200);
    expect(rebased.body.version).toBe(3);
  });

  it('forgets keys after 24 hours on the virtual clock', async () => {
    const s = await sandbox();
    const u = `${s.baseUrl}/schedules/shifts/${S}`;
    await call(u, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'k-5' },
    });
    await call(`${s.url}/_sandbox/clock`, {
      method: 'PUT',
      body: { advanceMs: 24 * 3_600_000 + 1000 },
      token: null,
    });
    const r = await call<Err>(u, {
      method: 'PATCH',
      body: { version: 2, end: '2026-11-25T06:45:00Z' },
      headers: { 'idempotency-key': 'k-5' },
    });
    expect(r.status).toBe(200);
  });

  it('rejects a malformed Idempotency-Key with 400', async () => {
    const s = await sandbox();
    const r = await call<Err>(`${s.baseUrl}/schedules/shifts/${S}`, {
      method: 'PATCH',
      body: { version: 1, end: '2026-11-25T06:30:00Z' },
      headers: { 'idempotency-key': 'x'.repeat(300) },
    });
    expect(r.status).toBe(400);
  });
});
