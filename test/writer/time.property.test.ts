import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { nextWindowAfter, openWindowAt, type PublishWindow } from '../../src/time/publish-window.js';
import { type IsoWeekday, scheduleWeekBounds, scheduleWeekOf } from '../../src/time/schedule-week.js';
import { DEFAULT_DEFERRAL, deferralFor } from '../../src/writer/publish-locks.js';
import { ZONES } from './support/zones.js';

const arbInstant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) });
const arbWeekday = fc.integer({ min: 1, max: 7 }) as fc.Arbitrary<IsoWeekday>;
const arbWindow: fc.Arbitrary<PublishWindow> = fc.record({
  dayOfWeek: arbWeekday,
  time: fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
  zone: fc.constantFrom(...ZONES),
  durationMinutes: fc.integer({ min: 5, max: 180 }),
});

describe('writer time rules (property tests across the BRIEF zone set, DST gaps and overlaps)', () => {
  it('after a lock, the week re-read covers every instant of that schedule week in the business unit zone', () => {
    fc.assert(
      fc.property(arbInstant, fc.constantFrom(...ZONES), arbWeekday, (ms, zone, weekStart) => {
        const week = scheduleWeekOf(ms, zone, weekStart);
        const { start, end } = scheduleWeekBounds(week, zone);
        expect(ms).toBeGreaterThanOrEqual(start);
        expect(ms).toBeLessThan(end);
        // A week is 7 local days: 168 hours, ±1 across a DST change (±30 minutes on Lord Howe).
        expect(Math.abs(end - start - 168 * 3_600_000)).toBeLessThanOrEqual(3_600_000);
      }),
      { numRuns: 2_000 },
    );
  });

  it('a Sunday 01:00 SGT shift lies in the week that starts that Sunday, though its UTC date is Saturday', () => {
    const ms = parseInstant('2026-11-29T01:00:00+08:00');
    expect(toWire(ms)).toBe('2026-11-28T17:00:00Z');
    const week = scheduleWeekOf(ms, 'Asia/Singapore', 7);
    expect(week).toBe('2026-11-29');
    const { start, end } = scheduleWeekBounds(week, 'Asia/Singapore');
    expect([toWire(start), toWire(end)]).toEqual(['2026-11-28T16:00:00Z', '2026-12-05T16:00:00Z']);
  });

  it('with no hint from the WFM, a lock inside the configured window is waited out to its close, in the window zone', () => {
    fc.assert(
      fc.property(
        arbInstant,
        arbWindow,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (from, window, into, r) => {
          const next = nextWindowAfter(from, window);
          const ms = next.opensAt + Math.floor(into * (next.closesAt - next.opensAt));
          const open = openWindowAt(ms, window);
          expect(open).toEqual(next);
          const d = deferralFor({}, ms, DEFAULT_DEFERRAL, window, () => r);
          expect(d.source).toBe('publish-window');
          expect(d.until).toBeGreaterThanOrEqual(open!.closesAt);
          expect(d.until).toBeLessThan(open!.closesAt + DEFAULT_DEFERRAL.jitterMs);
          expect(d.until).toBeGreaterThan(ms);
        },
      ),
    );
  });

  it('finds windows open across DST: the default Sunday 02:00 SGT window, and 02:00 on a spring-forward Sunday in Sydney', () => {
    const sgt: PublishWindow = { dayOfWeek: 7, time: '02:00', zone: 'Asia/Singapore', durationMinutes: 30 };
    const d = deferralFor(
      {},
      parseInstant('2026-11-28T18:10:00Z'),
      { jitterMs: 0, fallbackMs: 60_000 },
      sgt,
      Math.random,
    );
    expect(toWire(d.until)).toBe('2026-11-28T18:30:00Z');
    // Sydney springs forward on Sunday 2026-10-04: 02:00 does not exist; luxon places it at 03:00 AEDT.
    const syd: PublishWindow = { dayOfWeek: 7, time: '02:00', zone: 'Australia/Sydney', durationMinutes: 30 };
    const opened = DateTime.fromISO('2026-10-04T03:10:00', { zone: 'Australia/Sydney' }).toMillis();
    const e = deferralFor({}, opened, { jitterMs: 0, fallbackMs: 60_000 }, syd, Math.random);
    expect(e.source).toBe('publish-window');
    expect(DateTime.fromMillis(e.until, { zone: 'Australia/Sydney' }).toFormat('HH:mm')).toBe('03:30');
  });

  it('trusts Retry-After over lockedUntil, and reads lockedUntil in any offset as the same instant', () => {
    fc.assert(
      fc.property(
        arbInstant,
        fc.integer({ min: 1, max: 3_600 }),
        fc.constantFrom(...ZONES),
        (now, seconds, zone) => {
          const until = now + seconds * 1_000;
          const inZone = DateTime.fromMillis(until, { zone }).toISO({ suppressMilliseconds: true })!;
          const byHeader = deferralFor(
            { retryAfterMs: seconds * 1_000, lockedUntil: inZone },
            now,
            { jitterMs: 0, fallbackMs: 1 },
            undefined,
            Math.random,
          );
          expect(byHeader).toMatchObject({ source: 'retry-after', until });
          const byBody = deferralFor(
            { lockedUntil: inZone },
            now,
            { jitterMs: 0, fallbackMs: 1 },
            undefined,
            Math.random,
          );
          expect(byBody.source).toBe('locked-until');
          expect(Math.floor(byBody.until / 1_000)).toBe(Math.floor(until / 1_000));
        },
      ),
    );
  });
});
