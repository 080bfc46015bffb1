import { DateTime } from 'luxon';

/**
 * An instant on the wire: ISO 8601 with an explicit offset (`Z` or `±HH:MM`).
 * The seed's failure mode was a client sending local wall-clock times without an
 * offset and letting the server guess; we refuse to guess, everywhere.
 */
export const ISO_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export class InstantFormatError extends Error {
  readonly code = 'TR_ERR_INSTANT_FORMAT';
  constructor(
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`${JSON.stringify(value)} is not an instant: ${reason}`);
    this.name = 'InstantFormatError';
  }
}

export function hasExplicitOffset(value: string): boolean {
  return ISO_WITH_OFFSET.test(value);
}

/** Parses an ISO instant that must carry an offset; returns epoch milliseconds. */
export function parseInstant(value: unknown): number {
  if (typeof value !== 'string') throw new InstantFormatError(value, 'expected a string');
  if (!ISO_WITH_OFFSET.test(value)) {
    throw new InstantFormatError(
      value,
      'expected ISO 8601 with an explicit offset, like 2026-11-29T02:00:00+08:00 or 2026-11-28T18:00:00Z',
    );
  }
  const fast = parseInstantFast(value);
  if (fast !== undefined) return fast;
  const dt = DateTime.fromISO(value, { setZone: true });
  if (!dt.isValid) throw new InstantFormatError(value, dt.invalidExplanation ?? 'invalid date');
  return dt.toMillis();
}

/** Whether a string is an instant `parseInstant` accepts. */
export function isRealInstant(value: string): boolean {
  return ISO_WITH_OFFSET.test(value) && isRealDateTime(value);
}

/**
 * Whether a string names a real date and time, offset or not (the zod `Instant`
 * refinement, beside its format check, so each says its own problem).
 */
export function isRealDateTime(value: string): boolean {
  return parseInstantFast(value) !== undefined || DateTime.fromISO(value, { setZone: true }).isValid;
}
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** the number written by `len` ASCII digits at `at`, or -1 */
function digits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The common case without luxon or a regular expression: every event carries an instant,
 * and parsing it was the largest single cost of decoding one. Reads
 * `YYYY-MM-DDTHH:MM[:SS[.f{1,9}]](Z|±HH:MM)` for years 1000–9999, hours 00–23 and offsets
 * up to ±18:59; returns undefined for anything else (24:00, odd offsets, invalid dates,
 * other shapes), which `parseInstant` then hands to luxon, so the two always agree — a
 * property test holds them to it. Fractions are truncated to milliseconds as luxon does.
 */
export function parseInstantFast(s: string): number | undefined {
  const len = s.length;
  if (len < 17 || len > 35) return undefined;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58)
    return undefined; // - - T :
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59)
    return undefined;
  let at = 16;
  let second = 0;
  let ms = 0;
  if (s.charCodeAt(at) === 58) {
    second = digits(s, at + 1, 2);
    if (second < 0 || second > 59) return undefined;
    at += 3;
    if (s.charCodeAt(at) === 46) {
      let end = at + 1;
      while (end < len && end - at <= 9) {
        const d = s.charCodeAt(end) - 48;
        if (d < 0 || d > 9) break;
        end++;
      }
      if (end === at + 1 || end - at > 10) return undefined;
      const c = s.charCodeAt(end) - 48;
      if (c >= 0 && c <= 9) return undefined; // more than nine digits
      ms = Math.floor(Number.parseFloat(`0.${s.slice(at + 1, end)}`) * 1000);
      at = end;
    }
  }
  let offsetMin = 0;
  const sign = s.charCodeAt(at);
  if (sign === 90) {
    if (at + 1 !== len) return undefined; // Z
  } else if (sign === 43 || sign === 45) {
    if (at + 6 !== len || s.charCodeAt(at + 3) !== 58) return undefined; // ±HH:MM
    const oh = digits(s, at + 1, 2);
    const om = digits(s, at + 4, 2);
    if (oh < 0 || oh > 18 || om < 0 || om > 59) return undefined;
    offsetMin = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
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
