import { DateTime } from 'luxon';
import type { IsoWeekday } from './schedule-week.js';
import { scheduleWeekOf } from './schedule-week.js';
import { parseTimeOfDay } from './time-of-day.js';

/** A weekly window, e.g. Sunday 02:00 Asia/Singapore for 30 minutes. */
export interface PublishWindow {
  dayOfWeek: IsoWeekday;
  /** local wall-clock time, HH:mm from 00:00 to 23:59 */
  time: string;
  zone: string;
  durationMinutes: number;
}

export const DEFAULT_PUBLISH_WINDOW: PublishWindow = {
  dayOfWeek: 7,
  time: '02:00',
  zone: 'Asia/Singapore',
  durationMinutes: 30,
};

export interface WindowOccurrence {
  opensAt: number;
  closesAt: number;
}

/**
 * The occurrence opened on the `dayOfWeek` of the local week that contains `ms`, shifted by
 * `weeks` local calendar weeks. Weeks are stepped on the local calendar, never as 7 × 24 h of
 * absolute time: across a spring-forward night a 168-hour jump lands an hour into the *next*
 * local day, which can be the next week's first day and skip a whole occurrence
 * (Chatham, Monday 23:00 + 168 h = Tuesday 00:00 after the 2033-09-25 change).
 * Built from the local date, so the window opens at its local time on a DST-change day too. A
 * time the clock skips on a spring-forward night is read with the offset before the gap, so it
 * opens later by the gap's length (02:30 on Sydney's 2026-10-04 opens at 03:30 +11:00, 02:10 on
 * Lord Howe's at 02:40 +11:00); a time the clock shows twice on a fall-back night opens at the
 * first of the two (01:30 on New York's 2026-11-01 at 01:30 -04:00). luxon's `set` on the day's
 * midnight does both.
 */
function occurrenceInWeekOf(ms: number, w: PublishWindow, weeks: number): WindowOccurrence {
  const minutes = parseTimeOfDay(w.time, 'publish window time');
  const weekStart = DateTime.fromISO(scheduleWeekOf(ms, w.zone, w.dayOfWeek), { zone: w.zone });
  const opens = weekStart
    .plus({ weeks })
    .set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
  const opensAt = opens.toMillis();
  return { opensAt, closesAt: opensAt + w.durationMinutes * 60_000 };
}

/** The occurrence open at `ms`, or null. */
export function openWindowAt(ms: number, w: PublishWindow): WindowOccurrence | null {
  for (const weeks of [0, -1]) {
    const occ = occurrenceInWeekOf(ms, w, weeks);
    if (ms >= occ.opensAt && ms < occ.closesAt) return occ;
  }
  return null;
}

/** The first occurrence opening strictly after `ms`. */
export function nextWindowAfter(ms: number, w: PublishWindow): WindowOccurrence {
  for (let weeks = 0; weeks <= 2; weeks++) {
    const occ = occurrenceInWeekOf(ms, w, weeks);
    if (occ.opensAt > ms) return occ;
  }
  throw new Error('unreachable: a weekly window always opens within two weeks');
}

/** Every occurrence that opens in (fromMs, toMs], oldest first. */
export function windowsOpeningBetween(fromMs: number, toMs: number, w: PublishWindow): WindowOccurrence[] {
  const out: WindowOccurrence[] = [];
  let cursor = fromMs;
  for (;;) {
    const occ = nextWindowAfter(cursor, w);
    if (occ.opensAt > toMs) return out;
    out.push(occ);
    cursor = occ.opensAt;
  }
}
