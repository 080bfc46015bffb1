import type { Shift } from '../contract.js';
import { WfmNotFoundError } from '../errors.js';
import { type AgentCopies, shiftsOf } from './agent-copies.js';
import { type Change, fail, failedSwap, versionConflict } from './change.js';
import type { Org } from './org.js';
import type { ScheduleRef } from './schedules.js';

/** Fails the change when one of its agents is no longer in the schedule (re-plan); true when it did. */
export function failedForGoneAgent(copies: AgentCopies, c: Change, schedule: ScheduleRef): boolean {
  const gone = c.users.find((u) => !copies.has(schedule.id, u));
  if (gone === undefined) return false;
  fail(
    c,
    new WfmNotFoundError(`agent '${gone}' is no longer in schedule ${schedule.id}; re-plan`, { status: 404 }),
  );
  return true;
}

/**
 * An applied change's outcome: an update's shift as its agent's copy now holds it; a swap's two
 * shifts found by owner and time (Genesys re-creates each under a new id in the other agent's
 * schedule), and where each went noted.
 */
export function applied(copies: AgentCopies, c: Change, schedule: ScheduleRef, org: Org): void {
  if (c.update) {
    const shift = copies.shift(schedule.id, c.update.userId, c.update.shiftId, org);
    if (shift) c.resolve(shift);
    else
      c.reject(new WfmNotFoundError(`shift '${c.update.shiftId}' is gone after the upload`, { status: 404 }));
    return;
  }
  const s = c.swap!;
  const [oldA, oldB] = [s.item.a.shiftId, s.item.b.shiftId];
  // The shift that was b's now belongs to A under a new id, and a's to B: found by time.
  const find = (owner: string, was: Shift | undefined) =>
    was &&
    shiftsOf(copies.get(schedule.id, owner)!, org).find((x) => x.start === was.start && x.end === was.end);
  const nowOfA = find(s.b, c.before.get(oldA));
  const nowOfB = find(s.a, c.before.get(oldB));
  if (!nowOfA || !nowOfB) {
    c.resolve(
      failedSwap(
        s.item.swapId,
        'SCHEDULE_CONFLICT',
        "the swap's upload completed but its shifts are not found where they should be",
      ),
    );
    return;
  }
  copies.moved(oldA, nowOfA.id);
  copies.moved(oldB, nowOfB.id);
  c.resolve({ swapId: s.item.swapId, status: 'applied', shifts: [nowOfA, nowOfB] });
}

/** A change whose agents moved under its upload: the fresh shift to re-apply the change to. */
export function conflicted(
  copies: AgentCopies,
  c: Change,
  schedule: ScheduleRef,
  org: Org,
  mayHaveLanded: boolean,
): void {
  const said = mayHaveLanded ? 'nothing' : 'Error';
  if (c.update) {
    const shift = copies.shift(schedule.id, c.update.userId, c.update.shiftId, org);
    if (!shift) {
      c.reject(
        new WfmNotFoundError(
          `shift '${c.update.shiftId}' is gone from agent '${c.update.userId}'s schedule`,
          { status: 404 },
        ),
      );
      return;
    }
    c.reject(
      versionConflict(
        `agent '${c.update.userId}' moved to version ${shift.version} in schedule ${schedule.id} (the upload answered ${said}); re-apply the change to the fresh shift`,
        shift,
        mayHaveLanded,
      ),
    );
    return;
  }
  const s = c.swap!;
  const side =
    copies.shift(schedule.id, s.a, s.item.a.shiftId, org) ??
    copies.shift(schedule.id, s.b, s.item.b.shiftId, org);
  fail(
    c,
    versionConflict(
      `an agent of the swap moved to a new version in schedule ${schedule.id} (the upload answered ${said})`,
      side,
      mayHaveLanded,
    ),
  );
}
