import { describe, expect, it } from 'vitest';
import { writerApplier } from '../../src/app/writer-adapter.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
import { Probe, subscribe } from '../../src/observability/pipeline-events.js';
import type { Adjustment } from '../../src/planner/adjustment.js';
import type { Clock } from '../../src/time/clock.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { DEFAULT_PUBLISH_WINDOW } from '../../src/time/publish-window.js';
import type { WfmAdapter } from '../../src/wfm/adapter.js';
import type { Shift, SwapItem } from '../../src/wfm/contract.js';
import { WfmScheduleConflictError, WfmServerError } from '../../src/wfm/errors.js';
import type { Outcome } from '../../src/writer/outcome.js';
import { swap, update } from '../writer/support/adjustments.js';
import { schedule, shiftOf, WINDOW_OPENS } from '../writer/support/fixture.js';

const MIN = 60_000;
const LOCAL = 'wfm:\n  baseUrl: http://127.0.0.1:8080/wfm/api/v2\n  allowInsecureHttp: true\n';

/** A config file with the given `writer:` section, loaded as `run` loads it. */
function writerSection(yaml: string) {
  const text = `${LOCAL}writer:\n${yaml
    .trim()
    .split('\n')
    .map((l) => `  ${l.trim()}`)
    .join('\n')}\n`;
  const { config } = loadConfig('c.yaml', { TRUNK_REACTOR_WFM_TOKEN: 't' }, (p) => {
    if (p !== 'c.yaml') throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return text;
  });
  return config.writer;
}

/** Virtual time: every sleep returns at once and moves the clock; sleeps are recorded. */
class InstantClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
    await Promise.resolve();
  }
}

const snapshot = schedule();
const SHIFT = shiftOf(snapshot, 0, 3);
const later = (s: Shift) => update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 15 * MIN) });

/** A WFM whose writes fail with `fail(n)` (n = the write's number) until it returns undefined. */
function wfm(fail: (n: number) => Error | undefined = () => undefined) {
  const shifts = new Map(snapshot.shifts.map((s) => [s.id, s]));
  const swapRequests: SwapItem[][] = [];
  let writes = 0;
  const adapter: WfmAdapter = {
    listShifts: async (q) =>
      [...shifts.values()].filter(
        (s) =>
          (q.agentId === undefined || s.agentId === q.agentId) &&
          (q.from === undefined || parseInstant(s.end) > parseInstant(q.from)) &&
          (q.to === undefined || parseInstant(s.start) < parseInstant(q.to)),
      ),
    listAgents: async () => [],
    getShift: async (id) => shifts.get(id)!,
    patchShift: async (id, patch) => {
      const err = fail(++writes);
      if (err) throw err;
      const s = shifts.get(id)!;
      const next = { ...s, ...patch, version: s.version + 1 } as Shift;
      shifts.set(id, next);
      return next;
    },
    swapShifts: async (items) => {
      swapRequests.push(items);
      return items.map((item) => {
        const a = shifts.get(item.a.shiftId)!;
        const b = shifts.get(item.b.shiftId)!;
        const a2 = { ...a, agentId: b.agentId, version: a.version + 1 };
        const b2 = { ...b, agentId: a.agentId, version: b.version + 1 };
        shifts.set(a.id, a2);
        shifts.set(b.id, b2);
        return { swapId: item.swapId, status: 'applied' as const, shifts: [a2, b2] };
      });
    },
  };
  return { adapter, swapRequests, writes: () => writes };
}

const serverError = () =>
  new WfmServerError('503 from the WFM', { status: 503, errorCode: 'SERVICE_UNAVAILABLE' });

function applier(settings: ReturnType<typeof writerSection>, adapter: WfmAdapter, clock: Clock) {
  const records: Outcome[] = [];
  const probe = new Probe();
  const unsubscribe = subscribe(probe, { 'writer.outcome': (e) => records.push(e.outcome) });
  const w = writerApplier({
    adapter,
    clock,
    settings,
    random: () => 0.999,
    publishWindow: DEFAULT_PUBLISH_WINDOW,
    probe,
  });
  return {
    apply: (a: Adjustment) => w.apply(a),
    records,
    close: async () => {
      await w.close();
      unsubscribe();
    },
  };
}

describe('the config file’s writer: section reaches the writer that run builds', () => {
  it('reads every key, and refuses one it does not know', () => {
    const s = writerSection(`
      attemptBudgetMs: 1234
      backoffBaseMs: 7
      backoffCapMs: 77
      retryQuotaTokens: 9
      retryCost: 3
      successRefund: 2
      swapBatchSize: 1
      lockOverrunMaxMs: 0`);
    expect(s).toEqual({
      attemptBudgetMs: 1234,
      backoffBaseMs: 7,
      backoffCapMs: 77,
      retryQuotaTokens: 9,
      retryCost: 3,
      successRefund: 2,
      swapBatchSize: 1,
      lockOverrunMaxMs: 0,
    });
    expect(() => writerSection('attemptBudget: 5')).toThrow(/attemptBudget/);
  });

  it('backoffBaseMs and backoffCapMs set the full-jitter ceilings between retries', async () => {
    const clock = new InstantClock(WINDOW_OPENS - 3 * 24 * 60 * MIN);
    const { adapter } = wfm((n) => (n <= 4 ? serverError() : undefined));
    const w = applier(writerSection('backoffBaseMs: 400\nbackoffCapMs: 900'), adapter, clock);
    expect(await w.apply(later(SHIFT))).toMatchObject({ status: 'applied', attempts: 5 });
    // random pinned just under 1: each pause is just under min(cap, base · 2^n)
    expect(clock.sleeps).toEqual([399, 799, 899, 899]);
  });

  it('attemptBudgetMs bounds the time one adjustment spends retrying', async () => {
    const clock = new InstantClock(WINDOW_OPENS - 3 * 24 * 60 * MIN);
    const { adapter } = wfm(() => serverError());
    const settings = writerSection(
      'attemptBudgetMs: 3000\nbackoffBaseMs: 1000\nbackoffCapMs: 1000\nretryQuotaTokens: 100000',
    );
    const w = applier(settings, adapter, clock);
    const outcome = await w.apply(later(SHIFT));
    expect(outcome).toMatchObject({
      status: 'dead-lettered',
      reason: { code: 'TR_ERR_WRITER_TIME_BUDGET_EXHAUSTED' },
    });
    // three pauses of 999 ms fit in 3 s; the fourth would not, and is cut to the budget's end
    // for a last attempt
    expect(clock.sleeps).toEqual([999, 999, 999, 3]);
    expect(outcome.attempts).toBe(5);
  });

  it('retryQuotaTokens and retryCost size the process-wide retry budget', async () => {
    const clock = new InstantClock(WINDOW_OPENS - 3 * 24 * 60 * MIN);
    const { adapter } = wfm(() => serverError());
    const w = applier(
      writerSection('retryQuotaTokens: 20\nretryCost: 5\nattemptBudgetMs: 600000'),
      adapter,
      clock,
    );
    const outcome = await w.apply(later(SHIFT));
    expect(outcome).toMatchObject({
      status: 'dead-lettered',
      reason: { code: 'TR_ERR_WRITER_RETRY_BUDGET_EXHAUSTED' },
    });
    expect(outcome.attempts).toBe(1 + 20 / 5);
  });

  it('successRefund puts tokens back after each success', async () => {
    // Every write fails once, then lands. Tokens 5, cost 5: one retry empties the bucket;
    // with a refund of 5 the next adjustment can retry too, with 0 it cannot.
    const run = async (refund: number) => {
      const clock = new InstantClock(WINDOW_OPENS - 3 * 24 * 60 * MIN);
      const { adapter } = wfm((n) => (n % 2 === 1 ? serverError() : undefined));
      const settings = writerSection(
        `retryQuotaTokens: 5\nretryCost: 5\nsuccessRefund: ${refund}\nattemptBudgetMs: 600000`,
      );
      const w = applier(settings, adapter, clock);
      const first = await w.apply(later(shiftOf(snapshot, 0, 3)));
      const second = await w.apply(later(shiftOf(snapshot, 1, 3)));
      return [first.status, second.status];
    };
    expect(await run(5)).toEqual(['applied', 'applied']);
    expect(await run(0)).toEqual(['applied', 'dead-lettered']);
  });

  it('swapBatchSize caps the swaps in one bulk request', async () => {
    const pairs = [0, 2, 4].map((agent) =>
      swap(shiftOf(snapshot, agent, 3), shiftOf(snapshot, agent + 1, 3)),
    );
    const requests = async (yaml: string) => {
      const clock = new InstantClock(WINDOW_OPENS - 3 * 24 * 60 * MIN);
      const { adapter, swapRequests } = wfm();
      const w = applier(writerSection(yaml), adapter, clock);
      const outcomes = await Promise.all(pairs.map((a) => w.apply(a)));
      expect(outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
      return swapRequests.map((r) => r.length);
    };
    expect(await requests('swapBatchSize: 1')).toEqual([1, 1, 1]);
    expect(await requests('swapBatchSize: 3')).toEqual([3]);
  });

  it('lockOverrunMaxMs bounds how long after the window a bare conflict is read as the lock running late', async () => {
    const outcomeAfter = async (yaml: string) => {
      // five minutes after the configured window closed, the WFM still answers bare 409s
      const closes = WINDOW_OPENS + DEFAULT_PUBLISH_WINDOW.durationMinutes * MIN;
      const clock = new InstantClock(closes + 5 * MIN);
      const { adapter } = wfm(() =>
        clock.now() < closes + 20 * MIN
          ? new WfmScheduleConflictError('409 SCHEDULE_CONFLICT', {
              status: 409,
              errorCode: 'SCHEDULE_CONFLICT',
            })
          : undefined,
      );
      const w = applier(writerSection(yaml), adapter, clock);
      return w.apply(later(shiftOf(snapshot, 0, 8)));
    };
    expect(await outcomeAfter('lockOverrunMaxMs: 3600000')).toMatchObject({ status: 'applied' });
    expect(await outcomeAfter('lockOverrunMaxMs: 0')).toMatchObject({
      status: 'dead-lettered',
      deferrals: 0,
      reason: { code: 'TR_ERR_WRITER_UNEXPLAINED_CONFLICT' },
    });
  });

  it('the embedded defaults are the writer section of an empty config file', () => {
    expect(writerSection('swapBatchSize: 50')).toEqual(DEFAULTS.writer);
  });
});
