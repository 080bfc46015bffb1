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
  const dt = DateTime.fromISO(value, { setZone: true });
  if (!dt.isValid) throw new InstantFormatError(value, dt.invalidExplanation ?? 'invalid date');
  return dt.toMillis();
}

/** The one wire format we emit: UTC with a `Z` suffix; milliseconds only when not zero. */
export function toWire(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
