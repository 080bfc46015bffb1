import { formatDuration } from '../rules/duration.js';
import type { ResolvedGuardrails } from '../rules/guardrail-defaults.js';
import { formatLocal, formatLocalSpan } from '../time/local-format.js';
import { type IsoWeekday, localDateOf, scheduleWeekOf } from '../time/schedule-week.js';
import type { CapCounters, TeamHour } from './cap-counters.js';
import type { ScheduleView, ViewShift } from './schedule-view.js';

export type GuardrailName =
  | 'killSwitch'
  | 'maxShiftLength'
  | 'minShiftLength'
  | 'minRest'
  | 'overlap'
  | 'noShortenWithin'
  | 'maxAdjustmentsPerAgentPerDay'
  | 'maxAdjustmentsPerAgentPerWeek'
  | 'maxAgentsPerTeamPerHour'
  | 'maxLengthDifference';

export interface Violation {
  guardrail: GuardrailName;
  detail: string;
}

export interface BusinessUnitCalendar {
  zone: string;
  weekStart: IsoWeekday;
}

/**
 * Guardrails as pure functions of the proposed change, the schedule view, the cap
 * counters and the trigger's event time. Each returns the violation or null; the times
 * in a violation's detail are in the business unit's zone.
 */
export function checkLength(
  shiftId: string,
  start: number,
  end: number,
  g: ResolvedGuardrails,
): Violation | null {
  const len = end - start;
  if (len > g.maxShiftLengthMs) {
    return {
      guardrail: 'maxShiftLength',
      detail: `shift ${shiftId} would last ${formatDuration(len)}, over the ${formatDuration(g.maxShiftLengthMs)} maximum`,
    };
  }
  if (len < g.minShiftLengthMs) {
    return {
      guardrail: 'minShiftLength',
      detail: `shift ${shiftId} would last ${formatDuration(len)}, under the ${formatDuration(g.minShiftLengthMs)} minimum`,
    };
  }
  return null;
}

/**
 * The agent's other shifts must not overlap [start, end) and must leave `minRest`
 * before and after it. `sides` limits the rest check to the edge that moves: an
 * extension is not refused for a short rest before the shift that it leaves alone.
 */
export function checkRest(
  view: ScheduleView,
  agentId: string,
  exclude: ReadonlySet<string>,
  start: number,
  end: number,
  g: ResolvedGuardrails,
  sides: { before: boolean; after: boolean },
): Violation | null {
  for (const o of view.shiftsOf(agentId)) {
    if (exclude.has(o.id)) continue;
    if (o.start < end && start < o.end) {
      return {
        guardrail: 'overlap',
        detail: `agent ${agentId} would hold overlapping shifts ${o.id} (${formatLocalSpan(o.start, o.end, view.defaultZone)}) and ${formatLocalSpan(start, end, view.defaultZone)}`,
      };
    }
    if (sides.before && o.end <= start && start - o.end < g.minRestMs) {
      return {
        guardrail: 'minRest',
        detail: `agent ${agentId} would rest ${formatDuration(start - o.end)} after shift ${o.id}, under the ${formatDuration(g.minRestMs)} minimum`,
      };
    }
    if (sides.after && o.start >= end && o.start - end < g.minRestMs) {
      return {
        guardrail: 'minRest',
        detail: `agent ${agentId} would rest ${formatDuration(o.start - end)} before shift ${o.id}, under the ${formatDuration(g.minRestMs)} minimum`,
      };
    }
  }
  return null;
}

/** Never shorten a shift in progress or starting within `noShortenWithin` of the trigger. */
export function checkNoShorten(
  shift: ViewShift,
  now: number,
  g: ResolvedGuardrails,
  zone: string,
): Violation | null {
  if (shift.start <= now) {
    return {
      guardrail: 'noShortenWithin',
      detail: `shift ${shift.id} is in progress (started ${formatLocal(shift.start, zone)})`,
    };
  }
  if (shift.start - now < g.noShortenWithinMs) {
    return {
      guardrail: 'noShortenWithin',
      detail: `shift ${shift.id} starts in ${formatDuration(shift.start - now)}, within the ${formatDuration(g.noShortenWithinMs)} no-shorten notice`,
    };
  }
  return null;
}

/**
 * Where a change to `shift` counts: the local date of the shift's start in the agent's
 * zone, and the shift's schedule week in the business unit's zone. A Sunday 01:00 SGT
 * shift counts toward the week that starts that Sunday, not the week before by UTC date.
 */
export function capKeys(view: ScheduleView, bu: BusinessUnitCalendar, agentId: string, shift: ViewShift) {
  return {
    localDate: localDateOf(shift.start, view.zoneOf(agentId)),
    weekStart: scheduleWeekOf(shift.start, bu.zone, bu.weekStart),
  };
}

export function checkAgentCaps(
  counters: CapCounters,
  agentId: string,
  keys: { localDate: string; weekStart: string },
  g: ResolvedGuardrails,
): Violation | null {
  const day = counters.agentDay(agentId, keys.localDate);
  if (day >= g.maxAdjustmentsPerAgentPerDay) {
    return {
      guardrail: 'maxAdjustmentsPerAgentPerDay',
      detail: `agent ${agentId} already has ${day} adjustment(s) on ${keys.localDate} (max ${g.maxAdjustmentsPerAgentPerDay})`,
    };
  }
  const week = counters.agentWeek(agentId, keys.weekStart);
  if (week >= g.maxAdjustmentsPerAgentPerWeek) {
    return {
      guardrail: 'maxAdjustmentsPerAgentPerWeek',
      detail: `agent ${agentId} already has ${week} adjustment(s) in the week of ${keys.weekStart} (max ${g.maxAdjustmentsPerAgentPerWeek})`,
    };
  }
  return null;
}

export function checkTeamHour(
  counters: CapCounters,
  teamId: string,
  agentIds: readonly string[],
  now: number,
  g: ResolvedGuardrails,
  zone: string,
): Violation | null {
  const full = fullTeamHour(counters, teamId, agentIds, now, g);
  if (full === undefined) return null;
  const { end, agents: changed } = full;
  return {
    guardrail: 'maxAgentsPerTeamPerHour',
    detail:
      end === now
        ? `team ${teamId} already had ${changed.size} agent(s) changed in the last hour (max ${g.maxAgentsPerTeamPerHour})`
        : `team ${teamId} already has ${changed.size} agent(s) changed in the hour up to ${formatLocal(end, zone)} (max ${g.maxAgentsPerTeamPerHour})`,
  };
}

/** Whether the team-hour cap refuses changing `agentIds` at `now`: checkTeamHour's verdict, without its text. */
export function teamHourRefuses(
  counters: CapCounters,
  teamId: string,
  agentIds: readonly string[],
  now: number,
  g: ResolvedGuardrails,
): boolean {
  return fullTeamHour(counters, teamId, agentIds, now, g) !== undefined;
}

/** The first hour around `now` that the change would take past the cap, if any. */
function fullTeamHour(
  counters: CapCounters,
  teamId: string,
  agentIds: readonly string[],
  now: number,
  g: ResolvedGuardrails,
): TeamHour | undefined {
  // every hour the change would fall in: usually just the last one, but an intent that
  // arrives behind others in event time must not overfill an hour they already counted in
  for (const hour of counters.teamHoursAround(teamId, now)) {
    let added = 0;
    for (const a of agentIds) if (!hour.agents.has(a)) added++;
    if (added > 0 && hour.agents.size + added > g.maxAgentsPerTeamPerHour) return hour;
  }
  return undefined;
}
