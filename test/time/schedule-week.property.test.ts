import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isOnGrid, snapToGrid } from '../../src/time/grid.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { nextWindowAfter, openWindowAt } from '../../src/time/publish-window.js';
import { type IsoWeekday, scheduleWeekBounds, scheduleWeekOf } from '../../src/time/schedule-week.js';
import { ZONES } from '../support/zones.js';

const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });
const zone = fc.constantFrom(...ZONES);
const weekday = fc.integer({ min: 1, max: 7 }) as fc.Arbitrary<IsoWeekday>;

describe('schedule weeks in the business unit’s zone', () => {
  it('puts a Sunday 01:00 SGT shift in the week that starts that local Sunday, though its UTC date is Saturday', () => {
    const ms = parseInstant('2026-11-29T01:00:00+08:00');
    expect(toWire(ms)).toBe('2026-11-28T17:00:00Z');
    expect(scheduleWeekOf(ms, 'Asia/Singapore', 7)).toBe('2026-11-29');
    expect(scheduleWeekOf(ms, 'UTC', 7)).toBe('2026-11-22'); // the seed's bug, for contrast
  });

  it('starts every week on the configured local weekday, at most six local days before the instant', () => {
    fc.assert(
      fc.property(instant, zone, weekday, (ms, z, ws) => {
        const week = DateTime.fromISO(scheduleWeekOf(ms, z, ws), { zone: z });
        const local = DateTime.fromMillis(ms, { zone: z }).startOf('day');
        expect(week.weekday).toBe(ws);
        const days = Math.round(local.diff(week, 'days').days);
        expect(days).toBeGreaterThanOrEqual(0);
        expect(days).toBeLessThanOrEqual(6);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives week bounds that contain the instant, 167 to 169 hours long across DST', () => {
    fc.assert(
      fc.property(instant, zone, weekday, (ms, z, ws) => {
        const { start, end } = scheduleWeekBounds(scheduleWeekOf(ms, z, ws), z);
        expect(start).toBeLessThanOrEqual(ms);
        expect(end).toBeGreaterThan(ms);
        const hours = (end - start) / 3_600_000;
        expect(hours).toBeGreaterThanOrEqual(167);
        expect(hours).toBeLessThanOrEqual(169);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the 15-minute grid in a zone', () => {
  it('snaps any instant onto the local grid, within one grid step', () => {
    fc.assert(
      fc.property(instant, zone, fc.constantFrom('floor', 'ceil', 'nearest' as const), (ms, z, mode) => {
        const snapped = snapToGrid(ms, z, 15, mode);
        expect(isOnGrid(snapped, z, 15)).toBe(true);
        expect(Math.abs(snapped - ms)).toBeLessThan(15 * 60_000);
        if (mode === 'floor') expect(snapped).toBeLessThanOrEqual(ms);
        if (mode === 'ceil') expect(snapped).toBeGreaterThanOrEqual(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('sees the half-hour zones (Kolkata +5:30) as on a 60-minute local grid where UTC is not', () => {
    const ms = parseInstant('2026-11-25T09:00:00+05:30');
    expect(isOnGrid(ms, 'Asia/Kolkata', 60)).toBe(true);
    expect(isOnGrid(ms, 'UTC', 60)).toBe(false);
  });
});

describe('the weekly publish window', () => {
  it('opens at the local wall-clock time in every zone, across DST changes', () => {
    fc.assert(
      fc.property(instant, zone, weekday, (ms, z, day) => {
        const w = { dayOfWeek: day, time: '03:00', zone: z, durationMinutes: 30 };
        const next = nextWindowAfter(ms, w);
        const local = DateTime.fromMillis(next.opensAt, { zone: z });
        expect(next.opensAt).toBeGreaterThan(ms);
        expect(next.opensAt - ms).toBeLessThanOrEqual(7 * 86_400_000 + 3_600_000);
        expect(local.weekday).toBe(day);
        // 03:00 exists on every day but Chatham's spring-forward Sunday (02:45 → 03:45),
        // where the window opens at the first instant after the gap.
        const wall = local.set({ hour: 3, minute: 0 });
        if (wall.hour === 3) expect([local.hour, local.minute]).toEqual([3, 0]);
        else expect(local.hour).toBe(4);
        expect(openWindowAt(next.opensAt, w)).toEqual(next);
        expect(openWindowAt(next.closesAt, w)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it('opens just after the DST gap when the local time does not exist (Chatham, 2026-09-27)', () => {
    const w = { dayOfWeek: 7 as const, time: '03:00', zone: 'Pacific/Chatham', durationMinutes: 30 };
    const occ = nextWindowAfter(parseInstant('2026-09-26T00:00:00+12:45'), w);
    expect(DateTime.fromMillis(occ.opensAt, { zone: 'Pacific/Chatham' }).toISO()).toBe(
      '2026-09-27T04:00:00.000+13:45',
    );
  });

  it('does not skip the next week’s window when a spring-forward night lies in between (Chatham, 2033-09-25)', () => {
    // Monday 23:00 +12:45; 168 h later is Tuesday 00:00 +13:45, already the next Tuesday-started week.
    const w = { dayOfWeek: 2 as const, time: '03:00', zone: 'Pacific/Chatham', durationMinutes: 30 };
    const occ = nextWindowAfter(2010737700000, w);
    expect(DateTime.fromMillis(occ.opensAt, { zone: 'Pacific/Chatham' }).toISO()).toBe(
      '2033-09-20T03:00:00.000+12:45',
    );
  });

  it('opens the default window on Saturday 18:00 UTC = Sunday 02:00 SGT', () => {
    const w = { dayOfWeek: 7 as const, time: '02:00', zone: 'Asia/Singapore', durationMinutes: 30 };
    const occ = nextWindowAfter(parseInstant('2026-11-25T00:00:00Z'), w);
    expect([toWire(occ.opensAt), toWire(occ.closesAt)]).toEqual([
      '2026-11-28T18:00:00Z',
      '2026-11-28T18:30:00Z',
    ]);
  });
});
