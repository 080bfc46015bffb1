import { describe, expect, it } from 'vitest';
import type { ShiftUpdateAdjustment, SwapAdjustment } from '../../src/planner/adjustment.js';
import { UNREADABLE_BODIES } from '../../src/sandbox/unreadable-answer.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { RetryBudget } from '../../src/writer/retry-budget.js';
import { swap, update } from './support/adjustments.js';
import { type Fixture, fixture, shiftOf } from './support/fixture.js';
import { writesByAdjustment } from './support/sandbox-admin.js';

const MIN = 60_000;

/** One extension per shift, on `count` different shifts (agents × days). */
function extensions(f: Fixture, count: number): ShiftUpdateAdjustment[] {
  const out: ShiftUpdateAdjustment[] = [];
  for (let day = 1; out.length < count; day++) {
    for (let agent = 0; agent < 8 && out.length < count; agent++) {
      const s = shiftOf(f.snapshot, agent, day);
      out.push(update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 15 * MIN) }));
    }
  }
  return out;
}

/** Swaps between agents 2k and 2k+1 on local day `day`, for k < `pairs`. */
function pairSwaps(f: Fixture, pairs: number, day: number): SwapAdjustment[] {
  return Array.from({ length: pairs }, (_, k) =>
    swap(shiftOf(f.snapshot, 2 * k, day), shiftOf(f.snapshot, 2 * k + 1, day)),
  );
}

async function expectEachSwappedOnce(f: Fixture, swaps: SwapAdjustment[]): Promise<void> {
  const writes = writesByAdjustment(await f.admin.ledger());
  for (const s of swaps) {
    expect(
      writes
        .get(s.key)
        ?.map((e) => e.shiftId)
        .sort(),
      s.key,
    ).toEqual([s.a.shiftId, s.b.shiftId].sort());
  }
  expect(writes.size).toBe(swaps.length);
}

async function expectEachAppliedOnce(f: Fixture, adjustments: ShiftUpdateAdjustment[]): Promise<void> {
  const writes = writesByAdjustment(await f.admin.ledger());
  for (const a of adjustments) expect(writes.get(a.key), a.key).toHaveLength(1);
  expect(writes.size).toBe(adjustments.length);
}

describe('writer: transient failures', () => {
  it('retries 5xx answers with full jitter and applies every adjustment exactly once', async () => {
    const f = await fixture();
    await f.admin.faults({ errorRate: 0.3, seed: 11 });
    const adjustments = extensions(f, 40);
    const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(f.calls.some((c) => c.code === 'SERVICE_UNAVAILABLE')).toBe(true);
    await expectEachAppliedOnce(f, adjustments);
  });

  it('a write that landed but was answered 500 is not applied twice: the same key and body are re-sent and replayed', async () => {
    const f = await fixture();
    await f.admin.faults({ errorAfterWriteRate: 0.5, seed: 12 });
    const adjustments = extensions(f, 30);
    const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(outcomes.some((o) => o.attempts > 1)).toBe(true);
    expect(f.calls.some((c) => c.replayed)).toBe(true);
    await expectEachAppliedOnce(f, adjustments);
  });

  it('survives connection resets without losing or doubling a write', async () => {
    const f = await fixture();
    await f.admin.faults({ resetRate: 0.3, seed: 13 });
    const adjustments = extensions(f, 30);
    const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(f.calls.some((c) => c.code === 'TR_ERR_WFM_CONNECTION')).toBe(true);
    await expectEachAppliedOnce(f, adjustments);
  });

  it('after a timeout, waits out the key still in flight and gets the stored answer, applying once', async () => {
    // undici checks its timeouts on a ~1 s tick, so the numbers are in seconds here.
    const f = await fixture({ client: { timeouts: { headersMs: 1_000 } } });
    await f.admin.faults({ latencyMs: 2_500 });
    const [adj] = extensions(f, 1);
    const outcome = await f.writer.submit(adj!);

    expect(outcome.status).toBe('applied');
    expect(f.calls.map((c) => c.code ?? 'ok')).toContain('TR_ERR_WFM_TIMEOUT');
    expect(f.calls.at(-1)?.replayed).toBe(true);
    await expectEachAppliedOnce(f, [adj!]);
  });

  it('an outage drains the process-wide retry budget instead of storming, and the dead-lettered adjustments redrive cleanly', async () => {
    const budget = new RetryBudget({ capacity: 20 });
    const f = await fixture({ writer: { retryBudget: budget, concurrency: 1 } });
    await f.admin.faults({ errorRate: 1 });
    const adjustments = extensions(f, 10);
    const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('dead-lettered'));
    expect(outcomes[0]?.reason).toMatchObject({
      code: 'TR_ERR_WRITER_RETRY_BUDGET_EXHAUSTED',
      cause: 'TR_ERR_WFM_SERVER',
    });
    // 10 first attempts + the 4 retries 20 tokens pay for (5 each): no storm.
    expect(f.calls).toHaveLength(14);

    await f.admin.faults({ errorRate: 0 });
    const redriven = await Promise.all(adjustments.map((a) => f.writer.submit(a)));
    expect(redriven.map((o) => o.status)).toEqual(Array(10).fill('applied'));
    await expectEachAppliedOnce(f, adjustments);
  });

  it('dead-letters an adjustment whose retries outlast its time budget, naming the last failure', async () => {
    const f = await fixture({ writer: { retry: { budgetMs: 300, baseMs: 100, capMs: 100 } } });
    await f.admin.faults({ errorRate: 1 });
    const [adj] = extensions(f, 1);
    const outcome = await f.writer.submit(adj!);
    expect(outcome).toMatchObject({
      status: 'dead-lettered',
      reason: { code: 'TR_ERR_WRITER_TIME_BUDGET_EXHAUSTED', cause: 'TR_ERR_WFM_SERVER' },
    });
    expect(outcome.attempts).toBeGreaterThan(1);
  });
});

describe('writer: 2xx answers it cannot read', () => {
  it.each(UNREADABLE_BODIES)(
    'an unreadable 2xx (%s) to a PATCH that landed is settled by reading the shift back: applied once, not dead-lettered',
    async (body) => {
      const f = await fixture();
      await f.admin.faults({ unreadableAfterWriteRate: 1, unreadableBody: body });
      const adjustments = extensions(f, 6);
      const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

      expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('applied'));
      // One PATCH and one read back each: the write is never sent a second time.
      expect(outcomes.map((o) => [o.attempts, o.httpCalls])).toEqual(Array(6).fill([1, 2]));
      expect(f.calls.filter((c) => c.route === 'patch-shift')).toHaveLength(6);
      expect(f.writer.stats.byStatus).toMatchObject({ applied: 6, 'dead-lettered': 0 });
      expect((await f.admin.stats()).unreadable).toBe(6);
      await expectEachAppliedOnce(f, adjustments);
      const writes = writesByAdjustment(await f.admin.ledger());
      for (const [i, a] of adjustments.entries()) {
        expect(outcomes[i]?.finalVersions).toEqual({ [a.shiftId]: writes.get(a.key)?.[0]?.version });
      }
    },
  );

  it('an unreadable 2xx sent without the write landing is retried with the same key and applied once', async () => {
    const f = await fixture();
    await f.admin.faults({ unreadableWithoutWriteRate: 0.5, seed: 21 });
    const adjustments = extensions(f, 20);
    const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

    expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill('applied'));
    expect(outcomes.some((o) => o.attempts > 1)).toBe(true);
    expect((await f.admin.stats()).unreadable).toBeGreaterThan(0);
    // Every PATCH of an adjustment, first or retried, carried that adjustment's key.
    const patches = f.calls.filter((c) => c.route === 'patch-shift');
    expect(patches).toHaveLength(outcomes.reduce((n, o) => n + o.attempts, 0));
    for (const [i, a] of adjustments.entries()) {
      expect(patches.filter((c) => c.idempotencyKey === a.key)).toHaveLength(outcomes[i]!.attempts);
    }
    await expectEachAppliedOnce(f, adjustments);
  });

  it('an unreadable 2xx that never lands is retried only under the retry budget, then dead-lettered for a redrive', async () => {
    const budget = new RetryBudget({ capacity: 20 });
    const f = await fixture({ writer: { retryBudget: budget, concurrency: 1 } });
    await f.admin.faults({ unreadableWithoutWriteRate: 1 });
    const adjustments = extensions(f, 3);
    const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

    expect(outcomes.map((o) => o.status)).toEqual(Array(3).fill('dead-lettered'));
    expect(outcomes[0]?.reason).toMatchObject({
      code: 'TR_ERR_WRITER_RETRY_BUDGET_EXHAUSTED',
      cause: 'TR_ERR_WFM_BAD_RESPONSE',
    });
    expect(outcomes[0]?.attempts).toBeGreaterThan(1);
    expect(await f.admin.ledger()).toEqual([]);

    await f.admin.faults({ unreadableWithoutWriteRate: 0 });
    const redriven = await Promise.all(adjustments.map((a) => f.writer.submit(a)));
    expect(redriven.map((o) => o.status)).toEqual(Array(3).fill('applied'));
    await expectEachAppliedOnce(f, adjustments);
  });

  it.each(UNREADABLE_BODIES)(
    'an unreadable 2xx (%s) to a bulk swap request that ran is settled by reading both shifts back: each swap applied once',
    async (body) => {
      const f = await fixture();
      await f.admin.faults({ unreadableAfterWriteRate: 1, unreadableBody: body });
      const swaps = pairSwaps(f, 4, 2);
      const outcomes = await Promise.all(swaps.map((s) => f.writer.submit(s)));

      expect(outcomes.map((o) => o.status)).toEqual(Array(4).fill('applied'));
      expect(outcomes.map((o) => o.attempts)).toEqual(Array(4).fill(1));
      expect(f.calls.filter((c) => c.route === 'swap-shifts')).toHaveLength(f.writer.stats.swapRequests);
      expect((await f.admin.stats()).unreadable).toBe(f.writer.stats.swapRequests);
      await expectEachSwappedOnce(f, swaps);
    },
  );

  it('an unreadable 2xx to a bulk swap request that never reached the WFM is sent again, each swap applied once', async () => {
    const f = await fixture();
    await f.admin.faults({ unreadableWithoutWriteRate: 0.5, seed: 21 });
    const swaps = [...pairSwaps(f, 4, 2), ...pairSwaps(f, 4, 3), ...pairSwaps(f, 4, 4)];
    const outcomes = await Promise.all(swaps.map((s) => f.writer.submit(s)));

    expect(outcomes.map((o) => o.status)).toEqual(Array(12).fill('applied'));
    expect(outcomes.some((o) => o.attempts > 1)).toBe(true);
    expect((await f.admin.stats()).unreadable).toBeGreaterThan(0);
    await expectEachSwappedOnce(f, swaps);
  });
});
