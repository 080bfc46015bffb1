import { describe, expect, it } from 'vitest';
import type { ShiftUpdateAdjustment } from '../../src/planner/adjustment.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { RetryBudget } from '../../src/writer/retry-budget.js';
import { update } from './support/adjustments.js';
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
