import { describe, expect, it } from 'vitest';
import type { ShiftPatch } from '../../src/wfm/contract.js';
import {
  errorFromTransport,
  WfmBadResponseError,
  WfmConnectionError,
  WfmIdempotencyKeyInFlightError,
  WfmIdempotencyKeyReusedError,
  WfmNotFoundError,
  WfmRateLimitedError,
  WfmScheduleConflictError,
  WfmScheduleLockedError,
  WfmServerError,
  WfmShiftOverlapError,
  WfmTimeoutError,
  WfmUnauthorizedError,
  WfmValidationError,
  WfmVersionConflictError,
} from '../../src/wfm/errors.js';
import { client, failure, SNAPSHOT, sandbox } from './support.js';

const shift = SNAPSHOT.shifts[9]!;
const later = (iso: string, minutes: number) =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString().replace('.000Z', 'Z');

describe('WFM client: every contract error becomes its own error class', () => {
  it('409 VERSION_CONFLICT carries the current version and shift', async () => {
    const { sb } = await sandbox();
    const { client: c } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    await c.patchShift(shift.id, { version: 1, end: later(shift.end, 15) }, { idempotencyKey: 'k-1' });
    const err = await failure(
      c.patchShift(shift.id, { version: 1, end: later(shift.end, 30) }, { idempotencyKey: 'k-2' }),
    );
    expect(err).toBeInstanceOf(WfmVersionConflictError);
    expect(err).toMatchObject({
      code: 'TR_ERR_WFM_VERSION_CONFLICT',
      retriable: true,
      status: 409,
      currentVersion: 2,
    });
    expect((err as unknown as WfmVersionConflictError).currentShift?.end).toBe(later(shift.end, 15));
  });

  it('409 SHIFT_OVERLAP names the conflicting shift', async () => {
    const { sb } = await sandbox();
    const { client: c } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    const other = SNAPSHOT.shifts.find(
      (s) => s.agentId !== shift.agentId && s.start.slice(0, 10) === shift.start.slice(0, 10),
    )!;
    // Give the shift to an agent who already works that day: an overlap.
    const sameDay = SNAPSHOT.shifts.find(
      (s) =>
        s.agentId === other.agentId &&
        Math.abs(Date.parse(s.start) - Date.parse(shift.start)) < 8 * 3_600_000,
    )!;
    const err = await failure(
      c.patchShift(shift.id, { version: 1, agentId: other.agentId }, { idempotencyKey: 'k-o' }),
    );
    expect(err).toBeInstanceOf(WfmShiftOverlapError);
    expect(err).toMatchObject({ retriable: false, agentId: other.agentId, conflictingShiftId: sameDay.id });
  });

  it('409 SCHEDULE_LOCKED carries Retry-After, the week and lockedUntil', async () => {
    const { sb, admin } = await sandbox();
    const { client: c } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    // Sunday 2026-11-22 02:10 SGT: the window publishing this week has been open 10 minutes.
    await admin.clock({ now: '2026-11-21T18:10:00Z' });
    const err = await failure(
      c.patchShift(shift.id, { version: 2, end: later(shift.end, 15) }, { idempotencyKey: 'k-l' }),
    );
    expect(err).toBeInstanceOf(WfmScheduleLockedError);
    expect(err).toMatchObject({
      retriable: true,
      retryAfterMs: 20 * 60_000,
      week: '2026-11-22',
      lockedUntil: '2026-11-21T18:30:00Z',
    });
  });

  it('a bare 409 SCHEDULE_CONFLICT is its own class, not retriable as is', async () => {
    const { sb } = await sandbox({ behaviour: { opaqueConflicts: true } });
    const { client: c } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    const err = await failure(
      c.patchShift(shift.id, { version: 7, end: later(shift.end, 15) }, { idempotencyKey: 'k-c' }),
    );
    expect(err).toBeInstanceOf(WfmScheduleConflictError);
    expect(err).toMatchObject({ code: 'TR_ERR_WFM_SCHEDULE_CONFLICT', retriable: false, details: undefined });
  });

  it('409 IDEMPOTENCY_KEY_IN_FLIGHT while the first request runs; the same key and body replays after', async () => {
    const { sb } = await sandbox({ behaviour: { minInFlightMs: 300 } });
    const { client: c, calls } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    const patch: ShiftPatch = { version: 1, end: later(shift.end, 15) };
    const first = c.patchShift(shift.id, patch, { idempotencyKey: 'k-f' });
    await new Promise((r) => setTimeout(r, 50));
    const err = await failure(c.patchShift(shift.id, patch, { idempotencyKey: 'k-f' }));
    expect(err).toBeInstanceOf(WfmIdempotencyKeyInFlightError);
    expect(err).toMatchObject({ retriable: true, retryAfterMs: 1_000 });
    const applied = await first;
    expect(await c.patchShift(shift.id, patch, { idempotencyKey: 'k-f' })).toEqual(applied);
    expect(calls.at(-1)?.replayed).toBe(true);
  });

  it('422 IDEMPOTENCY_KEY_REUSED when a key comes back with another body', async () => {
    const { sb } = await sandbox();
    const { client: c } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    await c.patchShift(shift.id, { version: 1, end: later(shift.end, 15) }, { idempotencyKey: 'k-r' });
    const err = await failure(
      c.patchShift(shift.id, { version: 2, end: later(shift.end, 30) }, { idempotencyKey: 'k-r' }),
    );
    expect(err).toBeInstanceOf(WfmIdempotencyKeyReusedError);
    expect(err).toMatchObject({ status: 422, retriable: false });
  });

  it('400 VALIDATION_ERROR lists the issues: a timestamp without an offset is refused, as it should be', async () => {
    const { sb } = await sandbox();
    const { client: c } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    const err = await failure(
      c.patchShift(shift.id, { version: 1, end: '2026-11-23T18:00:00' }, { idempotencyKey: 'k-v' }),
    );
    expect(err).toBeInstanceOf(WfmValidationError);
    expect((err as unknown as WfmValidationError).issues[0]?.path).toBe('end');
  });

  it('401, 404, 429 and 503 each map to their class', async () => {
    const { sb, admin } = await sandbox();
    const { client: wrong } = client({ baseUrl: sb.baseUrl, token: 'not-a-token' });
    expect(await failure(wrong.getShift(shift.id))).toBeInstanceOf(WfmUnauthorizedError);

    const { client: c } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    expect(await failure(c.getShift('shift-missing'))).toBeInstanceOf(WfmNotFoundError);

    await admin.behaviour({ rateLimitPerMinute: 60, rateLimitBurst: 1 });
    await c.getShift(shift.id);
    const limited = await failure(c.getShift(shift.id));
    expect(limited).toBeInstanceOf(WfmRateLimitedError);
    expect(limited.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    await admin.behaviour({ rateLimitPerMinute: 0 });

    await admin.faults({ errorRate: 1 });
    const down = await failure(c.getShift(shift.id));
    expect(down).toBeInstanceOf(WfmServerError);
    expect(down).toMatchObject({ retriable: true });
    expect([500, 503]).toContain(down.status);
  });

  it('connection resets, refused connections and timeouts are retriable transport errors', async () => {
    const { sb, admin } = await sandbox();
    const { client: c } = client({
      baseUrl: sb.baseUrl,
      token: 'sandbox-token',
      timeouts: { headersMs: 1_000 },
    });
    await admin.faults({ resetRate: 1 });
    expect(await failure(c.getShift(shift.id))).toMatchObject({
      code: 'TR_ERR_WFM_CONNECTION',
      retriable: true,
    });
    await admin.faults({ resetRate: 0, latencyMs: 2_500 });
    const slow = await failure(c.getShift(shift.id));
    expect(slow).toBeInstanceOf(WfmTimeoutError);
    expect(slow).toMatchObject({ phase: 'headers', retriable: true });

    const { client: nowhere } = client({ baseUrl: 'http://127.0.0.1:1/wfm/api/v2', token: 'sandbox-token' });
    const refused = await failure(nowhere.getShift(shift.id));
    expect(refused).toBeInstanceOf(WfmConnectionError);
    // nothing listened: the request never left, and the message says so
    expect(refused.message).toMatch(
      /ECONNREFUSED: nothing listens at that address\); the request was not sent$/,
    );
  });

  it('says a request may have been applied only when the connection broke after it could have been sent', () => {
    const request = { method: 'PATCH', path: '/shifts/s-1' };
    const timeouts = { connectMs: 1, headersMs: 1, bodyMs: 1 };
    const reset = errorFromTransport(
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      request,
      timeouts,
    );
    expect(reset).toBeInstanceOf(WfmConnectionError);
    expect((reset as Error).message).toBe(
      'WFM PATCH /shifts/s-1: connection failed (ECONNRESET); the request may or may not have been applied',
    );
    const unknownHost = errorFromTransport(
      Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }),
      { method: 'POST', path: '/oauth/token' },
      timeouts,
      'Genesys Cloud',
    );
    expect((unknownHost as Error).message).toBe(
      'Genesys Cloud POST /oauth/token: connection failed (ENOTFOUND: the host name does not resolve); the request was not sent',
    );
  });

  it('hands back the caller’s abort untouched, not as a WFM failure', async () => {
    const { sb, admin } = await sandbox();
    await admin.faults({ latencyMs: 500 });
    const { client: c } = client({ baseUrl: sb.baseUrl, token: 'sandbox-token' });
    const controller = new AbortController();
    const pending = c.getShift(shift.id, controller.signal);
    controller.abort(new Error('shutting down'));
    const err = await failure(pending);
    expect(err.message).toBe('shutting down');
    expect(err).not.toBeInstanceOf(WfmBadResponseError);
  });
});
