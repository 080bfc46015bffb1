import { DateTime } from 'luxon';
import { parseDuration } from '../rules/duration.js';
import { INSTANT_PATTERN, parseInstant } from '../time/instant.js';

/**
 * Times in a test file. People think of a scenario in their own clock ("a weekday morning
 * from 09:00"), so a time without an offset is local to the file's zone:
 *
 * - `09:25` or `09:25:30`: that local time on the day the test starts;
 * - `2026-11-29 02:10` (or with `T`): that local date and time;
 * - `25m`, `+1h30m`: that long after the test's start (promtool's `eval_time`);
 * - `2026-11-27T09:25:00+08:00`: an instant, offset and all.
 *
 * Local times go through luxon, so a time skipped by a spring-forward night moves forward by
 * the gap, and one shown twice on a fall-back night is the first of the two (as `during`).
 */

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const LOCAL = /^(\d{4}-\d{2}-\d{2})[ T]((?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)$/;
const OFFSET = /^\+?(?=\d)(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?$/;

/** What the schema accepts; the calendar (no 30 February) is checked when the time is resolved. */
export const TIME_TEXT_PATTERN = new RegExp(
  [CLOCK, LOCAL, OFFSET, INSTANT_PATTERN].map((r) => `(?:${r.source})`).join('|'),
);

/** A time as written: clock times keep their form, so a target time can be compared by the clock. */
export type TestTimeText =
  | { kind: 'clock'; seconds: number }
  | { kind: 'local'; date: string; time: string }
  | { kind: 'offset'; ms: number }
  | { kind: 'instant'; ms: number };

export function readTimeText(text: string): TestTimeText | null {
  let m = CLOCK.exec(text);
  if (m) return { kind: 'clock', seconds: Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0) };
  m = LOCAL.exec(text);
  if (m) return { kind: 'local', date: m[1]!, time: m[2]! };
  if (OFFSET.test(text)) {
    const ms = parseDuration(text.replace(/^\+/, ''));
    return ms === null ? null : { kind: 'offset', ms };
  }
  if (INSTANT_PATTERN.test(text)) {
    try {
      return { kind: 'instant', ms: parseInstant(text) };
    } catch {
      return null;
    }
  }
  return null;
}

export interface TimeBase {
  zone: string;
  /** the test's start, epoch ms */
  startMs: number;
}

/** Epoch ms of a time, or why it names none (a date that does not exist). */
export function resolveTime(text: string, base: TimeBase): { ms: number } | { error: string } {
  const t = readTimeText(text);
  if (t === null) return { error: `'${text}' is not a time` };
  switch (t.kind) {
    case 'offset':
      return { ms: base.startMs + t.ms };
    case 'instant':
      return { ms: t.ms };
    case 'clock': {
      const day = DateTime.fromMillis(base.startMs, { zone: base.zone }).startOf('day');
      return { ms: clockOn(day, t.seconds) };
    }
    case 'local':
      return localDateTime(t.date, t.time, base.zone);
  }
}

/** The test's start: a date is needed, so a bare clock time or a duration will not do. */
export function resolveStart(text: string, zone: string): { ms: number } | { error: string } {
  const t = readTimeText(text);
  if (t === null) return { error: `'${text}' is not a time` };
  if (t.kind === 'clock' || t.kind === 'offset')
    return {
      error: `the start needs a date: write it like 2026-11-27 ${t.kind === 'clock' ? text : '09:00'}`,
    };
  return t.kind === 'instant' ? { ms: t.ms } : localDateTime(t.date, t.time, zone);
}

function clockOn(day: DateTime, seconds: number): number {
  return day
    .set({
      hour: Math.floor(seconds / 3600),
      minute: Math.floor((seconds % 3600) / 60),
      second: seconds % 60,
      millisecond: 0,
    })
    .toMillis();
}

function localDateTime(date: string, time: string, zone: string): { ms: number } | { error: string } {
  const day = DateTime.fromISO(date, { zone });
  if (!day.isValid)
    return { error: `${date} is not a date (${day.invalidExplanation ?? day.invalidReason})` };
  const [h, m, s] = time.split(':').map(Number);
  return { ms: clockOn(day, h! * 3600 + m! * 60 + (s ?? 0)) };
}

/** Seconds after local midnight of an instant in `zone`: what a clock-time target is compared with. */
export function clockSecondsOf(ms: number, zone: string): number {
  const d = DateTime.fromMillis(ms, { zone });
  return d.hour * 3600 + d.minute * 60 + d.second;
}
