import type { SwapAdjustment } from '../planner/adjustment.js';
import { parseInstant } from '../time/instant.js';
import { formatLocalSpan } from '../time/local-format.js';
import type { PublishWindow } from '../time/publish-window.js';
import { ERROR_CODES, type ErrorCode, type Shift, type SwapItem } from '../wfm/contract.js';
import {
  errorFromAnswer,
  type WfmError,
  WfmNotFoundError,
  WfmScheduleConflictError,
  WfmScheduleLockedError,
  WfmShiftOverlapError,
  WfmVersionConflictError,
} from '../wfm/errors.js';
import type { AdjustmentRun, RunContext } from './adjustment-run.js';
import { SubjectChangedError, UnexplainedConflictError } from './errors.js';
import { type DeferralOptions, deferralFor, deferralUntil, windowOpen } from './publish-locks.js';
import type { SwapBatcher } from './swap-batcher.js';
import { swapState } from './swap-intent.js';

export interface SwapContext extends RunContext {
  batcher: SwapBatcher;
  deferral: DeferralOptions;
  publishWindow: PublishWindow | undefined;
}

const MAX_UNEXPLAINED_CONFLICTS = 3;

/**
 * Applies one swap through the bulk endpoint — atomically, never as two PATCHes. The
 * swap's id is the adjustment's key, so the WFM's ledger names the adjustment. Each item
 * carries both shifts' versions: an item that already ran fails its version check if it
 * is sent again, and the fresh shifts then show the swap already done.
 */
export async function applySwap(
  adj: SwapAdjustment,
  run: AdjustmentRun,
  ctx: SwapContext,
): Promise<'applied' | 'already-applied'> {
  const A = adj.a.shiftId;
  const B = adj.b.shiftId;
  let a: Shift | undefined = ctx.cache.get(A);
  let b: Shift | undefined = ctx.cache.get(B);
  if ((!a || !b) && ctx.warmer) {
    await ctx.warmer.warm(adj);
    a = ctx.cache.get(A);
    b = ctx.cache.get(B);
  }
  const fresh = new Set<string>();
  let mayHaveWritten = false;
  let unexplained = 0;
  const forget = () => {
    a = b = undefined;
    fresh.clear();
  };
  // After a deferral on one week: the week's re-read (one list for every adjustment deferred
  // on it) serves the sides in that week; the others are read again.
  const afterDeferral = async (week: string | undefined) => {
    const weeks = [a?.week, b?.week];
    forget();
    if (week === undefined || !(await ctx.locks.afterLock(week, ctx.clock.now()))) return;
    if (weeks[0] === week) a = ctx.cache.get(A);
    if (weeks[1] === week) b = ctx.cache.get(B);
    if (a) fresh.add(A);
    if (b) fresh.add(B);
  };

  for (;;) {
    try {
      if (!a) {
        a = await run.read(A);
        fresh.add(A);
      }
      if (!b) {
        b = await run.read(B);
        fresh.add(B);
      }
    } catch (err) {
      // A WFM that carries a shift to its new owner by re-creating it (Genesys Cloud) has no
      // shift under the old id once the swap is done: found by owner and time, it is done.
      const moved = err instanceof WfmNotFoundError ? await swappedByTime(adj, run, ctx) : undefined;
      if (!moved) throw err;
      for (const s of moved) run.final(s);
      return mayHaveWritten ? 'applied' : 'already-applied';
    }
    for (const week of new Set([a.week, b.week])) {
      if (
        ctx.locks.needsRefresh(week, ctx.clock.now()) &&
        (await ctx.locks.afterLock(week, ctx.clock.now()))
      ) {
        // The week's re-read is as good as a fresh read, for the side(s) in that week.
        if (a.week === week) {
          a = ctx.cache.get(A) ?? a;
          fresh.add(A);
        }
        if (b.week === week) {
          b = ctx.cache.get(B) ?? b;
          fresh.add(B);
        }
      }
    }
    const state = swapState(adj, a, b);
    if (state !== 'pending') {
      if (!fresh.has(A)) a = undefined;
      if (!fresh.has(B)) b = undefined;
      if (!a || !b) continue;
      if (state === 'diverged') {
        throw new SubjectChangedError(
          `swap of '${A}' and '${B}' no longer fits: they belong to '${a.agentId}' and '${b.agentId}', planned '${adj.a.agentId}' and '${adj.b.agentId}'; re-plan`,
        );
      }
      run.final(a);
      run.final(b);
      return mayHaveWritten ? 'applied' : 'already-applied';
    }
    const now = ctx.clock.now();
    const lockedWeek = [a.week, b.week].find((w) => ctx.locks.lockedUntil(w, now) !== undefined);
    if (lockedWeek !== undefined) {
      await run.defer(
        deferralUntil(lockedWeek, ctx.locks.lockedUntil(lockedWeek, now)!, ctx.deferral, ctx.random),
      );
      await afterDeferral(lockedWeek);
      continue;
    }

    const item: SwapItem = {
      swapId: adj.key,
      a: { shiftId: A, version: a.version },
      b: { shiftId: B, version: b.version },
    };
    run.attempts++;
    const answer = await run.idle(ctx.batcher.submit(item, run.attempts));
    run.httpCalls += answer.share;
    run.rateLimited += answer.rateLimited;
    if (answer.uncertain) mayHaveWritten = true;
    if (answer.unreadable) {
      // The WFM said yes to the request, but its answer cannot be read: both shifts read
      // back settle the swap at the top of the loop. Done → applied; still pending → sent
      // again under the same swapId, paid from the retry budget like a lost answer, in a new
      // request (its round counts this answer, so no stored unreadable answer is replayed to it).
      a = await run.read(A);
      b = await run.read(B);
      fresh.add(A).add(B);
      if (swapState(adj, a, b) === 'pending') await run.afterFailure(answer.unreadable);
      continue;
    }
    if (answer.result.status === 'applied') {
      for (const s of answer.result.shifts ?? []) {
        ctx.cache.remember(s);
        ctx.overruns.wrote(s.week, ctx.clock.now());
        run.final(s);
      }
      return 'applied';
    }

    const err = itemError(answer.result.error, adj.key);
    if (err instanceof WfmVersionConflictError) {
      if (run.attempts === 1 && !err.mayHaveLanded) run.firstAttemptStale = true;
      if (err.mayHaveLanded) mayHaveWritten = true;
      const current = err.currentShift;
      if (current?.id === A) {
        a = current;
        fresh.add(A);
      } else if (current?.id === B) {
        b = current;
        fresh.add(B);
      } else forget();
      if (current) ctx.cache.remember(current);
      await run.conflictBackoff(err);
      continue;
    }
    if (err instanceof WfmScheduleLockedError) {
      const week = err.week ?? a.week;
      await run.defer(
        deferralFor({ ...err, week }, ctx.clock.now(), ctx.deferral, ctx.publishWindow, ctx.random),
      );
      await afterDeferral(week);
      continue;
    }
    if (err instanceof WfmScheduleConflictError) {
      // A bare conflict: re-read both sides to tell stale from locked from a true overlap.
      const [ca, cb] = [await run.read(A), await run.read(B)];
      a = ca;
      b = cb;
      fresh.add(A).add(B);
      if (ca.version !== item.a.version || cb.version !== item.b.version) {
        if (run.attempts === 1) run.firstAttemptStale = true;
        await run.conflictBackoff(err);
        continue;
      }
      const at = ctx.clock.now();
      if (windowOpen(at, ctx.publishWindow)) {
        // Which of the two weeks is locked the WFM did not say: remember neither.
        await run.defer(deferralFor({}, at, ctx.deferral, ctx.publishWindow, ctx.random));
        forget();
        continue;
      }
      await rejectIfOverlap(adj, ca, cb, run, err, ctx.zone);
      // Bulk items never carry Retry-After: a lock running past its expected end shows only
      // as this. Either week may be the locked one; the deferral names the first that may be.
      const overrun =
        ctx.overruns.defer(ca.week, at, ctx.locks.endedAt(ca.week, at), ctx.deferral, ctx.random) ??
        (cb.week === ca.week
          ? undefined
          : ctx.overruns.defer(cb.week, at, ctx.locks.endedAt(cb.week, at), ctx.deferral, ctx.random));
      if (overrun) {
        await run.defer(overrun);
        await afterDeferral(overrun.week);
        continue;
      }
      if (++unexplained >= MAX_UNEXPLAINED_CONFLICTS) {
        throw new UnexplainedConflictError(
          `the WFM answered SCHEDULE_CONFLICT ${unexplained} times to the swap of '${A}' and '${B}' at unchanged versions, outside any publish window and its overrun horizon, with no overlapping shift found; redrive once the WFM's cause is known`,
          err,
        );
      }
      await run.conflictBackoff(err);
      continue;
    }
    throw err;
  }
}

/**
 * On a WFM whose swaps re-create shifts: both shifts where the swap puts them — a shift at a's
 * planned times now held by b's agent, and one at b's by a's. Undefined when either is not there
 * (or the WFM keeps ids, or the adjustment carries no times).
 */
async function swappedByTime(
  adj: SwapAdjustment,
  run: AdjustmentRun,
  ctx: SwapContext,
): Promise<[Shift, Shift] | undefined> {
  if (ctx.adapter.writes?.unit !== 'agent-schedule') return undefined;
  const find = async (side: SwapAdjustment['a'], owner: string) => {
    if (side.start === undefined || side.end === undefined) return undefined;
    const start = parseInstant(side.start);
    const end = parseInstant(side.end);
    const theirs = await run.list({ agentId: owner, from: side.start, to: side.end });
    return theirs.find((s) => parseInstant(s.start) === start && parseInstant(s.end) === end);
  };
  const nowA = await find(adj.a, adj.b.agentId);
  const nowB = nowA && (await find(adj.b, adj.a.agentId));
  return nowA && nowB ? [nowA, nowB] : undefined;
}

function itemError(
  error: { errorCode: string; message: string; details?: unknown } | undefined,
  swapId: string,
): WfmError {
  const code = (error?.errorCode ?? 'SCHEDULE_CONFLICT') as ErrorCode;
  return errorFromAnswer({
    status: ERROR_CODES[code] ?? 409,
    body: error ?? { errorCode: 'SCHEDULE_CONFLICT', message: 'failed without a reason' },
    retryAfterMs: undefined,
    request: { method: 'POST', path: `/schedules/shifts/swaps (swap ${swapId})` },
  });
}

/** After the swap each agent holds the other's shift: look for a shift of theirs in the way. */
async function rejectIfOverlap(
  adj: SwapAdjustment,
  a: Shift,
  b: Shift,
  run: AdjustmentRun,
  cause: WfmScheduleConflictError,
  zone: string,
): Promise<void> {
  for (const [moving, newOwner] of [
    [a, adj.b.agentId],
    [b, adj.a.agentId],
  ] as const) {
    const start = parseInstant(moving.start);
    const end = parseInstant(moving.end);
    const theirs = await run.list({ agentId: newOwner, from: moving.start, to: moving.end });
    const inTheWay = theirs.find(
      (s) => s.id !== a.id && s.id !== b.id && parseInstant(s.start) < end && start < parseInstant(s.end),
    );
    if (inTheWay) {
      throw new WfmShiftOverlapError(
        `swap would give agent '${newOwner}' shift '${moving.id}' (${formatLocalSpan(start, end, zone)}), overlapping their shift '${inTheWay.id}' (${formatLocalSpan(parseInstant(inTheWay.start), parseInstant(inTheWay.end), zone)}) (found by re-reading after a bare SCHEDULE_CONFLICT)`,
        {
          details: { agentId: newOwner, conflictingShiftId: inTheWay.id },
          cause,
          status: 409,
          errorCode: 'SCHEDULE_CONFLICT',
        },
      );
    }
  }
}
