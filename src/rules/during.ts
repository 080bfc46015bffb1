import { DateTime } from 'luxon';
import { WEEKDAY_NAMES, type WeekdayName } from '../time/schedule-week.js';
import type { During } from './schema.js';

interface DayWindow {
  /** ISO weekdays (1 = Monday) the window opens on */
  days: ReadonlySet<number>;
  fromMin: number;
  /** minutes after the opening day's midnight; past 1440 when the window runs overnight */
  toMin: number;
}

/**
 * "Active on these weekdays between these local times, in this zone." Local times are
 * turned into instants with luxon for the day in question, so a window keeps its local
 * meaning across DST changes. A time the clock skips on a spring-forward night is read with
 * the offset before the gap, so it moves forward by the gap's length (02:30 on Sydney's
 * 2026-10-04 is 03:30 +11:00, 02:10 on Lord Howe's is 02:40 +11:00); a time the clock shows
 * twice on a fall-back night is the first of the two (01:30 on New York's 2026-11-01 is
 * 01:30 -04:00). luxon's `set` on the day's midnight does both.
 *
 * The answer for one instant holds over a whole interval, which is cached: evaluating a rule
 * costs a luxon call only when event time crosses a window edge or a local midnight.
 */
export class DuringCalendar {
  private readonly windows: DayWindow[];
  private cacheFrom = Number.POSITIVE_INFINITY;
  private cacheTo = Number.NEGATIVE_INFINITY;
  private cacheActive = false;

  constructor(
    readonly zone: string,
    spec: During['windows'],
  ) {
    this.windows = spec.map((w) => {
      const fromMin = minutes(w.from);
      let toMin = minutes(w.to);
      if (toMin <= fromMin) toMin += 1440;
      return { days: expandDays(w.days), fromMin, toMin };
    });
  }

  isActive(ms: number): boolean {
    if (ms >= this.cacheFrom && ms < this.cacheTo) return this.cacheActive;
    this.recompute(ms);
    return this.cacheActive;
  }

  private recompute(ms: number): void {
    const day = DateTime.fromMillis(ms, { zone: this.zone }).startOf('day');
    const nextDay = day.plus({ days: 1 }).toMillis();
    const intervals: Array<[number, number]> = [];
    // yesterday's overnight windows reach into today
    for (const d of [day.minus({ days: 1 }), day]) {
      for (const w of this.windows) {
        if (!w.days.has(d.weekday)) continue;
        intervals.push([at(d, w.fromMin), at(d, w.toMin)]);
      }
    }
    let active = false;
    let from = day.toMillis();
    let to = nextDay;
    for (const [s, e] of intervals) {
      if (ms >= s && ms < e) {
        if (!active) {
          active = true;
          from = s;
          to = e;
        } else {
          from = Math.max(from, s);
          to = Math.min(to, e);
        }
      }
    }
    if (!active) {
      for (const [s, e] of intervals) {
        if (e <= ms) from = Math.max(from, e);
        if (s > ms) to = Math.min(to, s);
      }
    }
    this.cacheActive = active;
    this.cacheFrom = from;
    this.cacheTo = Math.max(to, ms + 1);
  }
}

function at(day: DateTime, minute: number): number {
  const extraDays = Math.floor(minute / 1440);
  const m = minute % 1440;
  return day
    .plus({ days: extraDays })
    .set({ hour: Math.floor(m / 60), minute: m % 60, second: 0, millisecond: 0 })
    .toMillis();
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** ['mon-fri', 'sun'] → {1,2,3,4,5,7}; every day when `days` is absent. Ranges may wrap (fri-mon). */
export function expandDays(days: readonly string[] | undefined): Set<number> {
  if (!days) return new Set([1, 2, 3, 4, 5, 6, 7]);
  const out = new Set<number>();
  for (const token of days) {
    const [a, b] = token.split('-') as [WeekdayName, WeekdayName | undefined];
    const start = WEEKDAY_NAMES.indexOf(a) + 1;
    const end = b ? WEEKDAY_NAMES.indexOf(b) + 1 : start;
    for (let d = start, n = 0; n < 7; d = (d % 7) + 1, n++) {
      out.add(d);
      if (d === end) break;
    }
  }
  return out;
}
