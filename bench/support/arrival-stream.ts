import { DateTime } from 'luxon';
import { goldenEventLines } from '../../test/pipeline/support/harness.js';

/**
 * The event streams bench:arrivals sends: the golden APAC stream (15 trunks, 42 h), or that
 * stream `weeks` times, each copy a week earlier than the next and the last the golden file
 * itself (earlier, not later: a copy past the wall clock would be refused as the future).
 * Every copy keeps the golden file's two samples sent wrong on purpose — line 121 repeats a
 * sample already sent, line 601 comes 40 minutes behind its trunk — and those are the only
 * samples that may be dead-lettered late or duplicate.
 */
export interface ArrivalStream {
  lines: string[];
  /** each sample sent wrong on purpose, by value, with how many times it was so sent */
  deliberate: Map<string, number>;
}

/** indexes, in the golden file, of its repeated sample and its sample sent 40 minutes late */
const DELIBERATE = [120, 600];

export function goldenStream(weeks = 1): ArrivalStream {
  const golden = goldenEventLines();
  const lines: string[] = [];
  const deliberate = new Map<string, number>();
  for (let back = weeks - 1; back >= 0; back--) {
    for (const [i, line] of golden.entries()) {
      const shifted = back === 0 ? line : shift(line, back);
      lines.push(shifted);
      if (DELIBERATE.includes(i)) deliberate.set(shifted, (deliberate.get(shifted) ?? 0) + 1);
    }
  }
  return { lines, deliberate };
}

function shift(line: string, weeksBack: number): string {
  const e = JSON.parse(line) as { eventTime: string };
  const at = DateTime.fromISO(e.eventTime, { setZone: true });
  if (!at.isValid) return line;
  return JSON.stringify({
    ...e,
    eventTime: at.minus({ weeks: weeksBack }).toISO({ suppressMilliseconds: true }),
  });
}
