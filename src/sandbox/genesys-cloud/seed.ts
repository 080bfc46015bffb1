import { DateTime } from 'luxon';
import { parseInstant } from '../../time/instant.js';
import { type IsoWeekday, scheduleWeekOf } from '../../time/schedule-week.js';
import type { ActivityType, Shift } from '../../wfm/contract.js';
import type { ScheduleSnapshot } from '../../wfm/snapshot.js';
import { activityCodesFor, stableId } from './activity-codes.js';
import {
  type Category,
  DAY_NAMES,
  type GActivityCode,
  type GAgentSchedule,
  type GenesysState,
  type GSchedule,
  type GShift,
} from './model.js';

/** Which Genesys activity code the project's activity types are filed under in a seeded org. */
const CATEGORY_OF: Record<ActivityType, Category> = {
  'on-queue': 'OnQueueWork',
  break: 'Break',
  meal: 'Meal',
  training: 'Training',
  meeting: 'Meeting',
  coaching: 'Meeting',
  'off-queue': 'OffQueueWork',
};

function codeFor(type: ActivityType, codes: GActivityCode[]): string {
  if (type === 'coaching') return codes.find((c) => c.name === 'Coaching')!.id;
  return codes.find((c) => c.defaultCode && c.category === CATEGORY_OF[type])!.id;
}

function toGenesysShift(shift: Shift, codes: GActivityCode[], idSuffix = ''): GShift {
  const start = parseInstant(shift.start);
  return {
    id: `${shift.id}${idSuffix}`,
    startDate: start,
    lengthMinutes: Math.round((parseInstant(shift.end) - start) / 60_000),
    manuallyEdited: false,
    activities: shift.activities.map((a) => {
      const s = parseInstant(a.start);
      return {
        startDate: s,
        lengthMinutes: Math.round((parseInstant(a.end) - s) / 60_000),
        description: '',
        activityCodeId: codeFor(a.type, codes),
      };
    }),
  };
}

/**
 * A Genesys Cloud org built from the project's schedule snapshot, so that both flavours of the
 * sandbox hold the same agents and shifts: the business unit keeps its zone and week start, each
 * team becomes a management unit (and a team of the Teams API), agents keep their ids as user ids.
 * The weeks become schedules the way an org has them: the first week a published one-week
 * schedule, the others one published multi-week schedule, and the second week also an unpublished
 * draft with its own shift ids, so a client must choose by `published` and coverage.
 */
export function stateFromSnapshot(
  snapshot: ScheduleSnapshot,
  at: number,
  codeIds: 'opaque' | 'enum-order',
): GenesysState {
  const bu = snapshot.businessUnit;
  const activityCodes = activityCodesFor(bu.id, codeIds);
  const managementUnits = snapshot.teams.map((t) => ({ id: `mu-${t.id}`, name: `${t.name} MU` }));
  const users = snapshot.agents.map((a) => ({
    id: a.id,
    name: a.name,
    managementUnitId: `mu-${a.teamId}`,
    teamId: a.teamId,
  }));
  const weekOf = (ms: number) => scheduleWeekOf(ms, bu.timeZone, bu.weekStart as IsoWeekday);
  const weeks = [...new Set(snapshot.shifts.map((s) => weekOf(parseInstant(s.start))))].sort();
  const schedule = (
    weekDate: string,
    weekCount: number,
    published: boolean,
    idSuffix: string,
    description: string,
  ): GSchedule => {
    const range = new Set(
      Array.from(
        { length: weekCount },
        (_, i) => DateTime.fromISO(weekDate, { zone: bu.timeZone }).plus({ weeks: i }).toISODate()!,
      ),
    );
    const agents: Record<string, GAgentSchedule> = {};
    for (const u of users) {
      agents[u.id] = {
        userId: u.id,
        version: 1,
        modifiedBy: 'System',
        dateModified: at,
        shifts: [],
        fullDayTimeOffMarkers: [],
      };
    }
    for (const s of snapshot.shifts) {
      if (range.has(weekOf(parseInstant(s.start))))
        agents[s.agentId]?.shifts.push(toGenesysShift(s, activityCodes, idSuffix));
    }
    for (const a of Object.values(agents)) a.shifts.sort((x, y) => x.startDate - y.startDate);
    return {
      id: stableId(`${bu.id}/schedule/${weekDate}/${weekCount}/${published}`),
      weekDate,
      weekCount,
      description,
      published,
      version: 1,
      modifiedBy: 'System',
      dateModified: at,
      agents,
    };
  };
  const schedules: GSchedule[] = [];
  if (weeks.length > 0) schedules.push(schedule(weeks[0]!, 1, true, '', `Week of ${weeks[0]}`));
  if (weeks.length > 1) {
    schedules.push(
      schedule(weeks[1]!, weeks.length - 1, true, '', `${weeks.length - 1} weeks from ${weeks[1]}`),
    );
    schedules.push(schedule(weeks[1]!, 1, false, '-draft', `Draft: week of ${weeks[1]}`));
  }
  return {
    businessUnit: {
      id: bu.id,
      name: bu.name,
      timeZone: bu.timeZone,
      startDayOfWeek: DAY_NAMES[bu.weekStart - 1]!,
      settingsVersion: 1,
    },
    managementUnits,
    teams: snapshot.teams.map((t) => ({ id: t.id, name: t.name })),
    users,
    activityCodes,
    schedules,
  };
}
