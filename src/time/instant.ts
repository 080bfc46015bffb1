import { DateTime } from 'luxon';

/**
 * An instant on the wire: RFC 3339 `date-time` (section 5.6) with upper-case `T` and `Z`, and
 * seconds optional (`2026-11-29T02:00+08:00`). Hours are 00–23, minutes and seconds 00–59, the
 * fraction has any number of digits (cut to milliseconds), and the offset is `Z` or `±HH:MM`
 * within ±14:00, the widest any zone uses. The seed's failure mode was a client sending local
 * wall-clock times without an offset and letting the server guess; we refuse to guess, and we
 * refuse what RFC 3339 refuses (`24:00`, `+99:99`) rather than roll it into another day or zone.
 *
 * This pattern is the JSON Schemas' form of the grammar; `parseInstant` also checks the calendar
 * (no 31 April, 29 February only in leap years).
 */
export const INSTANT_PATTERN =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$/;

export class InstantFormatError extends Error {
  readonly code = 'TR_ERR_INSTANT_FORMAT';
  readonly retriable = false;
  constructor(
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`${JSON.stringify(value)} is not an instant: ${reason}`);
    this.name = 'InstantFormatError';
  }
}

/** Parses an instant (see INSTANT_PATTERN); returns epoch milliseconds or throws InstantFormatError. */
export function parseInstant(value: unknown): number {
  if (typeof value !== 'string') throw new InstantFormatError(value, 'expected a string');
  const ms = scan(value);
  if (ms < FAILED) return ms;
  throw new InstantFormatError(value, explain(value, ms - FAILED));
}

/**
 * The same parse without an exception, for the event decoders' hot paths: epoch ms, or
 * undefined for anything parseInstant refuses. Every event carries an instant, and parsing it
 * was the largest single cost of decoding one, so this reads character codes, with no regular
 * expression and no luxon.
 */
export function parseInstantFast(s: string): number | undefined {
  const ms = scan(s);
  return ms < FAILED ? ms : undefined;
}

/** Whether a value is an instant parseInstant accepts. */
export function isInstant(value: unknown): boolean {
  return typeof value === 'string' && scan(value) < FAILED;
}

/**
 * Why parseInstant refuses `value` (the message of its InstantFormatError: the value, the
 * reason and the fix), or undefined when it accepts it. The zod `Instant` reports this.
 */
export function instantRefusal(value: unknown): string | undefined {
  try {
    parseInstant(value);
    return undefined;
  } catch (err) {
    return (err as InstantFormatError).message;
  }
}

/**
 * `scan` answers epoch ms, or FAILED plus the reason: past every instant of years 0000–9999
 * (±2.6e14 ms), so one number carries both and the hot path allocates nothing.
 */
const FAILED = 1e15;
const SHAPE = 0;
const NO_OFFSET = 1;
const SPACE_FOR_PLUS = 2;
const MONTH = 3;
const DAY = 4;
const HOUR = 5;
const MINUTE = 6;
const SECOND = 7;
const LEAP_SECOND = 8;
const OFFSET_RANGE = 9;
const OFFSET_MINUTE = 10;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** 400 Gregorian years, which Date.UTC needs added to years 0000–0099 (it reads them as 1900–1999) */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

/** the number written by `len` ASCII digits at `at`, or -1 */
function digits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // NaN past the end too
    n = n * 10 + d;
  }
  return n;
}

/**
 * Reads `YYYY-MM-DDTHH:MM[:SS[.f+]](Z|±HH:MM)`: first the shape, then every field's range with
 * integer compares. The fraction's first three digits are the milliseconds; the rest are cut.
 */
function scan(s: string): number {
  const len = s.length;
  if (len < 16) return FAILED + SHAPE;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58)
    return FAILED + SHAPE; // - - T :
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return FAILED + SHAPE;
  let at = 16;
  let second = 0;
  let ms = 0;
  if (s.charCodeAt(at) === 58) {
    second = digits(s, at + 1, 2);
    if (second < 0) return FAILED + SHAPE;
    at += 3;
    if (s.charCodeAt(at) === 46) {
      let end = at + 1;
      for (; end < len; end++) {
        const d = s.charCodeAt(end) - 48;
        if (d < 0 || d > 9) break;
        const place = end - at;
        if (place === 1) ms = d * 100;
        else if (place === 2) ms += d * 10;
        else if (place === 3) ms += d;
      }
      if (end === at + 1) return FAILED + SHAPE;
      at = end;
    }
  }
  let offsetMin = 0;
  const sign = s.charCodeAt(at);
  if (sign === 90) {
    if (at + 1 !== len) return FAILED + SHAPE; // Z
  } else if (sign === 43 || sign === 45 || sign === 32) {
    if (at + 6 !== len || s.charCodeAt(at + 3) !== 58) return FAILED + SHAPE; // ±HH:MM
    const oh = digits(s, at + 1, 2);
    const om = digits(s, at + 4, 2);
    if (oh < 0 || om < 0) return FAILED + SHAPE;
    if (sign === 32) return FAILED + SPACE_FOR_PLUS;
    if (oh > 14) return FAILED + OFFSET_RANGE;
    if (om > 59) return FAILED + OFFSET_MINUTE;
    if (oh === 14 && om > 0) return FAILED + OFFSET_RANGE;
    offsetMin = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return at === len ? FAILED + NO_OFFSET : FAILED + SHAPE;
  }
  if (month < 1 || month > 12) return FAILED + MONTH;
  if (day < 1 || day > DAYS_IN_MONTH[month - 1]! + (month === 2 && isLeapYear(year) ? 1 : 0))
    return FAILED + DAY;
  if (hour > 23) return FAILED + HOUR;
  if (minute > 59) return FAILED + MINUTE;
  if (second > 59) return FAILED + (second === 60 ? LEAP_SECOND : SECOND);
  return utcMillis(year, month, day, hour, minute, second, ms) - offsetMin * 60_000;
}

/** The reason and the fix for a string `scan` refused with `why`. */
function explain(s: string, why: number): string {
  const offset = s.endsWith('Z') ? 'Z' : s.slice(-6);
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  switch (why) {
    case NO_OFFSET:
      return `it has no offset, and an instant needs an explicit offset: append Z for UTC or the local offset, like ${s}Z or ${s}+08:00`;
    case SPACE_FOR_PLUS:
      return `a space stands where the offset's sign belongs (in a URL query a bare + reads as a space: send it as %2B)`;
    case MONTH:
      return `month ${s.slice(5, 7)} is not 01–12`;
    case DAY: {
      const last = DAYS_IN_MONTH[month - 1]! + (month === 2 && isLeapYear(year) ? 1 : 0);
      return `${s.slice(0, 7)} has no day ${s.slice(8, 10)}: its last day is ${last}`;
    }
    case HOUR: {
      const rest = s.slice(13);
      if (s.slice(11, 13) !== '24' || !/^:00(?::00(?:\.0+)?)?[Z+-]/.test(rest))
        return `hour ${s.slice(11, 13)} is not 00–23`;
      const day = Number(s.slice(8, 10));
      const next = new Date(utcMillis(year, month, day, 0, 0, 0, 0) + 86_400_000).toISOString().slice(0, 10);
      return `hour 24 is not 00–23: the midnight that ends a day is 00:00 of the next, ${next}T00${rest}`;
    }
    case MINUTE:
      return `minute ${s.slice(14, 16)} is not 00–59`;
    case SECOND:
      return `second ${s.slice(17, 19)} is not 00–59`;
    case LEAP_SECOND:
      return 'second 60 (a leap second) is not accepted, as epoch milliseconds have none: write :59.999 or the next minute';
    case OFFSET_RANGE:
      return `offset ${offset} is beyond ±14:00, the widest offset of any time zone: write the zone's offset, like +08:00 or -05:00`;
    case OFFSET_MINUTE:
      return `offset ${offset} has minutes past 59: write ±HH:MM with minutes 00–59, like +05:45`;
    default:
      return 'expected RFC 3339 with an explicit offset, like 2026-11-29T02:00:00+08:00 or 2026-11-28T18:00:00Z';
  }
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Date.UTC for years 0000–9999 (Date.UTC reads 0–99 as 1900–1999) */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  return y < 100
    ? Date.UTC(y + 400, mo - 1, d, h, mi, s, ms) - FOUR_CENTURIES_MS
    : Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/** The one wire format we emit: UTC with a `Z` suffix; milliseconds only when not zero. */
export function toWire(ms: number): string {
  // Date's own ISO form is this format for years 0000–9999 (luxon's is the same, slower)
  if (ms >= YEAR_0 && ms < YEAR_10000) {
    const iso = new Date(ms).toISOString();
    return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
  }
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!;
}
const YEAR_0 = -62167219200000; // 0000-01-01T00:00:00Z
const YEAR_10000 = 253402300800000; // 10000-01-01T00:00:00Z

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
