import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { GridSizeError, isOnGrid, type SnapMode, snapToGrid } from '../../src/time/grid.js';
import { ZONES } from '../support/zones.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The reference: the zone's clock as luxon reads it, minute by minute. */
function onClockGrid(ms: number, zone: string, grid: number): boolean {
  const local = DateTime.fromMillis(ms, { zone });
  return local.second === 0 && local.millisecond === 0 && (local.hour * 60 + local.minute) % grid === 0;
}

function referenceSnap(ms: number, zone: string, grid: number, mode: 'floor' | 'ceil'): number {
  const step = mode === 'floor' ? -MINUTE : MINUTE;
  let t = (mode === 'floor' ? Math.floor(ms / MINUTE) : Math.ceil(ms / MINUTE)) * MINUTE;
  while (!onClockGrid(t, zone, grid)) t += step;
  return t;
}

/** The instants (to the hour) at which each zone's offset changed in 2026–2027. */
function transitions(zone: string): number[] {
  const out: number[] = [];
  let previous = DateTime.fromMillis(Date.UTC(2026, 0, 1), { zone }).offset;
  for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2028, 0, 1); t += HOUR) {
    const offset = DateTime.fromMillis(t, { zone }).offset;
    if (offset !== previous) out.push(t);
    previous = offset;
  }
  return out;
}

const DST_ZONES = ZONES.filter((z) => transitions(z).length > 0);
const TRANSITIONS = DST_ZONES.flatMap((zone) => transitions(zone).map((at) => ({ zone, at })));
const DIVISORS_OF_A_DAY = Array.from({ length: 1440 }, (_, i) => i + 1).filter((g) => 1440 % g === 0);

const grid = fc.oneof(
  { arbitrary: fc.constantFrom(15, 30, 60), weight: 6 },
  { arbitrary: fc.constantFrom(...DIVISORS_OF_A_DAY.filter((g) => g <= 240)), weight: 3 },
  fc.constantFrom(...DIVISORS_OF_A_DAY),
);

/** An instant within two grid lengths and three hours of an offset change, to the millisecond. */
const nearTransition = fc
  .tuple(fc.constantFrom(...TRANSITIONS), grid, fc.double({ min: -1, max: 1, noNaN: true }))
  .map(([{ zone, at }, g, share]) => ({
    zone,
    grid: g,
    ms: at + Math.round(share * (2 * g * MINUTE + 3 * HOUR)),
  }));

const anywhere = fc.record({
  zone: fc.constantFrom(...ZONES),
  grid,
  ms: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) }),
});

function expectSnapsAsReference({ zone, grid, ms }: { zone: string; grid: number; ms: number }): void {
  const floor = snapToGrid(ms, zone, grid, 'floor');
  const ceil = snapToGrid(ms, zone, grid, 'ceil');
  const where = `${zone} ${grid}m ${new Date(ms).toISOString()}`;
  expect(floor, `floor ${where}`).toBe(referenceSnap(ms, zone, grid, 'floor'));
  expect(ceil, `ceil ${where}`).toBe(referenceSnap(ms, zone, grid, 'ceil'));
  const nearest = snapToGrid(ms, zone, grid, 'nearest');
  expect(nearest, `nearest ${where}`).toBe(ms - floor < ceil - ms ? floor : ceil);
  for (const t of [floor, ceil]) expect(isOnGrid(t, zone, grid)).toBe(true);
}

describe('snapping to the wall-clock grid of a zone', () => {
  it('gives the greatest on-grid instant ≤ ms (floor) and the least ≥ ms (ceil) next to every DST change of the zone set', () => {
    expect(DST_ZONES).toEqual([
      'Australia/Sydney',
      'Australia/Adelaide',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'America/New_York',
    ]);
    fc.assert(fc.property(nearTransition, expectSnapsAsReference), { numRuns: 1_500 });
  });

  it('gives the same on any day of any zone of the set, for every grid that divides the day', () => {
    fc.assert(fc.property(anywhere, expectSnapsAsReference), { numRuns: 1_000 });
  });

  it('skips grid times the clock skips: Lord Howe (30-minute change) and Chatham (02:45 to 03:45)', () => {
    const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
    const snap = (iso: string, zone: string, g: number, mode: SnapMode) =>
      DateTime.fromMillis(snapToGrid(at(iso), zone, g, mode), { zone }).toISO({ suppressMilliseconds: true });
    const lordHowe = 'Australia/Lord_Howe';
    // 2026-10-04: 02:00 +10:30 is followed by 02:30 +11:00
    expect(snap('2026-10-04T03:10+11:00', lordHowe, 60, 'floor')).toBe('2026-10-04T03:00:00+11:00');
    expect(snap('2026-10-04T02:40+11:00', lordHowe, 60, 'floor')).toBe('2026-10-04T01:00:00+10:30');
    expect(snap('2026-10-04T01:50+10:30', lordHowe, 60, 'ceil')).toBe('2026-10-04T03:00:00+11:00');
    expect(snap('2026-10-04T01:50+10:30', lordHowe, 30, 'ceil')).toBe('2026-10-04T02:30:00+11:00');
    const chatham = 'Pacific/Chatham';
    // 2026-09-27: 02:45 +12:45 is followed by 03:45 +13:45
    expect(snap('2026-09-27T02:40+12:45', chatham, 60, 'ceil')).toBe('2026-09-27T04:00:00+13:45');
    expect(snap('2026-09-27T02:40+12:45', chatham, 15, 'ceil')).toBe('2026-09-27T03:45:00+13:45');
    expect(snap('2026-09-27T03:50+13:45', chatham, 30, 'floor')).toBe('2026-09-27T02:30:00+12:45');
  });

  it('counts a grid time the clock shows twice both times (Lord Howe and New York fall back)', () => {
    const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
    // Lord Howe 2026-04-05: 02:00 +11:00 is followed by 01:30 +10:30
    expect(snapToGrid(at('2026-04-05T01:40+11:00'), 'Australia/Lord_Howe', 30, 'floor')).toBe(
      at('2026-04-05T01:30+11:00'),
    );
    expect(snapToGrid(at('2026-04-05T01:40+10:30'), 'Australia/Lord_Howe', 30, 'floor')).toBe(
      at('2026-04-05T01:30+10:30'),
    );
    // New York 2026-11-01: 02:00 -04:00 is followed by 01:00 -05:00
    expect(snapToGrid(at('2026-11-01T01:59-04:00'), 'America/New_York', 60, 'floor')).toBe(
      at('2026-11-01T01:00-04:00'),
    );
    expect(snapToGrid(at('2026-11-01T01:10-05:00'), 'America/New_York', 60, 'floor')).toBe(
      at('2026-11-01T01:00-05:00'),
    );
  });

  it('refuses a grid that does not divide the day, naming the grid and the fix', () => {
    for (const g of [0, 7, 25, 1441, 2.5]) {
      expect(() => snapToGrid(Date.UTC(2026, 0, 1), 'Asia/Singapore', g), String(g)).toThrow(GridSizeError);
    }
    expect(() => snapToGrid(0, 'Asia/Singapore', 7)).toThrow(
      'a grid of 7 minutes does not divide the day evenly: use a whole number of minutes that divides 1440, such as 15, 30 or 60',
    );
  });
});
