import { describe, expect, it } from 'vitest';
import { ScheduleCache } from '../../src/planner/schedule-cache.js';
import { readWithinBudget, type ScheduleReadOptions } from '../../src/planner/schedule-read.js';
import { ScheduleReadTimeoutError } from '../../src/planner/schedule-read-errors.js';
import { SnapshotScheduleSource } from '../../src/planner/snapshot-source.js';
import type { ScheduleSource } from '../../src/wfm/adapter.js';
import { WfmRateLimitedError, WfmServerError, WfmUnauthorizedError } from '../../src/wfm/errors.js';
import { ManualClock } from '../writer/support/manual-clock.js';
import { shift, snapshot } from './fixtures.js';

const BOUNDS: ScheduleReadOptions = {
  readTimeoutMs: 1_000,
  readBudgetMs: 5_000,
  readBackoffBaseMs: 100,
  readBackoffCapMs: 400,
};

/** Moves the clock in small steps until `p` settles (or `maxMs` passed): what `p` settled with. */
async function settle<T>(
  clock: ManualClock,
  p: Promise<T>,
  maxMs = 60_000,
): Promise<{ ok: true; value: T } | { ok: false; error: Error & Record<string, unknown> }> {
  let done = false;
  const outcome = p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error & Record<string, unknown>) => ({ ok: false as const, error }),
  );
  void outcome.then(() => {
    done = true;
  });
  for (let spent = 0; !done && spent < maxMs; spent += 10) await clock.advance(10);
  if (!done) throw new Error(`still pending after ${maxMs} ms on the clock`);
  return outcome;
}

/** An attempt that answers after `ms` on the clock, unless its signal is aborted first. */
function answerAfter<T>(clock: ManualClock, ms: number, value: T, signal: AbortSignal): Promise<T> {
  return clock.sleep(ms, signal).then(() => value);
}

const serverError = () => new WfmServerError('WFM GET /schedules/shifts answered 503', { status: 503 });

describe('schedule reads within a budget', () => {
  it('a read that fails twice succeeds on its third attempt, within the budget', async () => {
    const clock = new ManualClock(0);
    let attempts = 0;
    const read = readWithinBudget(
      "the shifts of team 'voice'",
      async () => {
        attempts++;
        if (attempts <= 2) throw serverError();
        return ['answer'];
      },
      BOUNDS,
      { clock, random: () => 0.5 },
    );
    const r = await settle(clock, read);
    expect(r).toEqual({ ok: true, value: ['answer'] });
    expect(attempts).toBe(3);
    expect(clock.now()).toBeLessThan(BOUNDS.readBudgetMs);
  });

  it('an attempt slower than readTimeoutMs is abandoned through its signal and tried again', async () => {
    const clock = new ManualClock(0);
    const signals: AbortSignal[] = [];
    const read = readWithinBudget(
      "the agents of team 'voice'",
      (signal) => {
        signals.push(signal);
        // the first answers after 3 s (past the 1 s attempt timeout), the second after 0.5 s
        return answerAfter(clock, signals.length === 1 ? 3_000 : 500, ['agents'], signal);
      },
      BOUNDS,
      { clock, random: () => 0 },
    );
    const r = await settle(clock, read);
    expect(r).toEqual({ ok: true, value: ['agents'] });
    expect(signals).toHaveLength(2);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(ScheduleReadTimeoutError);
    expect(signals[1]!.aborted).toBe(false);
    // 1 s abandoned, a 50 ms pause, 0.5 s answered
    expect(clock.now()).toBeLessThan(2_000);
  });

  it('a source that never answers fails with TR_ERR_SCHEDULE_READ_EXHAUSTED once the budget is spent, after a bounded number of attempts', async () => {
    const clock = new ManualClock(0);
    const signals: AbortSignal[] = [];
    const read = readWithinBudget(
      "the shifts of team 'voice'",
      (signal) => {
        signals.push(signal);
        return new Promise<never>(() => {}); // ignores its signal too
      },
      BOUNDS,
      { clock, random: () => 1 },
    );
    const r = await settle(clock, read);
    if (r.ok) throw new Error('expected the read to fail');
    expect(r.error.code).toBe('TR_ERR_SCHEDULE_READ_EXHAUSTED');
    expect(r.error.retriable).toBe(true);
    expect(r.error.cause).toBeInstanceOf(ScheduleReadTimeoutError);
    expect(r.error.message).toContain("the shifts of team 'voice'");
    expect(r.error.message).toContain('planner.readBudgetMs=5000');
    // every attempt costs its full timeout: no more of them than fit in the budget
    expect(signals.length).toBeGreaterThanOrEqual(2);
    expect(signals.length).toBeLessThanOrEqual(BOUNDS.readBudgetMs / BOUNDS.readTimeoutMs);
    expect(r.error.attempts).toBe(signals.length);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(clock.now()).toBeLessThanOrEqual(BOUNDS.readBudgetMs);
  });

  it('a WFM that fails at once is asked a bounded number of times before the budget is spent', async () => {
    const clock = new ManualClock(0);
    let attempts = 0;
    const read = readWithinBudget(
      "the shifts of team 'voice'",
      async () => {
        attempts++;
        throw serverError();
      },
      BOUNDS,
      // the least random pause: half the ceiling
      { clock, random: () => 0 },
    );
    const r = await settle(clock, read);
    if (r.ok) throw new Error('expected the read to fail');
    expect(r.error.code).toBe('TR_ERR_SCHEDULE_READ_EXHAUSTED');
    expect(r.error.cause).toBeInstanceOf(WfmServerError);
    // pauses of at least 50, 100, then 200 ms each: 26 of them fit in 5 s, so 27 attempts at most
    expect(attempts).toBeGreaterThan(2);
    expect(attempts).toBeLessThanOrEqual(27);
    expect(clock.now()).toBeLessThanOrEqual(BOUNDS.readBudgetMs);
  });

  it('a failure no retry can fix (a refused token) is thrown at once, as the WFM client threw it', async () => {
    const clock = new ManualClock(0);
    const refused = new WfmUnauthorizedError('WFM GET /agents answered 401', { status: 401 });
    let attempts = 0;
    const r = await settle(
      clock,
      readWithinBudget(
        "the agents of team 'voice'",
        async () => {
          attempts++;
          throw refused;
        },
        BOUNDS,
        { clock, random: () => 0.5 },
      ),
    );
    expect(r).toEqual({ ok: false, error: refused });
    expect(attempts).toBe(1);
  });

  it("waits out a 429's Retry-After before asking again", async () => {
    const clock = new ManualClock(0);
    const startedAt: number[] = [];
    const r = await settle(
      clock,
      readWithinBudget(
        "the shifts of team 'voice'",
        async () => {
          startedAt.push(clock.now());
          if (startedAt.length === 1)
            throw new WfmRateLimitedError('WFM answered 429', { status: 429, retryAfterMs: 2_000 });
          return 'answer';
        },
        BOUNDS,
        { clock, random: () => 0 },
      ),
    );
    expect(r).toEqual({ ok: true, value: 'answer' });
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(2_000);
  });
});

describe('schedule cache reads', () => {
  const shifts = [shift('s1', 'a1', 'voice', '2026-11-27T02:00', '2026-11-27T10:00')];
  const eventTime = Date.parse('2026-11-27T01:00:00Z');

  /** The snapshot source behind a WFM that fails `failures` times before it answers. */
  function flaky(failures: number) {
    const inner = new SnapshotScheduleSource(snapshot(shifts));
    const calls = { shifts: 0, agents: 0 };
    const source: ScheduleSource = {
      async listShifts(q) {
        if (++calls.shifts <= failures) throw serverError();
        return inner.listShifts(q);
      },
      async listAgents(q) {
        if (++calls.agents <= failures) throw serverError();
        return inner.listAgents(q);
      },
    };
    return { source, calls };
  }

  it('concurrent intents of one team wait on one read while it retries, and all get its answer', async () => {
    const clock = new ManualClock(0);
    const { source, calls } = flaky(2);
    const cache = new ScheduleCache(source, clock, { read: BOUNDS, random: () => 0.5 });
    cache.prefetch(['voice'], eventTime);
    const both = Promise.all([
      cache.teamShifts('voice', eventTime),
      cache.teamShifts('voice', eventTime + 60_000),
    ]);
    const r = await settle(clock, both);
    if (!r.ok) throw r.error;
    expect(r.value[0].map((s) => s.id)).toEqual(['s1']);
    expect(r.value[1]).toBe(r.value[0]);
    // two failed attempts and one answer for all three callers
    expect(calls.shifts).toBe(3);
    expect(calls.agents).toBe(3);
    expect(cache.stats.reads).toBe(2);
  });

  it('once stopped, a read in its pause fails with its last error instead of trying again', async () => {
    const clock = new ManualClock(0);
    const { source, calls } = flaky(1_000);
    const cache = new ScheduleCache(source, clock, { read: BOUNDS, random: () => 0.5 });
    const read = cache.teamShifts('voice', eventTime);
    read.catch(() => {});
    await clock.advance(10);
    expect(calls.shifts).toBe(1);
    cache.stop();
    const r = await settle(clock, read);
    if (r.ok) throw new Error('expected the read to fail');
    expect(r.error).toBeInstanceOf(WfmServerError);
    expect(calls.shifts).toBe(1);
  });

  it('refuses a budget shorter than one attempt, naming both options', () => {
    const { source } = flaky(0);
    expect(
      () =>
        new ScheduleCache(source, new ManualClock(0), {
          read: { readTimeoutMs: 10_000, readBudgetMs: 5_000 },
        }),
    ).toThrow('planner.readBudgetMs (5000) must be at least planner.readTimeoutMs (10000)');
  });
});
