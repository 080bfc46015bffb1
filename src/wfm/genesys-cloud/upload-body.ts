import { WfmNotFoundError, WfmValidationError, type WfmVersionConflictError } from '../errors.js';
import { ActivityCodeError } from './activity-codes.js';
import { type AgentCopies, shiftsOf } from './agent-copies.js';
import { type Change, versionConflict } from './change.js';
import type { Org } from './org.js';
import type { AgentCopy, ScheduleRef } from './schedules.js';
import { changedShift, type GenesysShift, type UploadShift, unchangedShift } from './shift-map.js';

/** One agent's entry in an upload (BuUpdateAgentScheduleUploadSchema). */
export interface AgentEntry {
  userId: string;
  metadata: { version: number };
  shifts: UploadShift[];
}

/**
 * The upload entries of one change, from the agents' current copies: each agent sent whole,
 * with its version. An update replaces its shift (full activities, `manuallyEdited: true`); a
 * swap takes each agent's shift away and gives it the other's as a new shift. An Error when the
 * change cannot be written as asked (a stale version, a shift gone, a type with no code).
 */
export function entriesOf(
  c: Change,
  schedule: ScheduleRef,
  copies: AgentCopies,
  org: Org,
): Map<string, AgentEntry> | Error {
  const copyOf = (u: string) => copies.get(schedule.id, u)!;
  const entry = (copy: AgentCopy, shifts: UploadShift[]): AgentEntry => ({
    userId: copy.userId,
    metadata: { version: copy.version },
    shifts,
  });
  try {
    if (c.update) {
      const copy = copyOf(c.update.userId);
      if (copy.version !== c.update.patch.version) return stale(copy, c.update.shiftId, org);
      const original = copy.shifts.find((s) => s.id === c.update!.shiftId);
      if (!original)
        return new WfmNotFoundError(
          `shift '${c.update.shiftId}' is no longer in agent '${copy.userId}'s schedule`,
          { status: 404 },
        );
      const current = shiftsOf(copy, org).find((s) => s.id === original.id)!;
      const p = c.update.patch;
      const target = {
        start: p.start ?? current.start,
        end: p.end ?? current.end,
        activities: p.activities ?? current.activities,
      };
      const shifts = copy.shifts.map((s) =>
        s.id === original.id ? changedShift(target, original, org.codes) : unchangedShift(s),
      );
      return new Map([[copy.userId, entry(copy, shifts)]]);
    }
    const s = c.swap!;
    const A = copyOf(s.a);
    const B = copyOf(s.b);
    if (A.version !== s.item.a.version) return stale(A, s.item.a.shiftId, org);
    if (B.version !== s.item.b.version) return stale(B, s.item.b.shiftId, org);
    const ga = A.shifts.find((x) => x.id === s.item.a.shiftId);
    const gb = B.shifts.find((x) => x.id === s.item.b.shiftId);
    if (!ga || !gb)
      return new WfmNotFoundError('a shift of the swap is no longer where it was read', { status: 404 });
    // Kept to find the shifts again after the upload: each comes back under a new id, with its new owner.
    c.before.set(ga.id, shiftsOf(A, org).find((x) => x.id === ga.id)!);
    c.before.set(gb.id, shiftsOf(B, org).find((x) => x.id === gb.id)!);
    const arriving = (g: GenesysShift): UploadShift => {
      const { id: _id, ...rest } = unchangedShift(g);
      return { ...rest, manuallyEdited: true };
    };
    const rebuild = (copy: AgentCopy, leaving: GenesysShift, comes: GenesysShift): UploadShift[] => [
      ...copy.shifts.filter((x) => x.id !== leaving.id).map(unchangedShift),
      arriving(comes),
    ];
    return new Map([
      [A.userId, entry(A, rebuild(A, ga, gb))],
      [B.userId, entry(B, rebuild(B, gb, ga))],
    ]);
  } catch (err) {
    if (err instanceof ActivityCodeError) return new WfmValidationError(err.message, { cause: err });
    throw err;
  }
}

/** The writer's copy is older than this backend's: the conflict is known without a call. */
function stale(copy: AgentCopy, shiftId: string, org: Org): WfmVersionConflictError {
  return versionConflict(
    `agent '${copy.userId}' is at version ${copy.version} in schedule ${copy.scheduleId}; re-apply the change to the fresh shift`,
    shiftsOf(copy, org).find((s) => s.id === shiftId),
  );
}

/** Every agent of the change holds exactly the shifts it was sent (new shifts matched by time and activities). */
export function inPlace(c: Change, schedule: ScheduleRef, copies: AgentCopies): boolean {
  const activities = (list: Array<{ startDate: string; lengthMinutes: number; activityCodeId: string }>) =>
    JSON.stringify(list.map((a) => [Date.parse(a.startDate), a.lengthMinutes, a.activityCodeId]));
  const same = (u: UploadShift, g: GenesysShift) =>
    Date.parse(u.startDate ?? '') === Date.parse(g.startDate) &&
    u.lengthMinutes === g.lengthMinutes &&
    activities(u.activities ?? []) === activities(g.activities);
  return c.users.every((user) => {
    const copy = copies.get(schedule.id, user);
    const sent = c.uploaded.get(user);
    if (!copy || !sent || copy.shifts.length !== sent.length) return false;
    return sent.every((u) =>
      u.id !== undefined
        ? copy.shifts.some((g) => g.id === u.id && same(u, g))
        : copy.shifts.some((g) => same(u, g)),
    );
  });
}
