import { DateTime } from 'luxon';

/**
 * A time in a test report, in the test file's zone: "09:22:10" on the day the test starts,
 * "Sat 28 Nov 02:10" on another day. Seconds only when they are not zero, as in reasons.
 */
export function shortTime(ms: number, zone: string, startMs: number): string {
  const d = DateTime.fromMillis(ms, { zone, locale: 'en-US' });
  const clock = d.toFormat(d.second === 0 && d.millisecond === 0 ? 'HH:mm' : 'HH:mm:ss');
  const day = DateTime.fromMillis(startMs, { zone }).toISODate();
  return d.toISODate() === day ? clock : `${d.toFormat('ccc d LLL')} ${clock}`;
}
