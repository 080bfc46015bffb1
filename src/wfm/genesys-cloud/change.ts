import { toWire } from '../../time/instant.js';
import type { Shift, ShiftPatch, SwapItem, SwapResult } from '../contract.js';
import {
  WfmError,
  WfmNotFoundError,
  WfmScheduleConflictError,
  WfmScheduleLockedError,
  WfmValidationError,
  WfmVersionConflictError,
} from '../errors.js';
import type { ScheduleRef } from './schedules.js';
import type { UploadShift } from './shift-map.js';

/** One change waiting for an upload: a shift update, or a swap touching two agents. */
export interface Change {
  users: string[];
  update?: { shiftId: string; userId: string; patch: ShiftPatch };
  swap?: { item: SwapItem; a: string; b: string };
  /** the agent versions it was uploaded against */
  sent: Map<string, number>;
  /** each agent's shifts as uploaded: a lost answer is settled by finding them in place */
  uploaded: Map<string, UploadShift[]>;
  /** the shifts a swap moves, as read before it: after it they are found again by time */
  before: Map<string, Shift>;
  /** uploads it went in that failed for reasons of its own or none known (capped by maxRounds) */
  rounds: number;
  /** uploads it went in that lost to another change: the schedule or another agent moved (capped by maxRaces) */
  races: number;
  /** a failed upload is bisected: a change marked alone goes in an upload by itself */
  alone: boolean;
  /**
   * its agents were read back after an upload that failed for others' reasons: it goes again at
   * once, with the other such changes only, so that agents not read since cannot fail it again
   */
  retry: boolean;
  /** since when its waiting has not been credited back to its adjustment's time budget */
  queuedAt: number;
  /** credits time to the time budget of the adjustment that made the change (updates only) */
  credit: ((ms: number) => void) | undefined;
  resolve(value: Shift | SwapResult): void;
  reject(err: unknown): void;
}

/** A change and the promise of its outcome; the first outcome given is the one that counts. */
export function newChange(
  c: Pick<Change, 'users' | 'update' | 'swap'>,
  now: number,
  credit?: (ms: number) => void,
): {
  change: Change;
  outcome: Promise<Shift | SwapResult>;
} {
  let change!: Change;
  const outcome = new Promise<Shift | SwapResult>((resolve, reject) => {
    let done = false;
    change = {
      ...c,
      sent: new Map(),
      uploaded: new Map(),
      before: new Map(),
      rounds: 0,
      races: 0,
      alone: false,
      retry: false,
      queuedAt: now,
      credit,
      resolve: (v) => {
        if (!done) resolve(v);
        done = true;
      },
      reject: (e) => {
        if (!done) reject(e);
        done = true;
      },
    };
  });
  return { change, outcome };
}

export function failedSwap(
  swapId: string,
  errorCode: string,
  message: string,
  details?: unknown,
): SwapResult {
  return { swapId, status: 'failed', error: { errorCode, message, ...(details ? { details } : {}) } };
}

/** Ends a change with an error: an update's promise rejects, a swap's resolves as a failed item naming it. */
export function fail(c: Change, err: Error): void {
  if (!c.swap) {
    c.reject(err);
    return;
  }
  const code =
    err instanceof WfmVersionConflictError
      ? 'VERSION_CONFLICT'
      : err instanceof WfmNotFoundError
        ? 'NOT_FOUND'
        : err instanceof WfmValidationError
          ? 'VALIDATION_ERROR'
          : err instanceof WfmScheduleLockedError
            ? 'SCHEDULE_LOCKED'
            : 'SCHEDULE_CONFLICT';
  c.resolve(
    failedSwap(c.swap.item.swapId, code, err.message, err instanceof WfmError ? err.details : undefined),
  );
}

/** The week takes no update until `until` (a publish, a reschedule run). */
export function lockedError(
  schedule: ScheduleRef,
  week: string,
  why: string,
  until: number,
  now: number,
): WfmScheduleLockedError {
  return new WfmScheduleLockedError(`schedule ${schedule.id} takes no update now: ${why}`, {
    status: 409,
    errorCode: 'SCHEDULE_LOCKED',
    details: { week, lockedUntil: toWire(until) },
    retryAfterMs: Math.max(0, until - now),
  });
}

/** An agent moved to a new version: the writer re-applies its target state to `shift`. */
export function versionConflict(
  message: string,
  shift: Shift | undefined,
  mayHaveLanded = false,
): WfmVersionConflictError {
  return new WfmVersionConflictError(message, {
    status: 409,
    errorCode: 'VERSION_CONFLICT',
    details: { ...(shift ? { shift, currentVersion: shift.version } : {}), mayHaveLanded },
  });
}

/** `Error` at unchanged versions, outside any lock: Genesys refused the change and says not why. */
export function bareConflict(c: Change, schedule: ScheduleRef, what: string): WfmScheduleConflictError {
  return new WfmScheduleConflictError(
    `Genesys Cloud answered Error (it gives no reason) to ${what} at unchanged schedule and agent versions in schedule ${schedule.id}, outside the publish window and any reschedule run: the change itself is likely refused (an overlap, the grid, a code); agents ${c.users.join(', ')}`,
    { status: 409, errorCode: 'SCHEDULE_CONFLICT' },
  );
}
