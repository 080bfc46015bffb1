import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DuringCalendar, expandDays } from '../../src/rules/during.js';

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

describe('during: local-time windows', () => {
  it('expands day names and ranges, wrapping past Sunday', () => {
    expect([...expandDays(['mon-fri'])].sort()).toEqual([1, 2, 3, 4, 5]);
    expect([...expandDays(['fri-mon'])].sort()).toEqual([1, 5, 6, 7]);
    expect(expandDays(undefined).size).toBe(7);
  });

  it('opens on the local weekday in the zone, not the UTC one (Sunday 02:00 SGT is Saturday in UTC)', () => {
    const d = new DuringCalendar('Asia/Singapore', [{ days: ['sun'], from: '01:00', to: '03:00' }]);
    expect(d.isActive(Date.parse('2026-11-28T18:00:00Z'))).toBe(true);
    expect(d.isActive(Date.parse('2026-11-28T16:59:59Z'))).toBe(false);
    expect(d.isActive(Date.parse('2026-11-28T19:00:00Z'))).toBe(false);
  });

  it('runs overnight windows into the next day, counted from the day they open', () => {
    const d = new DuringCalendar('Asia/Kolkata', [{ days: ['fri'], from: '22:00', to: '06:00' }]);
    expect(d.isActive(at('2026-11-27T23:30', 'Asia/Kolkata'))).toBe(true);
    expect(d.isActive(at('2026-11-28T05:59', 'Asia/Kolkata'))).toBe(true);
    expect(d.isActive(at('2026-11-28T06:00', 'Asia/Kolkata'))).toBe(false);
    expect(d.isActive(at('2026-11-28T23:00', 'Asia/Kolkata'))).toBe(false);
  });

  it('keeps local meaning across DST changes (Sydney, Lord Howe, Chatham)', () => {
    for (const zone of ['Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/New_York']) {
      const d = new DuringCalendar(zone, [{ from: '09:00', to: '17:00' }]);
      // the days around the 2026 DST changes of both hemispheres
      for (const day of [
        '2026-04-04',
        '2026-04-05',
        '2026-10-03',
        '2026-10-04',
        '2026-03-08',
        '2026-11-01',
      ]) {
        expect(d.isActive(at(`${day}T08:59`, zone)), `${zone} ${day} 08:59`).toBe(false);
        expect(d.isActive(at(`${day}T09:00`, zone)), `${zone} ${day} 09:00`).toBe(true);
        expect(d.isActive(at(`${day}T16:59`, zone)), `${zone} ${day} 16:59`).toBe(true);
        expect(d.isActive(at(`${day}T17:00`, zone)), `${zone} ${day} 17:00`).toBe(false);
      }
    }
  });

  it('moves a window edge the clock skips forward by the gap, and takes the first of a time shown twice', () => {
    const firstActive = (d: DuringCalendar, from: number) => {
      let t = from;
      while (!d.isActive(t)) t += 60_000;
      return t;
    };
    const iso = (ms: number, zone: string) =>
      DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true });
    const opens = (zone: string, day: string, from: string) =>
      iso(firstActive(new DuringCalendar(zone, [{ from, to: '06:00' }]), at(`${day}T00:00`, zone)), zone);
    // spring forward: Sydney 02:00 +10:00 → 03:00 +11:00, Lord Howe 02:00 +10:30 → 02:30 +11:00,
    // Chatham 02:45 +12:45 → 03:45 +13:45
    expect(opens('Australia/Sydney', '2026-10-04', '02:30')).toBe('2026-10-04T03:30:00+11:00');
    expect(opens('Australia/Lord_Howe', '2026-10-04', '02:10')).toBe('2026-10-04T02:40:00+11:00');
    expect(opens('Pacific/Chatham', '2026-09-27', '03:00')).toBe('2026-09-27T04:00:00+13:45');
    // fall back: New York 02:00 -04:00 → 01:00 -05:00, Lord Howe 02:00 +11:00 → 01:30 +10:30
    expect(opens('America/New_York', '2026-11-01', '01:30')).toBe('2026-11-01T01:30:00-04:00');
    expect(opens('Australia/Lord_Howe', '2026-04-05', '01:45')).toBe('2026-04-05T01:45:00+11:00');
  });

  it('answers the same through its cache as from scratch, for any sequence of instants', () => {
    const zones = [
      'Asia/Singapore',
      'Asia/Kathmandu',
      'Australia/Adelaide',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.array(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }), {
          minLength: 1,
          maxLength: 60,
        }),
        (zone, instants) => {
          const spec = [
            { days: ['mon-fri'], from: '08:30', to: '18:15' },
            { days: ['sat'], from: '22:00', to: '02:00' },
          ];
          const cached = new DuringCalendar(zone, spec);
          for (const t of instants.sort((a, b) => a - b)) {
            expect(cached.isActive(t)).toBe(new DuringCalendar(zone, spec).isActive(t));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
