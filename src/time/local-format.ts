import { DateTime } from 'luxon';

/**
 * Instants as people read them: the wall-clock time, weekday, date and UTC offset in a
 * zone (the business unit's), with the UTC time beside it — "03:30 Sun 29 Nov +08:00
 * (19:30Z)". The team reads its own clock; the offset and the UTC time are there for
 * whoever compares the text with the wire, where every instant stays UTC (instant.ts
 * `toWire`: events, WFM requests, outcome records' instant fields). This is for text only:
 * reasons, guardrail details, the status page, the demo summary, `plan`.
 *
 * Seconds appear only when they are not zero. In a zone at offset zero the UTC time would
 * repeat the local one, so it is left out.
 */

/** Weekday and month names in English whatever the machine's locale, so the text is the same everywhere. */
const LOCALE = 'en-US';

function inZone(ms: number, zone: string): DateTime {
  return DateTime.fromMillis(ms, { zone, locale: LOCALE });
}

function clock(d: DateTime): string {
  return d.toFormat(d.second === 0 && d.millisecond === 0 ? 'HH:mm' : 'HH:mm:ss');
}

function dayAndOffset(d: DateTime): string {
  return d.toFormat('ccc d LLL ZZ');
}

function utcClock(d: DateTime): string {
  return `${clock(d.toUTC())}Z`;
}

/**
 * The latest texts of formatLocal, by zone and instant: the planner writes the same hour's end
 * into the detail of every intent a guardrail refuses in that hour, and luxon takes some 0.2 ms
 * to format one. Bounded: emptied when full.
 */
const recent = new Map<string, string>();
const RECENT_MAX = 1_024;

/** "03:30 Sun 29 Nov +08:00 (19:30Z)": an instant in `zone`, with the UTC time beside it. */
export function formatLocal(ms: number, zone: string): string {
  const key = `${zone} ${ms}`;
  let text = recent.get(key);
  if (text === undefined) {
    text = formatLocalNow(ms, zone);
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(key, text);
  }
  return text;
}

function formatLocalNow(ms: number, zone: string): string {
  const d = inZone(ms, zone);
  const utc = d.offset === 0 ? '' : ` (${utcClock(d)})`;
  return `${clock(d)} ${dayAndOffset(d)}${utc}`;
}

/** "03:30": the wall-clock time alone, for a table whose heading names the zone. */
export function formatLocalTime(ms: number, zone: string): string {
  return clock(inZone(ms, zone));
}

/**
 * Two instants: a range with `sep` '–' ("10:00–11:00 Fri 27 Nov +08:00 (02:00Z–03:00Z)"),
 * a change with ' → ' ("03:00 → 03:30 Sun 29 Nov +08:00 (19:00Z → 19:30Z)"). The day and
 * offset are written once when both instants share them; otherwise each instant is written
 * whole ("23:30 Sat 4 Oct +10:00 (13:30Z) → 03:30 Sun 5 Oct +11:00 (16:30Z)" across a DST change).
 */
export function formatLocalSpan(from: number, to: number, zone: string, sep = '–'): string {
  const a = inZone(from, zone);
  const b = inZone(to, zone);
  if (a.toISODate() !== b.toISODate() || a.offset !== b.offset) {
    const spaced = ` ${sep.trim()} `;
    return `${formatLocal(from, zone)}${spaced}${formatLocal(to, zone)}`;
  }
  const utc = a.offset === 0 ? '' : ` (${utcClock(a)}${sep}${utcClock(b)})`;
  return `${clock(a)}${sep}${clock(b)} ${dayAndOffset(a)}${utc}`;
}
