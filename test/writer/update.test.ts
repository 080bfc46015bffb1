import { describe, expect, it } from 'vitest';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { Writer } from '../../src/writer/writer.js';
import { update } from './support/adjustments.js';
import {
  fixture,
  otherIntegrationPatch,
  schedule,
  shiftOf,
  TOKENS,
  withExtraShift,
} from './support/fixture.js';
import { writesByAdjustment } from './support/sandbox-admin.js';

const MIN = 60_000;

describe('writer: shift updates against the sandbox', () => {
  it('applies a target-state update with one PATCH when its cached version is current', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 0, 3);
    const target = toWire(parseInstant(shift.end) + 30 * MIN);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-end', end: target }));

    expect(outcome).toMatchObject({ status: 'applied', attempts: 1, httpCalls: 1, firstAttemptStale: false });
    expect(f.calls.map((c) => c.route)).toEqual(['patch-shift']);
    const [entry] = await f.admin.ledger();
    expect(entry).toMatchObject({ kind: 'patch', shiftId: shift.id, idempotencyKey: outcome.key });
    expect(entry?.after.end).toBe(target);
    expect(outcome.finalVersions[shift.id]).toBe(entry?.version);
  });

  it('re-applies the intent to the fresh shift after a version conflict, keeping the other change', async () => {
    const f = await fixture({ sandbox: { tokens: TOKENS } });
    const shift = shiftOf(f.snapshot, 1, 3);
    // Another integration turns the first break into a meeting after our cache was filled.
    const activities = shift.activities.map((a) =>
      a.type === 'break' ? { ...a, type: 'meeting' as const } : a,
    );
    const changed = await otherIntegrationPatch(f.sandbox.url, shift.id, {
      version: shift.version,
      activities,
    });

    const target = toWire(parseInstant(shift.end) + 45 * MIN);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-end', end: target }));

    expect(outcome).toMatchObject({ status: 'applied', attempts: 2, firstAttemptStale: true });
    // The 409 carried the current shift: no extra read.
    expect(f.calls.map((c) => c.route)).toEqual(['patch-shift', 'patch-shift']);
    expect(f.calls[0]?.code).toBe('VERSION_CONFLICT');
    const final = (await f.admin.ledger()).at(-1)!.after;
    expect(final.end).toBe(target);
    expect(final.version).toBe(changed.version + 1);
    expect(final.activities.filter((a) => a.type === 'meeting')).toHaveLength(2);
    expect(final.activities.some((a) => a.type === 'break')).toBe(false);
  });

  it('records already-applied and writes nothing when a fresh read shows the target state true', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 2, 4);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-end', end: shift.end }));

    expect(outcome.status).toBe('already-applied');
    // The cache said "already true"; the writer confirms on a fresh read before deciding so.
    expect(f.calls.map((c) => c.route)).toEqual(['get-shift']);
    expect(await f.admin.ledger()).toEqual([]);
  });

  it('a second writer (a restart) finds an applied adjustment already applied and writes nothing more', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 3, 4);
    const adj = update(shift, {
      kind: 'activities-to-on-queue',
      from: shift.start,
      to: shift.end,
      types: ['break', 'meal'],
    });
    expect((await f.writer.submit(adj)).status).toBe('applied');

    const restarted = new Writer({ adapter: f.client, clock: f.clock });
    const again = await restarted.submit(adj);
    expect(again.status).toBe('already-applied');
    expect(writesByAdjustment(await f.admin.ledger()).get(adj.key)).toHaveLength(1);
  });

  it('tells a stale version from an overlap by re-reading when the WFM only says SCHEDULE_CONFLICT', async () => {
    const f = await fixture({ sandbox: { tokens: TOKENS, behaviour: { opaqueConflicts: true } } });
    const shift = shiftOf(f.snapshot, 1, 5);
    await otherIntegrationPatch(f.sandbox.url, shift.id, {
      version: shift.version,
      activities: shift.activities.slice(0, -1).concat({ ...shift.activities.at(-1)!, type: 'coaching' }),
    });
    const target = toWire(parseInstant(shift.start) - 60 * MIN);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-start', start: target }));

    expect(outcome).toMatchObject({ status: 'applied', attempts: 2, firstAttemptStale: true });
    expect(f.calls.map((c) => `${c.route}:${c.code ?? c.status}`)).toEqual([
      'patch-shift:SCHEDULE_CONFLICT',
      'get-shift:200',
      'patch-shift:200',
    ]);
    const final = (await f.admin.ledger()).at(-1)!.after;
    expect(final.start).toBe(target);
    expect(final.activities.at(-1)?.type).toBe('coaching');
  });

  it('rejects a true overlap naming the conflicting shift, without retrying', async () => {
    // Agent 0 works 06:00–14:00 SGT on Monday 23rd; an extra shift sits at 16:00–18:00.
    const snapshot = withExtraShift(schedule(), 0, '2026-11-23T08:00:00Z', '2026-11-23T10:00:00Z');
    const f = await fixture({ snapshot });
    const shift = shiftOf(snapshot, 0, 1);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-end', end: '2026-11-23T09:00:00Z' }));

    expect(outcome).toMatchObject({
      status: 'rejected',
      attempts: 1,
      reason: { code: 'TR_ERR_WFM_SHIFT_OVERLAP', conflictingShiftId: 'shift-extra' },
    });
    expect(f.calls).toHaveLength(1);
    expect(await f.admin.ledger()).toEqual([]);
  });

  it('finds the shift in the way itself when a bare SCHEDULE_CONFLICT hides a true overlap', async () => {
    const snapshot = withExtraShift(schedule(), 0, '2026-11-23T08:00:00Z', '2026-11-23T10:00:00Z');
    const f = await fixture({ snapshot, sandbox: { behaviour: { opaqueConflicts: true } } });
    const shift = shiftOf(snapshot, 0, 1);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-end', end: '2026-11-23T09:00:00Z' }));

    expect(outcome).toMatchObject({
      status: 'rejected',
      attempts: 1,
      reason: {
        code: 'TR_ERR_WFM_SHIFT_OVERLAP',
        conflictingShiftId: 'shift-extra',
        cause: 'TR_ERR_WFM_SCHEDULE_CONFLICT',
      },
    });
    expect(f.calls.map((c) => c.route)).toEqual(['patch-shift', 'get-shift', 'list-shifts']);
    expect(await f.admin.ledger()).toEqual([]);
  });

  it('rejects a 400 with the reason and does not retry it', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 4, 2);
    const offGrid = toWire(parseInstant(shift.end) + 7 * MIN);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-end', end: offGrid }));

    expect(outcome).toMatchObject({
      status: 'rejected',
      attempts: 1,
      reason: { code: 'TR_ERR_WFM_VALIDATION' },
    });
    expect(outcome.reason?.message).toMatch(/15-minute grid/);
    expect(f.calls).toHaveLength(1);
  });

  it('rejects an unknown shift as not found after one read', async () => {
    const f = await fixture();
    const outcome = await f.writer.submit(
      update(
        { id: 'shift-missing', agentId: 'agent-10400', teamId: 'team-apac-01' },
        { kind: 'set-end', end: '2026-11-23T09:00:00Z' },
      ),
    );
    expect(outcome).toMatchObject({
      status: 'rejected',
      attempts: 0,
      reason: { code: 'TR_ERR_WFM_NOT_FOUND' },
    });
    // the team's day was listed once on the miss (it was not there either), then the shift read once
    expect(f.calls.map((c) => c.route)).toEqual(['list-shifts', 'get-shift']);
  });

  it('dead-letters a key reused with another body (422) as the bug it is', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 5, 2);
    const first = update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 15 * MIN) });
    const clash = {
      ...update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 60 * MIN) }),
      key: first.key,
    };
    expect((await f.writer.submit(first)).status).toBe('applied');
    const outcome = await f.writer.submit(clash);

    expect(outcome).toMatchObject({
      status: 'dead-lettered',
      reason: { code: 'TR_ERR_WFM_IDEMPOTENCY_KEY_REUSED' },
    });
    expect(writesByAdjustment(await f.admin.ledger()).get(first.key)).toHaveLength(1);
  });

  it('rejects an update whose shift now belongs to another agent, so it is re-planned', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 6, 2);
    const outcome = await f.writer.submit(
      update(
        { ...shift, agentId: 'agent-10401' },
        { kind: 'set-end', end: toWire(parseInstant(shift.end) + 15 * MIN) },
      ),
    );
    expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'TR_ERR_WRITER_SUBJECT_CHANGED' } });
    expect(await f.admin.ledger()).toEqual([]);
  });

  it('rejects a mutation that cannot hold on the shift without sending it', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 7, 2);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-end', end: shift.start }));
    expect(outcome).toMatchObject({
      status: 'rejected',
      attempts: 0,
      reason: { code: 'TR_ERR_WRITER_IMPOSSIBLE_MUTATION' },
    });
    // told in the business unit's zone, UTC beside it
    expect(outcome.reason?.message).toMatch(
      /^shift '[\w-]+' starts at (\d\d:\d\d) Tue 24 Nov \+08:00 \(\d\d:\d\dZ\); it cannot end at \1 Tue 24 Nov \+08:00/,
    );
    // decided on a fresh read, never on the cached copy
    expect(f.calls.map((c) => c.route)).toEqual(['get-shift']);
  });

  it('dead-letters an adjustment that does not match the schema, without calling the WFM', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 7, 3);
    const bad = update(shift, { kind: 'set-end', end: '2026-11-23 09:00' });
    const outcome = await f.writer.submit(bad);
    expect(outcome).toMatchObject({
      status: 'dead-lettered',
      reason: { code: 'TR_ERR_WRITER_INVALID_ADJUSTMENT' },
    });
    expect(outcome.reason?.message).toMatch(/mutation\.end/);
    expect(f.calls).toEqual([]);
  });
});
