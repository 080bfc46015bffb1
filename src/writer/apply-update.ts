import type { ShiftUpdateAdjustment } from '../planner/adjustment.js';
import { parseInstant, toWire } from '../time/instant.js';
import { formatLocalSpan } from '../time/local-format.js';
import type { PublishWindow } from '../time/publish-window.js';
import type { Shift, ShiftPatch } from '../wfm/contract.js';
import {
  WfmError,
  WfmScheduleConflictError,
  WfmScheduleLockedError,
  WfmShiftOverlapError,
  WfmVersionConflictError,
} from '../wfm/errors.js';
import {
  type AdjustmentRun,
  isRetriableAsIs,
  isTransient,
  isUnreadableAnswer,
  type RunContext,
} from './adjustment-run.js';
import { ImpossibleMutationError, SubjectChangedError, UnexplainedConflictError } from './errors.js';
import { type MutationPlan, planMutation, projectedBounds } from './mutation.js';
import { type DeferralOptions, deferralFor, deferralUntil, windowOpen } from './publish-locks.js';

export interface UpdateContext extends RunContext {
  deferral: DeferralOptions;
  publishWindow: PublishWindow | undefined;
}

/** How many times a conflict that a fresh read cannot explain is retried before the adjustment is rejected. */
const MAX_UNEXPLAINED_CONFLICTS = 3;

/**
 * Applies one shift update: the intent is planned on the freshest copy known, written
 * with that copy's version and the adjustment's idempotency key, and on each failure
 * handled as what it is. Returns `applied` or `already-applied`; throws the error that
 * ends it otherwise (the writer turns it into a rejected or dead-lettered record).
 *
 * `fresh` marks a copy read from the WFM during this run (a read, a 409's current shift,
 * a week re-read after a lock). Decisions that end the run without writing — "already
 * true", "owner changed", "impossible" — are only taken on a fresh copy, never on the cache.
 */
export async function applyUpdate(
  adj: ShiftUpdateAdjustment,
  run: AdjustmentRun,
  ctx: UpdateContext,
): Promise<'applied' | 'already-applied'> {
  let shift: Shift | undefined = ctx.cache.get(adj.shiftId);
  if (!shift && ctx.warmer) {
    await ctx.warmer.warm(adj);
    shift = ctx.cache.get(adj.shiftId);
  }
  let fresh = false;
  // A write of ours may have landed without our seeing the answer (5xx, timeout, reset, an unreadable 2xx).
  let mayHaveWritten = false;
  let unexplained = 0;

  for (;;) {
    if (!shift) {
      shift = await run.read(adj.shiftId);
      fresh = true;
    }
    if (
      ctx.locks.needsRefresh(shift.week, ctx.clock.now()) &&
      (await ctx.locks.afterLock(shift.week, ctx.clock.now()))
    ) {
      shift = ctx.cache.get(adj.shiftId) ?? shift;
      fresh = true;
    }
    if (shift.agentId !== adj.agentId) {
      if (!fresh) {
        shift = undefined;
        continue;
      }
      throw new SubjectChangedError(
        `shift '${shift.id}' now belongs to agent '${shift.agentId}', not '${adj.agentId}' as planned; re-plan`,
      );
    }
    const plan = planMutation(shift, adj.mutation, ctx.zone);
    if (plan.kind !== 'write') {
      if (!fresh) {
        shift = undefined;
        continue;
      }
      if (plan.kind === 'impossible') throw new ImpossibleMutationError(plan.reason);
      run.final(shift);
      return mayHaveWritten ? 'applied' : 'already-applied';
    }
    const lockedUntil = ctx.locks.lockedUntil(shift.week, ctx.clock.now());
    if (lockedUntil !== undefined) {
      await run.defer(deferralUntil(shift.week, lockedUntil, ctx.deferral, ctx.random));
      ({ shift, fresh } = await afterDeferral(adj.shiftId, shift.week, ctx));
      continue;
    }

    const body: ShiftPatch = { version: shift.version, ...plan.fields };
    try {
      run.attempts++;
      run.httpCalls++;
      const written = await ctx.adapter.patchShift(adj.shiftId, body, {
        idempotencyKey: adj.key,
        signal: ctx.signal,
      });
      ctx.cache.remember(written);
      ctx.budget.success();
      ctx.overruns.wrote(written.week, ctx.clock.now());
      run.final(written);
      return 'applied';
    } catch (err) {
      if (!(err instanceof WfmError)) throw err;
      if (err instanceof WfmVersionConflictError) {
        // Stale version: re-plan the same intent on the current shift the 409 carries (or re-read).
        if (run.attempts === 1 && !err.mayHaveLanded) run.firstAttemptStale = true;
        // Found while settling a lost answer: the version may have moved through our own write.
        if (err.mayHaveLanded) mayHaveWritten = true;
        shift = err.currentShift;
        fresh = shift !== undefined;
        if (shift) ctx.cache.remember(shift);
        await run.conflictBackoff(err);
        continue;
      }
      if (err instanceof WfmScheduleLockedError) {
        const week = err.week ?? shift.week;
        await run.defer(
          deferralFor({ ...err, week }, ctx.clock.now(), ctx.deferral, ctx.publishWindow, ctx.random),
        );
        ({ shift, fresh } = await afterDeferral(adj.shiftId, week, ctx));
        continue;
      }
      if (err instanceof WfmScheduleConflictError) {
        const verdict = await diagnose(err, shift, body, plan, run, ctx);
        if (verdict.kind === 'stale') {
          if (run.attempts === 1) run.firstAttemptStale = true;
          shift = verdict.current;
          fresh = true;
          await run.conflictBackoff(err);
          continue;
        }
        if (verdict.kind === 'locked') {
          await run.defer(verdict.deferral);
          ({ shift, fresh } = await afterDeferral(adj.shiftId, verdict.current.week, ctx));
          continue;
        }
        if (++unexplained >= MAX_UNEXPLAINED_CONFLICTS) {
          throw new UnexplainedConflictError(
            `the WFM answered SCHEDULE_CONFLICT ${unexplained} times for shift '${shift.id}' at an unchanged version, outside any publish window and its overrun horizon, with no overlapping shift found; redrive once the WFM's cause is known`,
            err,
          );
        }
        shift = verdict.current;
        fresh = true;
        await run.conflictBackoff(err);
        continue;
      }
      if (isUnreadableAnswer(err)) {
        // The WFM said yes, but its answer cannot be read, and it may replay the same answer
        // for this key: the shift read back settles it at the top of the loop. The intent true
        // → applied; still to be written → sent again with the same key, paid from the retry
        // budget like a lost answer (on an unchanged shift the body is the same too).
        mayHaveWritten = true;
        shift = await run.read(adj.shiftId);
        fresh = true;
        if (shift.agentId === adj.agentId && planMutation(shift, adj.mutation, ctx.zone).kind === 'write') {
          await run.afterFailure(err);
        }
        continue;
      }
      if (isRetriableAsIs(err)) {
        // The same body goes again: had it landed, the WFM replays its answer for this key,
        // or (if the key was not kept) the version check fails and the fresh shift shows the intent true.
        if (isTransient(err)) mayHaveWritten = true;
        await run.afterFailure(err);
        continue;
      }
      throw err;
    }
  }
}

async function afterDeferral(
  shiftId: string,
  week: string,
  ctx: UpdateContext,
): Promise<{ shift: Shift | undefined; fresh: boolean }> {
  // The publish job bumped every version in the week: use the week's re-read when there is one, else read this shift.
  if (await ctx.locks.afterLock(week, ctx.clock.now())) {
    const shift = ctx.cache.get(shiftId);
    return { shift, fresh: shift !== undefined };
  }
  return { shift: undefined, fresh: false };
}

type Verdict =
  | { kind: 'stale'; current: Shift }
  | { kind: 'locked'; current: Shift; deferral: ReturnType<typeof deferralFor> }
  | { kind: 'unexplained'; current: Shift };

/**
 * A bare SCHEDULE_CONFLICT (a WFM that says no more): re-read to tell the causes apart.
 * - the version moved → it was stale: re-apply;
 * - a Retry-After, or the configured publish window is open → a lock: defer;
 * - otherwise the write itself conflicts: find the agent's shift in the way and reject
 *   naming it. A true overlap is never retried blindly;
 * - nothing in the way, on a week whose publish lock was due to end a short while ago: the
 *   lock runs late (lock-overrun.ts): defer with back-off;
 * - else unexplained: retried a few times, then dead-lettered for a redrive.
 */
async function diagnose(
  err: WfmScheduleConflictError,
  shift: Shift,
  body: ShiftPatch,
  plan: MutationPlan,
  run: AdjustmentRun,
  ctx: UpdateContext,
): Promise<Verdict> {
  const current = await run.read(shift.id);
  if (current.version !== body.version) return { kind: 'stale', current };
  const now = ctx.clock.now();
  if (err.retryAfterMs !== undefined || windowOpen(now, ctx.publishWindow)) {
    const deferral = deferralFor(
      { retryAfterMs: err.retryAfterMs, week: current.week },
      now,
      ctx.deferral,
      ctx.publishWindow,
      ctx.random,
    );
    return { kind: 'locked', current, deferral };
  }
  const { start, end } = projectedBounds(current, plan);
  const others = await run.list({ agentId: current.agentId, from: toWire(start), to: toWire(end) });
  const inTheWay = others.find(
    (o) => o.id !== current.id && parseInstant(o.start) < end && start < parseInstant(o.end),
  );
  if (inTheWay) {
    throw new WfmShiftOverlapError(
      `shift '${current.id}' cannot become ${formatLocalSpan(start, end, ctx.zone)}: agent '${current.agentId}' already has shift '${inTheWay.id}' (${formatLocalSpan(parseInstant(inTheWay.start), parseInstant(inTheWay.end), ctx.zone)}) (found by re-reading after a bare SCHEDULE_CONFLICT)`,
      {
        details: { agentId: current.agentId, conflictingShiftId: inTheWay.id },
        cause: err,
        status: 409,
        errorCode: 'SCHEDULE_CONFLICT',
      },
    );
  }
  // Nothing in the way, and the version did not move: a week whose lock was due to end a
  // short while ago is still being published. Deferred with back-off, not rejected.
  const overrun = ctx.overruns.defer(
    current.week,
    now,
    ctx.locks.endedAt(current.week, now),
    ctx.deferral,
    ctx.random,
  );
  if (overrun) return { kind: 'locked', current, deferral: overrun };
  return { kind: 'unexplained', current };
}
