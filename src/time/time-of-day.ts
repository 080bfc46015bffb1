import { z } from 'zod';

/**
 * A configured local wall-clock time of day (a publish window's `time`, a rule's `during`
 * hours): `HH:mm` from 00:00 to 23:59. `25:00` or `99:99` would roll into the next day when
 * set on a date, so they are refused, not carried over. Only the end of a `during` window may
 * also be `24:00`, the midnight that ends the day.
 */
export const TIME_OF_DAY_PATTERN = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const WINDOW_END_PATTERN = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

export interface TimeOfDayOptions {
  /** also accept `24:00`, the end of the day (a `during` window's `to`) */
  endOfDay?: boolean;
}

export interface TimeOfDaySchemaOptions extends TimeOfDayOptions {
  /** start a refusal with the field's name, for reports that show no path (rules files) */
  nameField?: boolean;
}

export class TimeOfDayError extends Error {
  readonly code = 'TR_ERR_TIME_OF_DAY';
  readonly retriable = false;
  constructor(
    readonly field: string,
    readonly value: unknown,
    refusal: string,
  ) {
    super(`${field}: ${refusal}`);
    this.name = 'TimeOfDayError';
  }
}

/**
 * Why `value` is not a time of day, naming the value, the reason and the fix; undefined when
 * it is one.
 */
export function timeOfDayRefusal(value: unknown, options: TimeOfDayOptions = {}): string | undefined {
  const range = options.endOfDay ? '00:00 to 24:00' : '00:00 to 23:59';
  let reason: string;
  const m = typeof value === 'string' ? /^(\d{2}):(\d{2})$/.exec(value) : null;
  if (typeof value !== 'string') reason = 'expected a string';
  else if (!m) reason = 'expected HH:mm';
  else if ((options.endOfDay ? WINDOW_END_PATTERN : TIME_OF_DAY_PATTERN).test(value)) return undefined;
  else if (value === '24:00') reason = 'the midnight that starts a day is 00:00';
  else if (Number(m[1]) > 23) reason = `hour ${m[1]} is not 00–23`;
  else reason = `minute ${m[2]} is not 00–59`;
  return `${JSON.stringify(value) ?? String(value)} is not a time of day (${reason}): write HH:mm from ${range}, like 02:00`;
}

/** Minutes after local midnight of the time of day `value`; throws TimeOfDayError naming `field`. */
export function parseTimeOfDay(value: unknown, field: string, options: TimeOfDayOptions = {}): number {
  const refusal = timeOfDayRefusal(value, options);
  if (refusal !== undefined) throw new TimeOfDayError(field, value, refusal);
  const s = value as string;
  return Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
}

/** The zod form, for every schema that configures a time of day. */
export function timeOfDay(options: TimeOfDaySchemaOptions = {}) {
  return z
    .string()
    .refine((v) => timeOfDayRefusal(v, options) === undefined, {
      error: (issue) => {
        const refusal = timeOfDayRefusal(issue.input, options);
        const field = issue.path?.at(-1);
        return options.nameField && typeof field === 'string' ? `\`${field}\` ${refusal}` : refusal;
      },
    })
    .meta({ pattern: (options.endOfDay ? WINDOW_END_PATTERN : TIME_OF_DAY_PATTERN).source });
}
