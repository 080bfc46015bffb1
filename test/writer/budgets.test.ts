import { describe, expect, it } from 'vitest';
import type { WfmAdapter } from '../../src/wfm/adapter.js';
import type { Shift } from '../../src/wfm/contract.js';
import { WfmServerError } from '../../src/wfm/errors.js';
import { Semaphore } from '../../src/writer/semaphore.js';
import { Writer } from '../../src/writer/writer.js';
import { update } from './support/adjustments.js';
import { schedule, shiftOf, until } from './support/fixture.js';
import { ManualClock } from './support/manual-clock.js';

const shift = shiftOf(schedule(), 0, 2);

/** An adapter whose PATCH fails with 503 `failures` times, then applies. */
function flaky(failures: number, onFail?: () => void): WfmAdapter & { patches: number } {
  const adapter = {
    patches: 0,
    listShifts: async () => [shift],
    listAgents: async () => [],
    getShift: async () => shift,
    patchShift: async (_id: string, patch: object) => {
      adapter.patches++;
      if (adapter.patches <= failures) {
        onFail?.();
        throw new WfmServerError('503', { status: 503 });
      }
      return { ...shift, ...patch, version: shift.version + 1 } as Shift;
    },
    swapShifts: async () => [],
  };
  return adapter;
}

/** Moves the clock on by `stepMs` at a time (at most 100 steps) until `result` settles. */
async function advanceUntilSettled(
  clock: ManualClock,
  result: Promise<unknown>,
  stepMs: number,
): Promise<void> {
  let settled = false;
  void result.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 100 && !settled; i++) await clock.advance(stepMs, 10);
}

describe('writer budgets', () => {
  it('does not count time slept through a clock jump (a suspended VM) against an adjustment’s time budget', async () => {
    const clock = new ManualClock(Date.parse('2026-11-25T02:00:00Z'));
    const adapter = flaky(2);
    const writer = new Writer({ adapter, clock, random: () => 0.5, retry: { budgetMs: 10_000 } });
    writer.remember([shift]);
    const result = writer.submit(update(shift, { kind: 'set-end', end: '2026-11-24T07:00:00Z' }));
    await until(() => adapter.patches === 1, 'the first failure');
    await clock.advance(3_600_000, 3_600_000);
    await until(() => adapter.patches === 2, 'the second failure');
    await clock.advance(1_000, 10);
    expect(await result).toMatchObject({ status: 'applied', attempts: 3 });
  });

  it('dead-letters once the effort itself outlasts the budget', async () => {
    const clock = new ManualClock(Date.parse('2026-11-25T02:00:00Z'));
    const adapter = flaky(1_000);
    const writer = new Writer({
      adapter,
      clock,
      random: () => 0.999,
      retry: { budgetMs: 2_000, baseMs: 100, capMs: 500 },
    });
    writer.remember([shift]);
    const result = writer.submit(update(shift, { kind: 'set-end', end: '2026-11-24T07:00:00Z' }));
    await advanceUntilSettled(clock, result, 100);
    expect(await result).toMatchObject({
      status: 'dead-lettered',
      reason: { code: 'TR_ERR_WRITER_TIME_BUDGET_EXHAUSTED' },
    });
    // backoffs of ~100, 200, 400, 500, 500 ms, then the last one cut to the budget's end
    expect(adapter.patches).toBe(7);
    expect(clock.now() - Date.parse('2026-11-25T02:00:00Z')).toBeLessThan(2_200);
  });

  it('makes one last attempt at the end of its budget when a backoff would outlast it, and lands it', async () => {
    const clock = new ManualClock(Date.parse('2026-11-25T02:00:00Z'));
    // four failures: backoffs of ~100, 200, 400 ms, then one of ~500 cut to the ~300 ms left
    const adapter = flaky(4);
    const writer = new Writer({
      adapter,
      clock,
      random: () => 0.999,
      retry: { budgetMs: 1_000, baseMs: 100, capMs: 500 },
    });
    writer.remember([shift]);
    const result = writer.submit(update(shift, { kind: 'set-end', end: '2026-11-24T07:00:00Z' }));
    await advanceUntilSettled(clock, result, 50);
    expect(await result).toMatchObject({ status: 'applied', attempts: 5 });
  });
});

describe('slots', () => {
  it('give work already under way priority over work not yet begun', async () => {
    const slots = new Semaphore(1);
    await slots.acquire();
    const order: string[] = [];
    const fresh = slots.acquire().then(() => order.push('new'));
    const resumed = slots.acquire(true).then(() => order.push('resumed'));
    slots.release();
    await resumed;
    slots.release();
    await fresh;
    expect(order).toEqual(['resumed', 'new']);
  });
});
