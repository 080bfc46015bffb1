import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/writer/rate-limiter.js';
import { ManualClock } from './support/manual-clock.js';

describe('client-side rate limiter', () => {
  it('never lets more than burst + rate·t requests through in any span t', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 60, max: 6_000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }),
        async (perMinute, burst, gaps) => {
          const clock = new ManualClock(1_000_000);
          const limiter = new RateLimiter({ perMinute, burst }, clock);
          const granted: number[] = [];
          const waits: Promise<void>[] = [];
          for (const gap of gaps) {
            await clock.advance(gap, 5);
            waits.push(limiter.acquire().then(() => void granted.push(clock.now())));
          }
          await clock.advance(gaps.length * (60_000 / perMinute) + 1_000, 5);
          await Promise.all(waits);
          expect(granted).toHaveLength(gaps.length);
          for (let i = 0; i < granted.length; i++) {
            for (let j = i; j < granted.length; j++) {
              const span = granted[j]! - granted[i]!;
              expect(j - i + 1).toBeLessThanOrEqual(burst + (span * perMinute) / 60_000 + 1e-9);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('serves waiters in arrival order', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perMinute: 60, burst: 1 }, clock);
    const order: number[] = [];
    const all = [0, 1, 2, 3].map((i) => limiter.acquire().then(() => void order.push(i)));
    await clock.advance(5_000, 100);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('holds everyone back after a 429 until its Retry-After has passed', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perMinute: 6_000, burst: 10 }, clock);
    limiter.rateLimited(2_000);
    let through = false;
    const p = limiter.acquire().then(() => {
      through = true;
    });
    await clock.advance(1_900, 100);
    expect(through).toBe(false);
    await clock.advance(200, 100);
    await p;
    expect(through).toBe(true);
  });

  it('lets an aborted waiter go without blocking the queue', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perMinute: 60, burst: 1 }, clock);
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort(new Error('shutdown'));
    await expect(aborted).rejects.toThrow('shutdown');
    await clock.advance(1_000, 100);
    await expect(next).resolves.toBeUndefined();
  });

  it('is off with perMinute 0', async () => {
    const limiter = new RateLimiter({ perMinute: 0, burst: 1 }, new ManualClock());
    await Promise.all(Array.from({ length: 1_000 }, () => limiter.acquire()));
  });
});
