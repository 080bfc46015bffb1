import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { nextWindowAfter, openWindowAt, type PublishWindow } from '../../src/time/publish-window.js';

const sunday = 7 as const;
const opening = (zone: string, time: string, dayBefore: string) => {
  const w: PublishWindow = { dayOfWeek: sunday, time, zone, durationMinutes: 30 };
  const occ = nextWindowAfter(DateTime.fromISO(dayBefore, { zone }).toMillis(), w);
  expect(openWindowAt(occ.opensAt, w)).toEqual(occ);
  return DateTime.fromMillis(occ.opensAt, { zone }).toISO({ suppressMilliseconds: true });
};

describe('publish windows on DST-change days', () => {
  it('opens a window whose time the clock skips later by the gap (Sydney, Lord Howe, Chatham)', () => {
    expect(opening('Australia/Sydney', '02:30', '2026-10-03')).toBe('2026-10-04T03:30:00+11:00');
    expect(opening('Australia/Sydney', '02:00', '2026-10-03')).toBe('2026-10-04T03:00:00+11:00');
    expect(opening('Australia/Lord_Howe', '02:10', '2026-10-03')).toBe('2026-10-04T02:40:00+11:00');
    expect(opening('Pacific/Chatham', '03:00', '2026-09-26')).toBe('2026-09-27T04:00:00+13:45');
  });

  it('opens a window whose time the clock shows twice at the first of the two (New York, Lord Howe)', () => {
    expect(opening('America/New_York', '01:30', '2026-10-31')).toBe('2026-11-01T01:30:00-04:00');
    expect(opening('Australia/Lord_Howe', '01:45', '2026-04-04')).toBe('2026-04-05T01:45:00+11:00');
  });
});
