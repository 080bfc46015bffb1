/**
 * The emulated Genesys Cloud WFM state, as plain data (so it exports to JSON and loads back).
 * Instants are epoch milliseconds here and ISO-8601 UTC on the wire (wire.ts).
 */

export const DAY_NAMES = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const;
export type DayName = (typeof DAY_NAMES)[number];

/** The activity code categories, in the order of Genesys' enum. */
export const CATEGORIES = [
  'OnQueueWork',
  'Break',
  'Meal',
  'Meeting',
  'OffQueueWork',
  'TimeOff',
  'Training',
  'Unavailable',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface GBusinessUnit {
  id: string;
  name: string;
  timeZone: string;
  startDayOfWeek: DayName;
  settingsVersion: number;
}

export interface GManagementUnit {
  id: string;
  name: string;
}

export interface GTeam {
  id: string;
  name: string;
}

export interface GUser {
  id: string;
  name: string;
  managementUnitId: string;
  teamId: string;
}

export interface GActivityCode {
  id: string;
  /** default codes have an empty name */
  name: string;
  active: boolean;
  defaultCode: boolean;
  category: Category;
  lengthInMinutes: number;
  countsAsPaidTime: boolean;
  countsAsWorkTime: boolean;
  countsTowardShrinkage: boolean;
  plannedShrinkage: boolean;
  interruptible: boolean;
  version: number;
}

export interface GActivity {
  startDate: number;
  lengthMinutes: number;
  description: string;
  activityCodeId: string;
  paid?: boolean;
  payableMinutes?: number;
  timeOffRequestId?: string;
  externalActivityId?: string;
  externalActivityType?: string;
}

export interface GShift {
  id: string;
  startDate: number;
  lengthMinutes: number;
  activities: GActivity[];
  manuallyEdited: boolean;
  workPlanId?: string;
  workPlanShiftId?: string;
}

export interface GTimeOffMarker {
  businessUnitDate: string;
  lengthMinutes: number;
  description: string;
  activityCodeId: string;
  paid?: boolean;
  payableMinutes?: number;
}

/** One agent's part of a schedule, with the agent-level version a write must echo. */
export interface GAgentSchedule {
  userId: string;
  version: number;
  modifiedBy: string;
  dateModified: number;
  shifts: GShift[];
  fullDayTimeOffMarkers: GTimeOffMarker[];
}

/** A business unit schedule: one or more weeks, with the schedule-level version. */
export interface GSchedule {
  id: string;
  /** first local day of its first week, yyyy-MM-dd in the business unit's zone */
  weekDate: string;
  weekCount: number;
  description: string;
  published: boolean;
  version: number;
  modifiedBy: string;
  dateModified: number;
  agents: Record<string, GAgentSchedule>;
}

export interface GenesysState {
  businessUnit: GBusinessUnit;
  managementUnits: GManagementUnit[];
  teams: GTeam[];
  users: GUser[];
  activityCodes: GActivityCode[];
  schedules: GSchedule[];
}

export function shiftEnd(shift: Pick<GShift, 'startDate' | 'lengthMinutes'>): number {
  return shift.startDate + shift.lengthMinutes * 60_000;
}
