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

/** Whether a string is an instant `parseInstant` accepts (the zod `Instant` refinement). */
export function isRealInstant(value: string): boolean {
  if (parseInstantFast(value) !== undefined) return true;
  return ISO_WITH_OFFSET.test(value) && DateTime.fromISO(value, { setZone: true }).isValid;
}

const FAST_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The common case without luxon: every event carries an instant, and luxon's ISO parser
 * was the largest single cost of decoding one. Covers years 1000–9999, hours 00–23 and
 * offsets up to ±18:59; returns undefined for anything else (24:00, odd offsets, invalid
 * dates), which `parseInstant` then hands to luxon, so the two always agree — a property
 * test holds them to it. Fractions are truncated to milliseconds exactly as luxon does.
 */
export function parseInstantFast(value: string): number | undefined {
  const m = FAST_INSTANT.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return undefined;
  const ms = m[7] === undefined ? 0 : Math.floor(Number.parseFloat(`0.${m[7]}`) * 1000);
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 18 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
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
