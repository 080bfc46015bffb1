import type {
  GActivity,
  GActivityCode,
  GAgentSchedule,
  GenesysState,
  GSchedule,
  GShift,
  GTimeOffMarker,
} from './model.js';

/**
 * The emulated state as Genesys Cloud's JSON shows it: camelCase names from the SDK models'
 * attribute maps, datetimes ISO-8601 UTC with milliseconds, dates yyyy-MM-dd, selfUris.
 */
export const API = '/api/v2';
export const WFM = `${API}/workforcemanagement`;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function scheduleUri(buId: string, s: Pick<GSchedule, 'id' | 'weekDate'>): string {
  return `${WFM}/businessunits/${buId}/weeks/${s.weekDate}/schedules/${s.id}`;
}

const userRef = (id: string) => ({ id, selfUri: `${API}/users/${id}` });

function versioned(version: number, modifiedBy: string, dateModified: number) {
  return { version, modifiedBy: { id: modifiedBy }, dateModified: iso(dateModified) };
}

export function activityToWire(a: GActivity): Record<string, unknown> {
  return {
    startDate: iso(a.startDate),
    lengthMinutes: a.lengthMinutes,
    description: a.description,
    activityCodeId: a.activityCodeId,
    ...(a.paid === undefined ? {} : { paid: a.paid }),
    ...(a.payableMinutes === undefined ? {} : { payableMinutes: a.payableMinutes }),
    ...(a.timeOffRequestId === undefined ? {} : { timeOffRequestId: a.timeOffRequestId }),
    ...(a.externalActivityId === undefined ? {} : { externalActivityId: a.externalActivityId }),
    ...(a.externalActivityType === undefined ? {} : { externalActivityType: a.externalActivityType }),
  };
}

export function shiftToWire(shift: GShift, buId: string, schedule: GSchedule): Record<string, unknown> {
  return {
    id: shift.id,
    startDate: iso(shift.startDate),
    lengthMinutes: shift.lengthMinutes,
    activities: shift.activities.map(activityToWire),
    manuallyEdited: shift.manuallyEdited,
    schedule: { id: schedule.id, weekDate: schedule.weekDate, selfUri: scheduleUri(buId, schedule) },
    ...(shift.workPlanId ? { workPlanId: shift.workPlanId } : {}),
    ...(shift.workPlanShiftId ? { workPlanShiftId: shift.workPlanShiftId } : {}),
  };
}

function markerToWire(m: GTimeOffMarker): Record<string, unknown> {
  return { ...m };
}

export function agentScheduleToWire(
  a: GAgentSchedule,
  buId: string,
  schedule: GSchedule,
): Record<string, unknown> {
  return {
    user: userRef(a.userId),
    shifts: a.shifts.map((s) => shiftToWire(s, buId, schedule)),
    fullDayTimeOffMarkers: a.fullDayTimeOffMarkers.map(markerToWire),
    metadata: versioned(a.version, a.modifiedBy, a.dateModified),
  };
}

export function scheduleListItem(s: GSchedule, buId: string): Record<string, unknown> {
  return {
    id: s.id,
    weekDate: s.weekDate,
    weekCount: s.weekCount,
    description: s.description,
    published: s.published,
    generationResults: { failed: false, messageCount: 0, messageSeverityCounts: [] },
    metadata: versioned(s.version, s.modifiedBy, s.dateModified),
    selfUri: scheduleUri(buId, s),
  };
}

/** What changed in one management unit, as an update notification reports it. */
export interface MuChange {
  managementUnitId: string;
  agentIds: string[];
  startDate: number;
  endDate: number;
}

/**
 * BuScheduleMetadata: the list item plus a summary per management unit. Agents are listed only
 * with `expandAgents`; in an update notification (`changes`) each unit lists the agents changed
 * and the changed range, and only the units that changed appear.
 */
export function scheduleMetadata(
  s: GSchedule,
  state: GenesysState,
  opts: { expandAgents?: boolean; changes?: MuChange[] } = {},
): Record<string, unknown> {
  const buId = state.businessUnit.id;
  const byMu = new Map<string, string[]>();
  for (const userId of Object.keys(s.agents)) {
    const mu = state.users.find((u) => u.id === userId)?.managementUnitId;
    if (mu) byMu.set(mu, [...(byMu.get(mu) ?? []), userId]);
  }
  const managementUnits = opts.changes
    ? opts.changes.map((c) => ({
        managementUnit: { id: c.managementUnitId, selfUri: `${WFM}/managementunits/${c.managementUnitId}` },
        agentCount: byMu.get(c.managementUnitId)?.length ?? 0,
        agents: c.agentIds.map((id) => ({ id, selfUri: `${API}/users/${id}` })),
        startDate: iso(c.startDate),
        endDate: iso(c.endDate),
      }))
    : [...byMu.entries()].map(([mu, agents]) => ({
        managementUnit: { id: mu, selfUri: `${WFM}/managementunits/${mu}` },
        agentCount: agents.length,
        agents: opts.expandAgents ? agents.map(userRef) : [],
      }));
  return { ...scheduleListItem(s, buId), managementUnits };
}

export function activityCodeToWire(c: GActivityCode, buId: string): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    active: c.active,
    defaultCode: c.defaultCode,
    category: c.category,
    lengthInMinutes: c.lengthInMinutes,
    countsAsPaidTime: c.countsAsPaidTime,
    countsAsWorkTime: c.countsAsWorkTime,
    countsTowardShrinkage: c.countsTowardShrinkage,
    plannedShrinkage: c.plannedShrinkage,
    interruptible: c.interruptible,
    metadata: { version: c.version },
    selfUri: `${WFM}/businessunits/${buId}/activitycodes/${c.id}`,
  };
}
