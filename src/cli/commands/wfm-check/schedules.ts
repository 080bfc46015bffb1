import { DateTime } from 'luxon';
import type { GenesysCloudWfm } from '../../../wfm/genesys-cloud/backend.js';
import type { Org } from '../../../wfm/genesys-cloud/org.js';
import { chooseSchedule, listSchedules, type ScheduleRef } from '../../../wfm/genesys-cloud/schedules.js';
import { failure } from './failure.js';
import type { Section } from './report.js';

function weekText(week: string, zone: string): string {
  return DateTime.fromISO(week, { zone, locale: 'en-US' }).toFormat('ccc d LLL yyyy');
}

export async function checkSchedules(
  s: Section,
  backend: GenesysCloudWfm,
  businessUnitId: string,
  org: Org,
  now: number,
): Promise<void> {
  const thisWeek = org.weekOf(now);
  const nextWeek = DateTime.fromISO(thisWeek, { zone: org.zone }).plus({ weeks: 1 }).toISODate()!;
  const weeks: Array<Record<string, unknown>> = [];
  s.data.weeks = weeks;
  for (const [label, week] of [
    ['this week', thisWeek],
    ['next week', nextWeek],
  ] as const) {
    const from = weekText(week, org.zone);
    let list: ScheduleRef[];
    try {
      list = await listSchedules(backend.http, businessUnitId, week);
    } catch (err) {
      const f = failure(err);
      weeks.push({ week, error: f });
      s.fail(`${label} (from ${from}): the published schedules cannot be listed: ${f.message}`);
      continue;
    }
    const chosen = chooseSchedule(list, week, org.zone);
    weeks.push({
      week,
      schedules: list.map(({ id, weekDate, weekCount, version }) => ({ id, weekDate, weekCount, version })),
      writesThrough: chosen?.id ?? null,
    });
    const describe = (x: ScheduleRef) =>
      `${x.id} (weekDate ${x.weekDate}, ${x.weekCount} week${x.weekCount === 1 ? '' : 's'}, version ${x.version})`;
    if (!chosen) {
      const text = `${label} (from ${from}): no published schedule covers it, so no shift of it can be read or written until one is published`;
      if (label === 'this week') s.fail(text);
      else s.warn(text);
      continue;
    }
    s.ok(`${label} (from ${from}): writes go through ${describe(chosen)}`);
    for (const other of list.filter((x) => x !== chosen && x.published))
      s.info(`${label}: also published over it: ${describe(other)}`);
  }
}
