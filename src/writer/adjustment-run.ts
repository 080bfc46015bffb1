import type { Logger } from 'pino';
import type { Adjustment } from '../planner/adjustment.js';
import type { Clock } from '../time/clock.js';
import { toWire } from '../time/instant.js';
import type { ShiftQuery, WfmAdapter } from '../wfm/adapter.js';
import type { Shift } from '../wfm/contract.js';
import {
  WfmBadResponseError,
  WfmConnectionError,
  type WfmError,
  WfmIdempotencyKeyInFlightError,
  WfmRateLimitedError,
  WfmServerError,
  WfmTimeoutError,
} from '../wfm/errors.js';
import { RateLimitWaitExceededError, RetryBudgetExhaustedError, TimeBudgetExhaustedError } from './errors.js';
import type { LockOverruns } from './lock-overrun.js';
import type { Outcome, OutcomeReason, OutcomeSink, OutcomeStatus } from './outcome.js';
import type { Deferral, PublishLocks } from './publish-locks.js';
import type { RetryBudget } from './retry-budget.js';
import { fullJitter, type RetryPolicy } from './retry-policy.js';
import type { Semaphore } from './semaphore.js';
import type { ShiftCache } from './shift-cache.js';
import type { TeamWarmer } from './team-warmer.js';

/** What every adjustment run shares with the writer. */
export interface RunContext {
  adapter: WfmAdapter;
  clock: Clock;
  cache: ShiftCache;
  retry: RetryPolicy;
  budget: RetryBudget;
  slots: Semaphore;
  locks: PublishLocks;
  /** publish locks that run past their expected end */
  overruns: LockOverruns;
  /** lists a team's shifts on a cache miss (absent: each missing shift is read alone) */
  warmer: TeamWarmer | undefined;
  sink: OutcomeSink | undefined;
  random: () => number;
  signal: AbortSignal;
  logger: Pick<Logger, 'debug' | 'info' | 'warn'> | undefined;
  /** the business unit's zone (UTC when none is configured): outcome reasons tell their times in it */
  zone: string;
  /** counts deferrals for the writer's stats */
  onDeferred?: () => void;
}

export function isTransient(err: unknown): err is WfmServerError | WfmTimeoutError | WfmConnectionError {
  return err instanceof WfmServerError || err instanceof WfmTimeoutError || err instanceof WfmConnectionError;
}

/**
 * A 2xx answer to a write that the client cannot read: not the contract's shape, not JSON,
 * empty, cut short, or a bulk answer without one result per swap. The WFM said yes to
 * something, so the write has most likely landed; but, as after a lost answer, its outcome
 * is unknown until the shift is read back. Sending it again is no way to find out: the WFM
 * may replay the same unreadable answer for the key.
 */
export function isUnreadableAnswer(err: unknown): err is WfmBadResponseError {
  return (
    err instanceof WfmBadResponseError &&
    (err.status === undefined || (err.status >= 200 && err.status < 300))
  );
}

/** Errors after which the very same request may be sent again, by the rules of its kind. */
export function isRetriableAsIs(err: unknown): err is WfmError {
  return (
    isTransient(err) || err instanceof WfmRateLimitedError || err instanceof WfmIdempotencyKeyInFlightError
  );
}

/**
 * The book-keeping of one adjustment's attempt to be applied: counters for its outcome
 * record, its time budget, its slot in the writer's bounded parallelism, and the waits
 * each kind of failure calls for.
 */
export class AdjustmentRun {
  attempts = 0;
  httpCalls = 0;
  rateLimited = 0;
  deferrals = 0;
  firstAttemptStale = false;
  readonly finalVersions: Record<string, number> = {};
  /** when work on it began: its first slot (queueing behind other adjustments is not its effort) */
  startedAt: number;
  #deadline: number;
  #begun = false;
  #transientRetries = 0;
  #conflictRetries = 0;
  #rateLimitWaitedMs = 0;
  #holdsSlot = false;

  constructor(
    readonly adjustment: Adjustment,
    private readonly ctx: RunContext,
  ) {
    this.startedAt = ctx.clock.now();
    this.#deadline = this.startedAt + ctx.retry.budgetMs;
  }

  async takeSlot(): Promise<void> {
    await this.ctx.slots.acquire(this.#begun);
    this.#holdsSlot = true;
    if (!this.#begun) {
      this.#begun = true;
      this.startedAt = this.ctx.clock.now();
      this.#deadline = this.startedAt + this.ctx.retry.budgetMs;
    }
  }

  releaseSlot(): void {
    if (this.#holdsSlot) this.ctx.slots.release();
    this.#holdsSlot = false;
  }

  /** Waits for something that needs no slot (a bulk request, a publish window) without holding one. */
  async idle<T>(work: Promise<T>): Promise<T> {
    this.releaseSlot();
    const from = this.ctx.clock.now();
    try {
      return await work;
    } finally {
      await this.takeSlot();
      // waiting for a batch and for a slot again is queueing, not effort
      this.creditWait(this.ctx.clock.now() - from);
    }
  }

  /** Gives queueing time back to the time budget (see wait-account.ts). */
  creditWait(ms: number): void {
    if (ms > 0) this.#deadline += ms;
  }

  final(shift: Shift): void {
    this.finalVersions[shift.id] = shift.version;
  }

  /** A read, with the same handling of transient failures and 429s as writes (reads are always safe to repeat). */
  async read(shiftId: string): Promise<Shift> {
    for (;;) {
      try {
        this.httpCalls++;
        const shift = await this.ctx.adapter.getShift(shiftId, this.ctx.signal);
        this.ctx.cache.remember(shift);
        this.ctx.budget.success();
        return shift;
      } catch (err) {
        if (!isRetriableAsIs(err)) throw err;
        await this.afterFailure(err);
      }
    }
  }

  async list(query: ShiftQuery): Promise<Shift[]> {
    for (;;) {
      try {
        this.httpCalls++;
        const shifts = await this.ctx.adapter.listShifts(query);
        for (const s of shifts) this.ctx.cache.remember(s);
        this.ctx.budget.success();
        return shifts;
      } catch (err) {
        if (!isRetriableAsIs(err)) throw err;
        await this.afterFailure(err);
      }
    }
  }

  /**
   * After a failure the same request may be retried on: waits as its kind requires, or
   * throws the writer error to give up with.
   * - 429: the server's Retry-After (the limiter holds everyone else back too); not effort,
   *   so it moves the deadline, but only up to `rateLimitMaxWaitMs` in total;
   * - 5xx, timeout, reset, and an unreadable 2xx whose read-back showed the write not
   *   landed: a token from the process-wide retry budget, then full jitter;
   * - key in flight: the first request is still running; wait its Retry-After, then the same key.
   */
  async afterFailure(err: WfmError): Promise<void> {
    if (err instanceof WfmRateLimitedError) {
      this.rateLimited++;
      const wait = err.retryAfterMs ?? this.ctx.retry.rateLimitFallbackMs;
      this.#rateLimitWaitedMs += wait;
      if (this.#rateLimitWaitedMs > this.ctx.retry.rateLimitMaxWaitMs) {
        throw new RateLimitWaitExceededError(
          `the WFM kept answering 429 for ${Math.round(this.#rateLimitWaitedMs / 1000)} s; lower the writer's rate limit below the WFM's budget`,
          err,
        );
      }
      this.#deadline += wait;
      await this.#sleep(wait);
      return;
    }
    if (isTransient(err) || isUnreadableAnswer(err)) {
      if (!this.ctx.budget.tryAcquire(err instanceof WfmTimeoutError ? 'timeout' : 'transient')) {
        throw new RetryBudgetExhaustedError(
          `not retried: the process-wide retry budget is spent (the WFM is failing broadly); last error: ${err.message}`,
          err,
        );
      }
      await this.backoff(this.#transientRetries++, err);
      return;
    }
    if (err instanceof WfmIdempotencyKeyInFlightError) {
      await this.#sleepWithin(
        Math.max(
          err.retryAfterMs ?? 0,
          fullJitter(this.#transientRetries++, this.ctx.retry, this.ctx.random),
        ),
        err,
      );
      return;
    }
    throw err;
  }

  /** Full-jitter backoff before re-applying an intent after a version conflict. */
  async conflictBackoff(cause: unknown): Promise<void> {
    await this.backoff(this.#conflictRetries++, cause);
  }

  /**
   * Our own backoff: one that would end past the budget is cut short to its end, so the
   * budget's last stretch still holds an attempt (a race lost under contention is then tried
   * once more, not given up on while time is left).
   */
  async backoff(retry: number, cause: unknown): Promise<void> {
    await this.#sleepWithin(fullJitter(retry, this.ctx.retry, this.ctx.random), cause, true);
  }

  /**
   * Sleeps `ms`, or gives up if that ends past the budget. `ours` (a backoff of the writer's
   * own) is cut to the budget's end instead; a wait the WFM asked for is never shortened.
   */
  async #sleepWithin(requested: number, cause: unknown, ours = false): Promise<void> {
    const now = this.ctx.clock.now();
    const left = this.#deadline - now;
    const ms = ours && left > 0 ? Math.min(requested, left) : requested;
    if (ms > left || (ms === 0 && left <= 0)) {
      const spent = Math.round((now - this.startedAt) / 100) / 10;
      throw new TimeBudgetExhaustedError(
        `gave up after ${this.attempts} attempts in ${spent} s (budget ${this.ctx.retry.budgetMs / 1000} s); last error: ${(cause as Error)?.message ?? String(cause)}`,
        cause,
      );
    }
    if (ms > 0) await this.#sleep(ms);
  }

  /**
   * Sleeps, and gives back to the budget any time slept beyond what was asked: a stalled
   * event loop, a suspended VM or a wall-clock jump is not effort spent on this adjustment.
   */
  async #sleep(ms: number): Promise<void> {
    const before = this.ctx.clock.now();
    await this.ctx.clock.sleep(ms, this.ctx.signal);
    const overslept = this.ctx.clock.now() - before - ms;
    if (overslept > 0) this.#deadline += overslept;
  }

  /**
   * Waits out a publish-window lock without holding a slot: until the week's lock ends (or
   * is released), then this adjustment's jitter (publish-locks.ts). The `deferred` record
   * goes to the sink first: informational only, never an acknowledgement. A fresh time
   * budget starts afterwards: waiting for the window was not effort.
   */
  async defer(deferral: Deferral): Promise<void> {
    this.deferrals++;
    this.ctx.onDeferred?.();
    this.ctx.locks.lock(deferral.week, deferral.until);
    this.ctx.logger?.info(
      {
        key: this.adjustment.key,
        until: toWire(deferral.until),
        week: deferral.week,
        source: deferral.source,
      },
      'adjustment deferred by the publish window',
    );
    await this.ctx.sink?.record(this.outcome('deferred', undefined, deferral.until));
    await this.idle(this.ctx.locks.wait(deferral, this.ctx.signal));
    this.#deadline = this.ctx.clock.now() + this.ctx.retry.budgetMs;
    this.#conflictRetries = 0;
  }

  outcome(status: OutcomeStatus, reason?: OutcomeReason, deferredUntil?: number): Outcome {
    const finishedAt = this.ctx.clock.now();
    const a = this.adjustment;
    return {
      key: a.key,
      kind: a.kind,
      ruleId: a.ruleId,
      action: a.action,
      status,
      attempts: this.attempts,
      httpCalls: Math.round(this.httpCalls * 1000) / 1000,
      rateLimited: this.rateLimited,
      deferrals: this.deferrals,
      firstAttemptStale: this.firstAttemptStale,
      finalVersions: { ...this.finalVersions },
      ...(reason ? { reason } : {}),
      ...(deferredUntil !== undefined ? { deferredUntil: toWire(deferredUntil) } : {}),
      startedAt: toWire(this.startedAt),
      finishedAt: toWire(finishedAt),
      durationMs: Math.max(0, finishedAt - this.startedAt),
    };
  }
}
