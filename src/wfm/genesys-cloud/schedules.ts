import { DateTime } from 'luxon';
import type { GenesysHttp } from './http.js';
import { WFM_PATH } from './org.js';
import { GenesysShift } from './shift-map.js';

/** A BU schedule as the backend tracks it: the weeks it spans and its schedule-level version. */
export interface ScheduleRef {
  id: string;
  weekDate: string;
  weekCount: number;
  published: boolean;
  version: number;
}

/** One agent's schedule in one BU schedule: its version and every shift, as last read or written. */
export interface AgentCopy {
  scheduleId: string;
  userId: string;
  version: number;
  shifts: GenesysShift[];
  updatedAt: string;
  updatedBy: string;
}

export function covers(s: Pick<ScheduleRef, 'weekDate' | 'weekCount'>, week: string, zone: string): boolean {
  const end = DateTime.fromISO(s.weekDate, { zone }).plus({ weeks: s.weekCount }).toISODate()!;
  return s.weekDate <= week && week < end;
}

/**
 * The schedule the backend writes a week through: among the BU's schedules spanning the week,
 * a published one (a draft is not what agents work to), the one made for the fewest weeks
 * (most specific), then the latest. Undefined when the week has no published schedule.
 */
export function chooseSchedule(list: ScheduleRef[], week: string, zone: string): ScheduleRef | undefined {
  return list
    .filter((s) => s.published && covers(s, week, zone))
    .sort((a, b) => a.weekCount - b.weekCount || b.weekDate.localeCompare(a.weekDate))[0];
}

export async function listSchedules(
  http: GenesysHttp,
  businessUnitId: string,
  week: string,
  signal?: AbortSignal,
): Promise<ScheduleRef[]> {
  const body = (await http.api({
    method: 'GET',
    path: `${WFM_PATH}/businessunits/${encodeURIComponent(businessUnitId)}/weeks/${week}/schedules`,
    query: { includeOnlyPublished: true },
    ...(signal ? { signal } : {}),
  })) as { entities?: Array<Record<string, unknown>> };
  return (body?.entities ?? []).flatMap((e): ScheduleRef[] => {
    const version = (e.metadata as { version?: unknown } | undefined)?.version;
    if (typeof e.id !== 'string' || typeof e.weekDate !== 'string' || typeof version !== 'number') return [];
    return [
      {
        id: e.id,
        weekDate: e.weekDate,
        weekCount: typeof e.weekCount === 'number' ? e.weekCount : 1,
        published: e.published === true,
        version,
      },
    ];
  });
}

/** An agent schedule from a query answer (BuAgentScheduleQueryResponse). */
export function agentCopyFrom(scheduleId: string, raw: unknown): AgentCopy | undefined {
  const a = raw as {
    user?: { id?: unknown };
    shifts?: unknown[];
    metadata?: { version?: unknown; dateModified?: unknown; modifiedBy?: { id?: unknown } };
  };
  if (typeof a?.user?.id !== 'string' || typeof a.metadata?.version !== 'number') return undefined;
  const shifts: GenesysShift[] = [];
  for (const s of a.shifts ?? []) {
    const parsed = GenesysShift.safeParse(s);
    if (parsed.success) shifts.push(parsed.data);
  }
  return {
    scheduleId,
    userId: a.user.id,
    version: a.metadata.version,
    shifts,
    updatedAt:
      typeof a.metadata.dateModified === 'string'
        ? new Date(Date.parse(a.metadata.dateModified)).toISOString()
        : new Date(0).toISOString(),
    updatedBy: typeof a.metadata.modifiedBy?.id === 'string' ? a.metadata.modifiedBy.id : 'unknown',
  };
}
