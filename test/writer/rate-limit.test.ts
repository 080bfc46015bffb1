import { describe, expect, it } from 'vitest';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { RateLimiter } from '../../src/writer/rate-limiter.js';
import { update } from './support/adjustments.js';
import { fixture, shiftOf } from './support/fixture.js';
import { JumpClock } from './support/jump-clock.js';
import { writesByAdjustment } from './support/sandbox-admin.js';

const MIN = 60_000;
const SERVER_LIMIT = { rateLimitPerMinute: 600, rateLimitBurst: 3 };

function workload(f: Awaited<ReturnType<typeof fixture>>) {
  return [0, 1, 2, 3, 4, 5, 6, 7].flatMap((agent) =>
    [1, 2].map((day) => {
      const s = shiftOf(f.snapshot, agent, day);
      return update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 15 * MIN) });
    }),
  );
}

describe('writer: rate limits', () => {
  it('honours Retry-After on 429 and still applies everything once', async () => {
    const f = await fixture({ sandbox: { behaviour: SERVER_LIMIT } });
    const adjustments = workload(f);
    const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(outcomes.reduce((n, o) => n + o.rateLimited, 0)).toBeGreaterThan(0);
    const writes = writesByAdjustment(await f.admin.ledger());
    expect([...writes.values()].every((w) => w.length === 1)).toBe(true);
    expect(writes.size).toBe(adjustments.length);
  });

  it('a client-side limiter under the server budget keeps 429s away', async () => {
    const clock = new JumpClock();
    // half the server's rate, one at a time: requests the event loop holds back and sends
    // together (a loaded machine) still fit the server's burst of 3
    const gate = new RateLimiter({ perMinute: 300, burst: 1 }, clock);
    const f = await fixture({ sandbox: { behaviour: SERVER_LIMIT }, client: { gate, clock } });
    const outcomes = await Promise.all(workload(f).map((a) => f.writer.submit(a)));

    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(f.calls.filter((c) => c.status === 429)).toEqual([]);
    expect(gate.rateLimitedCount).toBe(0);
  });

  it('does not count time held back by the client-side limiter against an adjustment’s time budget', async () => {
    const clock = new JumpClock();
    // 16 writes at 2 per second take ~8 s; each adjustment's budget is 1 s of effort, and
    // 30% of answers are 5xx, so most adjustments retry long after they were submitted
    const gate = new RateLimiter({ perMinute: 120, burst: 1 }, clock);
    const f = await fixture({
      sandbox: { faults: { errorRate: 0.3, seed: 11 } },
      client: { gate, clock },
      writer: { retry: { budgetMs: 1_000 } },
    });
    const outcomes = await Promise.all(workload(f).map((a) => f.writer.submit(a)));

    expect(outcomes.map((o) => o.status)).toEqual(outcomes.map(() => 'applied'));
    expect(outcomes.some((o) => o.attempts > 1)).toBe(true);
  });

  it('does not count a clock jump during a request (a suspended VM) against the time budget', async () => {
    // every request takes 300 ms, a third of writes land but answer 500, and the clock leaps 10 minutes
    // every 100 ms: most retries start after a jump that happened while a request was out
    const f = await fixture({
      sandbox: { faults: { errorAfterWriteRate: 0.33, latencyMs: 300, seed: 5 } },
      writer: { retry: { budgetMs: 5_000 } },
    });
    const leap = setInterval(() => f.clock.advance(10 * MIN), 100);
    try {
      const outcomes = await Promise.all(
        workload(f)
          .slice(0, 6)
          .map((a) => f.writer.submit(a)),
      );
      expect(outcomes.map((o) => o.status)).toEqual(outcomes.map(() => 'applied'));
      expect(outcomes.some((o) => o.attempts > 1)).toBe(true);
    } finally {
      clearInterval(leap);
    }
  });
});
