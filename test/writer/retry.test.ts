import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../src/writer/retry-budget.js';
import { fullJitter } from '../../src/writer/retry-policy.js';

describe('retry policy: full jitter', () => {
  it('sleeps uniformly in [0, min(cap, base·2^n)), never more', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, baseMs, capMs, r) => {
          const ms = fullJitter(n, { baseMs, capMs }, () => r);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThan(Math.max(1, Math.min(capMs, baseMs * 2 ** n)));
        },
      ),
    );
  });

  it('grows its ceiling exponentially up to the cap', () => {
    const top = (n: number) => fullJitter(n, { baseMs: 10, capMs: 1_000 }, () => 0.999_999);
    expect([0, 1, 2, 3, 6, 7, 30].map(top)).toEqual([9, 19, 39, 79, 639, 999, 999]);
  });
});

describe('the process-wide retry budget (AWS standard: 500 tokens, 5 per retry, 10 per timeout retry, 1 back per success)', () => {
  it('allows 100 retries from a full bucket, then none, so an outage cannot become a storm', () => {
    const budget = new RetryBudget();
    let granted = 0;
    while (budget.tryAcquire('transient')) granted++;
    expect(granted).toBe(100);
    expect(budget.tryAcquire('timeout')).toBe(false);
  });

  it('refills one token per success, never above capacity', () => {
    const budget = new RetryBudget();
    for (let i = 0; i < 10; i++) budget.success();
    expect(budget.available).toBe(500);
    expect(budget.tryAcquire('timeout')).toBe(true);
    expect(budget.available).toBe(490);
    for (let i = 0; i < 5; i++) budget.success();
    expect(budget.available).toBe(495);
  });

  it('never goes negative whatever the sequence of outcomes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('transient', 'timeout', 'success') as fc.Arbitrary<
            'transient' | 'timeout' | 'success'
          >,
        ),
        (ops) => {
          const budget = new RetryBudget({ capacity: 50 });
          for (const op of ops) {
            if (op === 'success') budget.success();
            else budget.tryAcquire(op);
            expect(budget.available).toBeGreaterThanOrEqual(0);
            expect(budget.available).toBeLessThanOrEqual(50);
          }
        },
      ),
    );
  });
});
