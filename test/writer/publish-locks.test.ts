import { describe, expect, it } from 'vitest';
import { PublishLocks } from '../../src/writer/publish-locks.js';
import { ManualClock } from './support/manual-clock.js';

const WEEK = '2026-11-29';

function locks(clock: ManualClock): PublishLocks {
  return new PublishLocks(
    async () => [],
    () => {},
    { timeZone: 'Asia/Singapore' },
    clock,
  );
}

describe('writer: publish locks', () => {
  it('wakes every adjustment waiting on a week as soon as its lock is released', async () => {
    const clock = new ManualClock(1_000_000);
    const l = locks(clock);
    l.lock(WEEK, clock.now() + 60_000);
    const signal = new AbortController().signal;
    let woken = 0;
    const waits = [0, 1, 2].map(() =>
      l
        .wait({ until: clock.now() + 60_000, jitter: 0, week: WEEK, source: 'retry-after' }, signal)
        .then(() => {
          woken++;
        }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(woken).toBe(0);
    l.release(WEEK);
    await Promise.all(waits);
    expect(woken).toBe(3);
    expect(l.lockedUntil(WEEK, clock.now())).toBeUndefined();
  });

  it('a refusal of the released lock met after the release does not lock the week again; a later lock does', async () => {
    const clock = new ManualClock(1_000_000);
    const l = locks(clock);
    const end = clock.now() + 60_000;
    l.lock(WEEK, end);
    await clock.advance(10_000);
    l.release(WEEK);
    await clock.advance(5_000);
    l.lock(WEEK, end);
    expect(l.lockedUntil(WEEK, clock.now())).toBeUndefined();
    l.lock(WEEK, clock.now() + 60_000);
    expect(l.lockedUntil(WEEK, clock.now())).toBe(clock.now() + 60_000);
  });
});
