import { describe, expect, it } from 'vitest';
import type { SwapAdjustment } from '../../src/planner/adjustment.js';
import { Writer } from '../../src/writer/writer.js';
import { swap } from './support/adjustments.js';
import {
  type Fixture,
  fixture,
  schedule,
  shiftOf,
  until,
  WINDOW_MINUTES,
  WINDOW_OPENS,
  withExtraShift,
} from './support/fixture.js';
import { writesByAdjustment } from './support/sandbox-admin.js';

const MIN = 60_000;

/** Swaps between agents 2k and 2k+1 (their shifts overlap: starts 15 minutes apart) on the given days. */
function pairSwaps(f: Fixture, pairs: number, days: number[]): SwapAdjustment[] {
  return days.flatMap((day) =>
    Array.from({ length: pairs }, (_, k) =>
      swap(shiftOf(f.snapshot, 2 * k, day), shiftOf(f.snapshot, 2 * k + 1, day)),
    ),
  );
}

/** Every swap has both halves in the ledger or neither; returns how many have both. */
async function expectNoHalfSwaps(f: Fixture, swaps: SwapAdjustment[]): Promise<number> {
  const writes = writesByAdjustment(await f.admin.ledger());
  let whole = 0;
  for (const s of swaps) {
    const entries = writes.get(s.key) ?? [];
    expect([0, 2], `swap ${s.key}`).toContain(entries.length);
    if (entries.length === 2) {
      whole++;
      expect(entries.map((e) => e.shiftId).sort()).toEqual([s.a.shiftId, s.b.shiftId].sort());
      expect(Math.abs(entries[0]!.seq - entries[1]!.seq)).toBe(1);
    }
  }
  expect([...writes.values()].every((e) => e.every((x) => x.kind === 'swap'))).toBe(true);
  return whole;
}

describe('writer: bulk swaps', () => {
  it('sends swaps through the bulk endpoint in batches of at most 100, each atomic, never as PATCHes', async () => {
    const f = await fixture({ snapshot: schedule(300, 7) });
    const sizes: number[] = [];
    const swapShifts = f.client.swapShifts.bind(f.client);
    f.client.swapShifts = (items, options) => {
      sizes.push(items.length);
      return swapShifts(items, options);
    };
    const swaps = pairSwaps(f, 150, [3]);
    const outcomes = await Promise.all(swaps.map((s) => f.writer.submit(s)));

    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(f.calls.every((c) => c.route === 'swap-shifts')).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(150);
    expect(Math.max(...sizes)).toBe(100);
    // A request is shared: each swap in a request of n carries 1/n of it.
    expect(outcomes.reduce((n, o) => n + o.httpCalls, 0)).toBeCloseTo(sizes.length, 1);
    expect(await expectNoHalfSwaps(f, swaps)).toBe(150);
    // Overlapping shifts swapped in one step: no transient overlap, no SHIFT_OVERLAP.
    const final = await f.admin.schedule();
    for (const s of swaps) {
      expect(final.shifts.find((x) => x.id === s.a.shiftId)?.agentId).toBe(s.b.agentId);
      expect(final.shifts.find((x) => x.id === s.b.shiftId)?.agentId).toBe(s.a.agentId);
    }
  });

  it('never leaves a swap half applied, under version races, 5xx, resets and the publish lock', async () => {
    const f = await fixture({ snapshot: schedule(40, 14) });
    const swaps = pairSwaps(f, 20, [2, 3, 8, 9]);
    await f.setTime(WINDOW_OPENS + MIN);
    await f.admin.faults({
      mutatorPerSecond: 200,
      errorRate: 0.1,
      errorAfterWriteRate: 0.1,
      resetRate: 0.05,
      seed: 5,
    });
    const results = Promise.all(swaps.map((s) => f.writer.submit(s)));
    await until(() => f.sink.records.some((r) => r.status === 'deferred'), 'a swap deferred by the window');
    await expectNoHalfSwaps(f, swaps);

    await f.advanceTime(WINDOW_MINUTES * MIN);
    const outcomes = await results;
    await f.admin.faults({ mutatorPerSecond: 0, errorRate: 0, errorAfterWriteRate: 0, resetRate: 0 });

    expect(outcomes.map((o) => o.status).filter((s) => s !== 'applied')).toEqual([]);
    expect(outcomes.some((o) => o.firstAttemptStale)).toBe(true);
    expect(outcomes.some((o) => o.deferrals > 0)).toBe(true);
    expect(await expectNoHalfSwaps(f, swaps)).toBe(swaps.length);
  });

  it('rejects a swap that would overlap another shift of the new owner, naming it', async () => {
    // Agent 1 has an extra early shift, 05:00–06:15 SGT Monday, which agent 0's 06:00 shift would overlap.
    const snapshot = withExtraShift(schedule(), 1, '2026-11-22T21:00:00Z', '2026-11-22T22:15:00Z');
    for (const opaqueConflicts of [false, true]) {
      const f = await fixture({ snapshot, sandbox: { behaviour: { opaqueConflicts } } });
      const s = swap(shiftOf(snapshot, 0, 1), shiftOf(snapshot, 1, 1));
      const outcome = await f.writer.submit(s);
      expect(outcome, `opaque: ${opaqueConflicts}`).toMatchObject({
        status: 'rejected',
        reason: { code: 'TR_ERR_WFM_SHIFT_OVERLAP', conflictingShiftId: 'shift-extra' },
      });
      expect(await f.admin.ledger()).toEqual([]);
    }
  });

  it('records a swap found already done as already-applied, and writes nothing', async () => {
    const f = await fixture();
    const s = swap(shiftOf(f.snapshot, 2, 4), shiftOf(f.snapshot, 3, 4));
    expect((await f.writer.submit(s)).status).toBe('applied');
    const restarted = new Writer({ adapter: f.client, clock: f.clock });
    expect((await restarted.submit(s)).status).toBe('already-applied');
    expect(writesByAdjustment(await f.admin.ledger()).get(s.key)).toHaveLength(2);
  });

  it('rejects a swap whose shifts no longer belong to the planned agents, for re-planning', async () => {
    const f = await fixture();
    const a = shiftOf(f.snapshot, 4, 4);
    const b = shiftOf(f.snapshot, 5, 4);
    const outcome = await f.writer.submit(swap(a, { ...b, agentId: 'agent-10406' }));
    expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'TR_ERR_WRITER_SUBJECT_CHANGED' } });
    expect(f.calls.some((c) => c.route === 'swap-shifts')).toBe(false);
  });
});
