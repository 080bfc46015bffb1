import { DateTime } from 'luxon';

/** ISO weekday: 1 = Monday … 7 = Sunday (luxon's numbering). */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

export function weekdayFromName(name: WeekdayName): IsoWeekday {
  return (WEEKDAY_NAMES.indexOf(name) + 1) as IsoWeekday;
}

/**
 * The schedule week an instant belongs to, as the local date (YYYY-MM-DD) of the week's
 * first day in the business unit's zone. This is where the seed went wrong: a Sunday
 * 01:00 SGT shift is Saturday 17:00 UTC, so taking the UTC date files it a week early.
 */
export function scheduleWeekOf(ms: number, zone: string, weekStart: IsoWeekday): string {
  return memo(`w${weekStart}|${zone}|${ms}`, () => {
    const local = DateTime.fromMillis(ms, { zone });
    const back = (local.weekday - weekStart + 7) % 7;
    return local.startOf('day').minus({ days: back }).toISODate()!;
  });
}

/** The local calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDateOf(ms: number, zone: string): string {
  return memo(`d|${zone}|${ms}`, () => DateTime.fromMillis(ms, { zone }).toISODate()!);
}

/**
 * Both answers are pure functions of (instant, zone), asked again and again for the same
 * few shift starts (schedules sit on a 15-minute grid) while the planner weighs candidates,
 * and each costs an Intl offset lookup in luxon. Exact-key memo, dropped when it grows.
 */
const MEMO_MAX = 20_000;
const cache = new Map<string, string>();
function memo(key: string, compute: () => string): string {
  let v = cache.get(key);
  if (v === undefined) {
    v = compute();
    if (cache.size >= MEMO_MAX) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** [start, end) of a schedule week as epoch ms; DST-aware (a week can be 167 or 169 hours). */
export function scheduleWeekBounds(weekStartDate: string, zone: string): { start: number; end: number } {
  const start = DateTime.fromISO(weekStartDate, { zone }).startOf('day');
  return { start: start.toMillis(), end: start.plus({ weeks: 1 }).toMillis() };
}
