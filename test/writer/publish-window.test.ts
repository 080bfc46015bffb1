import { describe, expect, it } from 'vitest';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { DEFAULT_PUBLISH_WINDOW } from '../../src/time/publish-window.js';
import { scheduleWeekOf } from '../../src/time/schedule-week.js';
import type { WfmAdapter } from '../../src/wfm/adapter.js';
import type { Shift } from '../../src/wfm/contract.js';
import { WfmScheduleConflictError } from '../../src/wfm/errors.js';
import { MemoryOutcomeSink } from '../../src/writer/outcome.js';
import { Writer } from '../../src/writer/writer.js';
import { swap, update } from './support/adjustments.js';
import {
  fixture,
  PUBLISHED_WEEK,
  pending,
  schedule,
  settle,
  shiftOf,
  until,
  WINDOW_MINUTES,
  WINDOW_OPENS,
  withExtraShift,
} from './support/fixture.js';
import { JumpClock } from './support/jump-clock.js';
import { writesByAdjustment } from './support/sandbox-admin.js';

const MIN = 60_000;

/** Opens the sandbox's publish window (the publish job bumps every version of the week). */
async function openWindow(f: Awaited<ReturnType<typeof fixture>>): Promise<void> {
  await f.setTime(WINDOW_OPENS + MIN);
}

/** Moves both clocks past the window's close: the sandbox's and the writer's, by the same amount. */
async function closeWindow(f: Awaited<ReturnType<typeof fixture>>): Promise<void> {
  await f.advanceTime(WINDOW_MINUTES * MIN);
}

describe('writer: the publish window', () => {
  it('defers a write into the week being published until the window closes, then applies it on the fresh version', async () => {
    const f = await fixture();
    const shift = shiftOf(f.snapshot, 0, 8);
    expect(scheduleWeekOf(parseInstant(shift.start), 'Asia/Singapore', 7)).toBe(PUBLISHED_WEEK);
    await openWindow(f);

    const adj = update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 30 * MIN) });
    const result = f.writer.submit(adj);
    await until(() => f.sink.records.length > 0, 'the deferral');

    const deferred = f.sink.records.find((r) => r.status === 'deferred');
    expect(deferred).toMatchObject({ key: adj.key, deferrals: 1 });
    expect(f.calls.map((c) => c.code)).toEqual(['SCHEDULE_LOCKED']);
    expect((await f.admin.ledger()).filter((e) => e.kind === 'patch')).toEqual([]);

    await closeWindow(f);
    const outcome = await result;
    expect(outcome).toMatchObject({ status: 'applied', deferrals: 1 });
    const ledger = await f.admin.ledger();
    const published = ledger.find((e) => e.kind === 'publish' && e.shiftId === shift.id)!;
    const ours = ledger.filter((e) => e.idempotencyKey === adj.key);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.before?.version).toBe(published.version);
    expect(ours[0]!.seq).toBeGreaterThan(published.seq);
  });

  it('applies a swap first sent while the window is open once it closes: a new request, not the stored lock replayed', async () => {
    const f = await fixture({ warm: false });
    const a = shiftOf(f.snapshot, 0, 8);
    const b = shiftOf(f.snapshot, 1, 8);
    // the publish job has bumped the week before the writer first reads it: after the window
    // the versions are the ones the locked request carried, so only its key can differ
    await openWindow(f);
    await f.writer.warm({});
    const adj = swap(a, b);
    const result = f.writer.submit(adj);
    await until(() => f.sink.records.some((r) => r.status === 'deferred'), 'the deferral');
    expect((await f.admin.ledger()).filter((e) => e.kind === 'swap')).toEqual([]);

    await closeWindow(f);
    expect(await result).toMatchObject({ status: 'applied', deferrals: 1 });
    const swapped = (await f.admin.ledger()).filter((e) => e.kind === 'swap');
    expect(swapped.map((e) => e.shiftId).sort()).toEqual([a.id, b.id].sort());
    expect(swapped.find((e) => e.shiftId === a.id)?.after.agentId).toBe(b.agentId);
  });

  it('is never spun on: while deferred the writer sleeps and makes no calls', async () => {
    const f = await fixture();
    await openWindow(f);
    const shift = shiftOf(f.snapshot, 1, 9);
    const result = pending(
      f.writer.submit(update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 15 * MIN) })),
    );
    await until(() => f.sink.records.length > 0, 'the deferral');
    const callsWhileDeferred = f.calls.length;
    await settle(400);

    expect(result.done).toBe(false);
    expect(f.calls.length).toBe(callsWhileDeferred);
    expect(f.clock.sleeping).toBeGreaterThanOrEqual(1);
    await closeWindow(f);
    await f.writer.drain();
    expect(result.value?.status).toBe('applied');
  });

  it('defers further writes to the locked week without knocking, and re-reads the week once when it opens', async () => {
    const f = await fixture();
    await openWindow(f);
    const shifts = [0, 1, 2, 3, 4, 5].map((agent) => shiftOf(f.snapshot, agent, 10));
    const first = f.writer.submit(
      update(shifts[0]!, { kind: 'set-end', end: toWire(parseInstant(shifts[0]!.end) + 15 * MIN) }),
    );
    await until(() => f.sink.records.length === 1, 'the first deferral');
    const rest = shifts
      .slice(1)
      .map((s) =>
        f.writer.submit(update(s, { kind: 'set-start', start: toWire(parseInstant(s.start) - 15 * MIN) })),
      );
    await until(() => f.sink.records.length === 6, 'all six deferrals');

    expect(f.calls.map((c) => c.route)).toEqual(['patch-shift']);
    expect(f.sink.records.filter((r) => r.status === 'deferred')).toHaveLength(6);

    await closeWindow(f);
    const outcomes = await Promise.all([first, ...rest]);
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('applied'));
    // One list for the week (post-publish versions), then one PATCH each: no per-shift reads, no stale writes.
    expect(f.calls.map((c) => c.route).sort()).toEqual(['list-shifts', ...Array(7).fill('patch-shift')]);
    expect(f.calls.filter((c) => c.status === 409)).toHaveLength(1);
  });

  it('re-reads the week once for every adjustment the lock deferred, each with its own Retry-After and jitter, as they wake in real time', async () => {
    // The sandbox's clock runs: the window closes by itself two seconds on, with no jump to wake everyone at once.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const f = await fixture({ sandbox: { clockFrozen: false }, writer: { random } });
    await f.setTime(WINDOW_OPENS + WINDOW_MINUTES * MIN - 2_000);
    const shifts = [0, 1, 2, 3, 4, 5].map((agent) => shiftOf(f.snapshot, agent, 10));
    const outcomes = await Promise.all(
      shifts.map((s) =>
        f.writer.submit(update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 15 * MIN) })),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('applied'));
    expect(f.sink.records.filter((r) => r.status === 'deferred')).toHaveLength(6);
    // Six writes refused, one list of the week, six writes: no adjustment read its shift alone.
    expect(f.calls.filter((c) => c.route === 'get-shift')).toHaveLength(0);
    expect(f.calls.filter((c) => c.route === 'list-shifts')).toHaveLength(1);
  });

  it('loses nothing when the writer stops during the window: the deferred adjustment is not acknowledged and a restart applies it once', async () => {
    const f = await fixture();
    await openWindow(f);
    const shift = shiftOf(f.snapshot, 2, 11);
    const adj = update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 30 * MIN) });
    // A pipeline acknowledges (commits the offset) only on a terminal outcome.
    const acknowledged: string[] = [];
    const first = f.writer.submit(adj).then((o) => acknowledged.push(o.key));
    await until(() => f.sink.records.length > 0, 'the deferral');
    expect(f.sink.records.map((r) => r.status)).toEqual(['deferred']);

    await f.writer.close();
    await expect(first).rejects.toMatchObject({ code: 'TR_ERR_WRITER_CLOSED' });
    expect(acknowledged).toEqual([]);

    await closeWindow(f);
    const sink = new MemoryOutcomeSink();
    const restarted = new Writer({ adapter: f.client, clock: f.clock, sink });
    expect((await restarted.submit(adj)).status).toBe('applied');
    expect(writesByAdjustment(await f.admin.ledger()).get(adj.key)).toHaveLength(1);
  });

  it('reads a bare SCHEDULE_CONFLICT with Retry-After on an unchanged shift as the lock it is', async () => {
    const f = await fixture({ sandbox: { behaviour: { opaqueConflicts: true } } });
    await openWindow(f);
    const shift = shiftOf(f.snapshot, 3, 8);
    const result = f.writer.submit(
      update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 30 * MIN) }),
    );
    await until(() => f.sink.records.length > 0, 'the deferral');
    expect(f.sink.records.map((r) => r.status)).toEqual(['deferred']);
    // The cached version predates the publish job: first it looks stale, then the re-based write meets the lock.
    expect(f.calls.map((c) => `${c.route}:${c.code ?? c.status}`)).toEqual([
      'patch-shift:SCHEDULE_CONFLICT',
      'get-shift:200',
      'patch-shift:SCHEDULE_CONFLICT',
      'get-shift:200',
    ]);
    await closeWindow(f);
    expect(await result).toMatchObject({ status: 'applied', deferrals: 1 });
  });

  it('writes to weeks that are not being published go through during the window', async () => {
    const f = await fixture();
    await openWindow(f);
    const shift = shiftOf(f.snapshot, 4, 3);
    const outcome = await f.writer.submit(
      update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 15 * MIN) }),
    );
    expect(outcome).toMatchObject({ status: 'applied', deferrals: 0, attempts: 1 });
  });
});

describe('writer: the configured publish window, for a WFM that gives no hint', () => {
  it('defers a bare conflict on an unchanged shift inside the configured window until it closes', async () => {
    const shift = shiftOf(schedule(), 0, 8);
    const clock = new JumpClock(WINDOW_OPENS + 5 * MIN);
    let locked = true;
    const writes: number[] = [];
    const adapter: WfmAdapter = {
      listShifts: async () => [shift],
      listAgents: async () => [],
      getShift: async () => shift,
      patchShift: async (_id, patch) => {
        writes.push(clock.now());
        if (locked)
          throw new WfmScheduleConflictError('409 SCHEDULE_CONFLICT', {
            status: 409,
            errorCode: 'SCHEDULE_CONFLICT',
          });
        return { ...shift, ...patch, version: shift.version + 1 } as Shift;
      },
      swapShifts: async () => [],
    };
    const sink = new MemoryOutcomeSink();
    const writer = new Writer({
      adapter,
      clock,
      sink,
      publishWindow: DEFAULT_PUBLISH_WINDOW,
      random: () => 0,
    });
    const result = writer.submit(
      update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 15 * MIN) }),
    );
    await until(() => sink.records.length > 0, 'the deferral');

    const closesAt = WINDOW_OPENS + DEFAULT_PUBLISH_WINDOW.durationMinutes * MIN;
    expect(sink.records).toMatchObject([{ status: 'deferred', deferredUntil: toWire(closesAt) }]);
    expect(writes).toHaveLength(1);

    locked = false;
    clock.advance(closesAt - clock.now());
    expect(await result).toMatchObject({ status: 'applied', deferrals: 1 });
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBeGreaterThanOrEqual(closesAt);
  });
});

describe('writer: a publish lock that outlasts the configured window', () => {
  it('defers through a lock twice the configured window, met as bare 409s without Retry-After: every update and swap applied after the lock ends, none rejected', async () => {
    const configured = DEFAULT_PUBLISH_WINDOW;
    const lockMinutes = 2 * configured.durationMinutes;
    const f = await fixture({
      sandbox: {
        publishWindow: { ...configured, durationMinutes: lockMinutes },
        behaviour: { opaqueConflicts: true, lockRetryAfter: false },
      },
      writer: { publishWindow: configured },
    });
    await openWindow(f);
    const adjustments = [
      ...[0, 1, 2, 3].map((agent) => {
        const shift = shiftOf(f.snapshot, agent, 8);
        return update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 15 * MIN) });
      }),
      swap(shiftOf(f.snapshot, 4, 8), shiftOf(f.snapshot, 5, 8)),
      swap(shiftOf(f.snapshot, 6, 9), shiftOf(f.snapshot, 7, 9)),
    ];
    const results = Promise.all(adjustments.map((a) => f.writer.submit(a)));

    // Both clocks walk a minute at a time through the lock and 20 minutes past it.
    const lockEnds = WINDOW_OPENS + lockMinutes * MIN;
    while (f.clock.now() < lockEnds + 20 * MIN) {
      await settle(20);
      await f.advanceTime(MIN);
    }
    const outcomes = await results;

    expect(outcomes.map((o) => o.status)).toEqual(adjustments.map(() => 'applied'));
    expect(f.sink.records.filter((r) => r.status === 'rejected' || r.status === 'dead-lettered')).toEqual([]);
    const ledger = await f.admin.ledger();
    const ours = ledger.filter((e) => e.kind === 'patch' || e.kind === 'swap');
    // each update once, each swap once on each of its two shifts, all after the lock ended
    expect(ours).toHaveLength(4 + 2 * 2);
    for (const e of ours) expect(parseInstant(e.at)).toBeGreaterThanOrEqual(lockEnds);
    // the lock's overrun is deferred with back-off, not knocked on once a minute by every adjustment
    const knocks = f.calls.filter((c) => c.code === 'SCHEDULE_CONFLICT').length;
    expect(knocks).toBeLessThan(adjustments.length * 8);
  });

  it('still rejects a true overlap after the configured window, naming the shift in the way', async () => {
    // Agent 0 works 06:00–14:00 SGT on Monday 30th, in the published week; an extra shift sits at 16:00–18:00.
    const snapshot = withExtraShift(schedule(), 0, '2026-11-30T08:00:00Z', '2026-11-30T10:00:00Z');
    const f = await fixture({
      snapshot,
      sandbox: { behaviour: { opaqueConflicts: true, lockRetryAfter: false } },
      writer: { publishWindow: DEFAULT_PUBLISH_WINDOW },
    });
    // just after the configured window closed: a lock might still be running late
    await f.setTime(WINDOW_OPENS + (WINDOW_MINUTES + 5) * MIN);
    const shift = shiftOf(snapshot, 0, 8);
    const outcome = await f.writer.submit(update(shift, { kind: 'set-end', end: '2026-11-30T09:00:00Z' }));
    expect(outcome).toMatchObject({
      status: 'rejected',
      deferrals: 0,
      reason: { code: 'TR_ERR_WFM_SHIFT_OVERLAP', conflictingShiftId: 'shift-extra' },
    });
    // the times of both shifts in the business unit's zone, UTC beside them
    expect(outcome.reason?.message).toContain(
      "already has shift 'shift-extra' (16:00–18:00 Mon 30 Nov +08:00 (08:00Z–10:00Z))",
    );
  });
});
