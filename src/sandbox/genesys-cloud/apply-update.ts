import { type GAgentSchedule, type GSchedule, type GShift, type GTimeOffMarker, shiftEnd } from './model.js';
import type { GenesysBehaviour } from './options.js';
import { type ShiftCheckContext, shiftProblem } from './shift-check.js';
import type { UpdateScheduleUpload, UploadAgentSchedule } from './upload-schema.js';

/** One shift's change in an applied update; `byOmission` when the upload left it out ('replace'). */
export interface ShiftChange {
  shiftId: string;
  change: 'added' | 'edited' | 'deleted';
  before: GShift | null;
  after: GShift | null;
  byOmission?: boolean;
}

/** An agent schedule as an update leaves it: `after` null when the agent was deleted from the schedule. */
export interface AgentOutcome {
  userId: string;
  before: GAgentSchedule | undefined;
  after: GAgentSchedule | null;
  changes: ShiftChange[];
}

export type UpdatePlan =
  | {
      ok: true;
      agents: AgentOutcome[];
      /** agents left out under updateAtomicity 'per-agent', with why */
      skipped: Array<{ userId: string; reason: string }>;
      published?: boolean;
      description?: string;
    }
  | { ok: false; reason: string };

export interface UpdateContext {
  schedule: GSchedule;
  knownUsers: ReadonlySet<string>;
  behaviour: Pick<GenesysBehaviour, 'omittedShifts' | 'updateAtomicity' | 'checkScheduleVersion'>;
  check: ShiftCheckContext;
  newShiftId: () => string;
}

/**
 * What an upload would do to a schedule, without doing it: the versions checked (the
 * schedule's and each existing agent's), every shift rebuilt and checked, the changes listed.
 * Pure: the caller commits the plan (bu-schedules.ts). A failure's reason is for the sandbox's
 * admin API only; Genesys' `Error` result carries none.
 */
export function planUpdate(upload: UpdateScheduleUpload, ctx: UpdateContext): UpdatePlan {
  const { schedule } = ctx;
  if (ctx.behaviour.checkScheduleVersion && upload.metadata.version !== schedule.version) {
    return {
      ok: false,
      reason: `schedule ${schedule.id} is at version ${schedule.version}; the upload was based on version ${upload.metadata.version}`,
    };
  }
  if (upload.published === false && schedule.published)
    return { ok: false, reason: `schedule ${schedule.id} is published and cannot be un-published` };
  const agents: AgentOutcome[] = [];
  const skipped: Array<{ userId: string; reason: string }> = [];
  const seen = new Set<string>();
  for (const a of upload.agentSchedules ?? []) {
    if (seen.has(a.userId)) return { ok: false, reason: `agent ${a.userId} appears twice in the upload` };
    seen.add(a.userId);
    const result = planAgent(a, ctx);
    if (typeof result === 'string') {
      if (ctx.behaviour.updateAtomicity === 'all-or-nothing') return { ok: false, reason: result };
      skipped.push({ userId: a.userId, reason: result });
    } else agents.push(result);
  }
  if (agents.length === 0 && skipped.length > 0)
    return { ok: false, reason: skipped.map((s) => s.reason).join('; ') };
  return {
    ok: true,
    agents,
    skipped,
    ...(upload.published !== undefined ? { published: upload.published } : {}),
    ...(upload.description !== undefined ? { description: upload.description } : {}),
  };
}

function planAgent(a: UploadAgentSchedule, ctx: UpdateContext): AgentOutcome | string {
  const existing = ctx.schedule.agents[a.userId];
  if (!ctx.knownUsers.has(a.userId)) return `user ${a.userId} is not in the business unit`;
  if (existing) {
    if (!a.metadata) return `agent ${a.userId} is in the schedule: metadata.version is required`;
    if (a.metadata.version !== existing.version)
      return `agent ${a.userId} is at version ${existing.version}; the upload was based on version ${a.metadata.version}`;
  } else {
    if (a.metadata) return `agent ${a.userId} is not in the schedule: omit metadata to add the agent`;
    if (a.delete) return `agent ${a.userId} is not in the schedule and cannot be deleted from it`;
  }
  if (a.delete) {
    return {
      userId: a.userId,
      before: existing,
      after: null,
      changes: existing!.shifts.map((s) => ({ shiftId: s.id, change: 'deleted', before: s, after: null })),
    };
  }
  const current = existing?.shifts ?? [];
  const mentioned = new Map<string, GShift | null>();
  const added: GShift[] = [];
  for (const [i, s] of (a.shifts ?? []).entries()) {
    const where = `agent ${a.userId} shifts.${i}`;
    if (s.id !== undefined) {
      const old = current.find((c) => c.id === s.id);
      if (!old) return `${where}: shift ${s.id} is not one of the agent's shifts in this schedule`;
      if (mentioned.has(s.id)) return `${where}: shift ${s.id} appears twice`;
      if (s.delete) {
        mentioned.set(s.id, null);
        continue;
      }
    } else if (s.delete) return `${where}: delete needs the shift's id`;
    if (s.startDate === undefined || s.lengthMinutes === undefined || s.activities === undefined)
      return `${where}: startDate, lengthMinutes and activities are required for a shift that is kept`;
    const next: GShift = {
      id: s.id ?? ctx.newShiftId(),
      startDate: s.startDate,
      lengthMinutes: s.lengthMinutes,
      activities: s.activities.map((x) => ({ ...x })),
      manuallyEdited: s.manuallyEdited ?? false,
      ...(s.workPlanId?.value ? { workPlanId: s.workPlanId.value } : {}),
      ...(s.workPlanShiftId?.value ? { workPlanShiftId: s.workPlanShiftId.value } : {}),
    };
    const problem = shiftProblem(next, ctx.check);
    if (problem) return `agent ${a.userId}: ${problem}`;
    if (s.id !== undefined) mentioned.set(s.id, next);
    else added.push(next);
  }
  const changes: ShiftChange[] = [];
  const shifts: GShift[] = [];
  for (const old of current) {
    if (!mentioned.has(old.id)) {
      if (ctx.behaviour.omittedShifts === 'keep') shifts.push(old);
      else changes.push({ shiftId: old.id, change: 'deleted', before: old, after: null, byOmission: true });
      continue;
    }
    const next = mentioned.get(old.id)!;
    if (next === null) {
      changes.push({ shiftId: old.id, change: 'deleted', before: old, after: null });
      continue;
    }
    shifts.push(next);
    if (!sameShift(old, next)) changes.push({ shiftId: old.id, change: 'edited', before: old, after: next });
  }
  for (const s of added) {
    shifts.push(s);
    changes.push({ shiftId: s.id, change: 'added', before: null, after: s });
  }
  shifts.sort((x, y) => x.startDate - y.startDate);
  for (let i = 1; i < shifts.length; i++) {
    if (shifts[i]!.startDate < shiftEnd(shifts[i - 1]!))
      return `agent ${a.userId}: shift ${shifts[i]!.id} overlaps shift ${shifts[i - 1]!.id}`;
  }
  return {
    userId: a.userId,
    before: existing,
    after: {
      userId: a.userId,
      version: existing?.version ?? 0,
      modifiedBy: existing?.modifiedBy ?? 'System',
      dateModified: existing?.dateModified ?? 0,
      shifts,
      fullDayTimeOffMarkers: mergeMarkers(
        existing?.fullDayTimeOffMarkers ?? [],
        a.fullDayTimeOffMarkers ?? [],
      ),
    },
    changes,
  };
}

function mergeMarkers(
  current: GTimeOffMarker[],
  upload: NonNullable<UploadAgentSchedule['fullDayTimeOffMarkers']>,
): GTimeOffMarker[] {
  const byDate = new Map(current.map((m) => [m.businessUnitDate, m]));
  for (const m of upload) {
    if (m.delete) byDate.delete(m.businessUnitDate);
    else {
      byDate.set(m.businessUnitDate, {
        businessUnitDate: m.businessUnitDate,
        lengthMinutes: m.lengthMinutes,
        description: m.description ?? '',
        activityCodeId: m.activityCodeId,
        ...(m.paid === undefined ? {} : { paid: m.paid }),
        ...(m.payableMinutes === undefined ? {} : { payableMinutes: m.payableMinutes }),
      });
    }
  }
  return [...byDate.values()].sort((x, y) => x.businessUnitDate.localeCompare(y.businessUnitDate));
}

export function sameShift(a: GShift, b: GShift): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(s: GShift): unknown {
  return {
    startDate: s.startDate,
    lengthMinutes: s.lengthMinutes,
    manuallyEdited: s.manuallyEdited,
    activities: [...s.activities]
      .sort((x, y) => x.startDate - y.startDate)
      .map((a) => [a.startDate, a.lengthMinutes, a.activityCodeId, a.description, a.paid ?? null]),
  };
}
