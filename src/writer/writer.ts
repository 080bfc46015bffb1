import { setMaxListeners } from 'node:events';
import { Adjustment } from '../planner/adjustment.js';
import { type Clock, systemClock } from '../time/clock.js';
import { waitAccount } from '../time/wait-account.js';
import type { ShiftQuery } from '../wfm/adapter.js';
import type { Shift } from '../wfm/contract.js';
import { WfmShiftOverlapError } from '../wfm/errors.js';
import { AdjustmentRun, isRetriableAsIs } from './adjustment-run.js';
import { applySwap, type SwapContext } from './apply-swap.js';
import { applyUpdate } from './apply-update.js';
import { InvalidAdjustmentError, reasonOf, WriterClosedError } from './errors.js';
import { KeySerializer } from './key-serializer.js';
import { LockOverruns } from './lock-overrun.js';
import type { Outcome, OutcomeReason, OutcomeStatus } from './outcome.js';
import { PublishLocks } from './publish-locks.js';
import { RetryBudget } from './retry-budget.js';
import { fullJitter } from './retry-policy.js';
import { Semaphore } from './semaphore.js';
import { ShiftCache } from './shift-cache.js';
import { SwapBatcher } from './swap-batcher.js';
import { TeamWarmer } from './team-warmer.js';
import { checkWriterOptions, DEFAULT_WRITER_OPTIONS, type WriterOptions } from './writer-options.js';

/**
 * Failures a re-plan may fix: the intent met the schedule and lost. Everything else —
 * every give-up on a cause that may pass (an outage, a lock that outlasted its horizon, a
 * conflict nobody could explain) — is dead-lettered, so that a redrive can bring it back.
 */
const REJECTED = new Set([
  'TR_ERR_WFM_SHIFT_OVERLAP',
  'TR_ERR_WFM_VALIDATION',
  'TR_ERR_WFM_NOT_FOUND',
  'TR_ERR_WRITER_SUBJECT_CHANGED',
  'TR_ERR_WRITER_IMPOSSIBLE_MUTATION',
]);

export interface WriterStats {
  submitted: number;
  byStatus: Record<OutcomeStatus, number>;
  /** calls not made for one adjustment: warm-up lists and week re-reads after a publish lock */
  overheadCalls: number;
  /** bulk swap requests sent */
  swapRequests: number;
}

/**
 * The version-aware writer: applies adjustments to the WFM and records an outcome for each.
 *
 * Writes touching the same shift or agent go one after another in submission order;
 * others run in parallel up to `concurrency`. `submit` resolves with the terminal outcome
 * once the sink has stored it — which is when the caller may acknowledge the adjustment
 * upstream. It rejects only when the writer is closed (the adjustment was not finished
 * and must not be acknowledged).
 */
export class Writer {
  readonly #clock: Clock;
  readonly #ctx: SwapContext;
  readonly #keys = new KeySerializer();
  readonly #running = new Map<string, Promise<Outcome>>();
  readonly #abort = new AbortController();
  readonly #options: WriterOptions;
  #closed = false;
  readonly stats: WriterStats = {
    submitted: 0,
    byStatus: { applied: 0, 'already-applied': 0, deferred: 0, rejected: 0, 'dead-lettered': 0 },
    overheadCalls: 0,
    swapRequests: 0,
  };

  constructor(options: WriterOptions) {
    checkWriterOptions(options);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const retry = { ...DEFAULT_WRITER_OPTIONS.retry, ...options.retry };
    const budget = options.retryBudget ?? new RetryBudget();
    const slots = new Semaphore(options.concurrency ?? DEFAULT_WRITER_OPTIONS.concurrency);
    const random = options.random ?? Math.random;
    const cache = new ShiftCache(options.cacheMaxShifts ?? DEFAULT_WRITER_OPTIONS.cacheMaxShifts);
    const signal = this.#abort.signal;
    options.adapter.observeShifts?.((shifts) => {
      for (const s of shifts) cache.remember(s);
    });
    // Every wait and request of every adjustment listens on this one signal: hundreds at once is normal.
    setMaxListeners(0, signal);
    const locks = new PublishLocks(
      (q) => this.#list(q),
      (shifts) => {
        for (const s of shifts) cache.remember(s);
      },
      options.businessUnit,
      this.#clock,
    );
    // A lock the backend hears end before its expected end (a reschedule run announced Complete).
    options.adapter.observeLockEnds?.((week) => locks.release(week));
    const batcher = new SwapBatcher(
      { adapter: options.adapter, clock: this.#clock, slots, budget, retry, random, signal },
      { ...DEFAULT_WRITER_OPTIONS.swapBatch, ...options.swapBatch },
    );
    this.#ctx = {
      adapter: options.adapter,
      clock: this.#clock,
      cache,
      retry,
      budget,
      slots,
      locks,
      overruns: new LockOverruns(options.publishWindow, options.logger),
      warmer:
        options.teamWarmer === false
          ? undefined
          : new TeamWarmer(
              (q) => {
                this.stats.overheadCalls++;
                return options.adapter.listShifts(q);
              },
              (shifts) => {
                for (const s of shifts) cache.remember(s);
              },
              this.#clock,
              { ...DEFAULT_WRITER_OPTIONS.teamWarmer, ...options.teamWarmer },
            ),
      sink: options.sink,
      zone: options.businessUnit?.timeZone ?? 'UTC',
      random,
      signal,
      logger: options.logger,
      onDeferred: () => {
        this.stats.byStatus.deferred++;
      },
      batcher,
      deferral: { ...DEFAULT_WRITER_OPTIONS.deferral, ...options.deferral },
      publishWindow: options.publishWindow,
    };
  }

  /**
   * Applies one adjustment; resolves with its terminal outcome. Submitting a key that is
   * still being worked on joins that run instead of starting a second one.
   */
  submit(adjustment: Adjustment): Promise<Outcome> {
    if (this.#closed)
      return Promise.reject(
        new WriterClosedError('the writer is closed; adjustments submitted now are not applied'),
      );
    const running = this.#running.get(adjustment.key);
    if (running) return running;
    this.stats.submitted++;
    const run = this.#run(adjustment).finally(() => this.#running.delete(adjustment.key));
    this.#running.set(adjustment.key, run);
    return run;
  }

  /**
   * Fills the version cache with one list (paginated): most first writes then need no
   * read. Transient failures are retried a few times with full jitter; a cold cache is
   * only slower, so the last failure is thrown for the caller to log and go on.
   */
  async warm(query: ShiftQuery): Promise<number> {
    const shifts = await this.#list(query);
    this.remember(shifts);
    return shifts.length;
  }

  /** A list for the cache (warm-up, a week after its lock), retrying transient failures a few times. */
  async #list(query: ShiftQuery, attempts = 5): Promise<Shift[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.stats.overheadCalls++;
        return await this.#options.adapter.listShifts(query);
      } catch (err) {
        if (!isRetriableAsIs(err) || attempt + 1 >= attempts) throw err;
        const wait = err.retryAfterMs ?? fullJitter(attempt + 2, this.#ctx.retry, this.#ctx.random);
        await this.#clock.sleep(wait, this.#abort.signal);
      }
    }
  }

  remember(shifts: Iterable<Shift>): void {
    for (const s of shifts) this.#ctx.cache.remember(s);
  }

  get inProgress(): number {
    return this.#running.size;
  }

  /** Resolves when every submitted adjustment has its terminal outcome (deferred ones included). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  /**
   * Stops: new submits are refused, waits (backoff, publish window) end at once, and their
   * `submit` promises reject — those adjustments were not finished and must not be
   * acknowledged; replaying them later is safe (same keys, target states).
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort(new WriterClosedError('the writer was closed before this adjustment finished'));
    await this.drain();
  }

  async #run(input: Adjustment): Promise<Outcome> {
    const parsed = Adjustment.safeParse(input);
    if (!parsed.success) return this.#invalid(input, parsed.error.issues[0]);
    const adjustment = parsed.data;
    const release = await this.#keys.acquire(keysOf(adjustment));
    const run = new AdjustmentRun(adjustment, this.#ctx);
    try {
      let status: OutcomeStatus;
      let reason: OutcomeReason | undefined;
      await run.takeSlot();
      try {
        status = await waitAccount.run(
          (ms) => run.creditWait(ms),
          () =>
            adjustment.kind === 'update'
              ? applyUpdate(adjustment, run, this.#ctx)
              : applySwap(adjustment, run, this.#ctx),
        );
      } catch (err) {
        if (this.#abort.signal.aborted) throw this.#abort.signal.reason;
        ({ status, reason } = this.#classify(err, adjustment));
      } finally {
        run.releaseSlot();
      }
      const outcome = run.outcome(status, reason);
      this.stats.byStatus[status]++;
      this.stats.swapRequests = this.#ctx.batcher.requests;
      this.#log(outcome);
      await this.#ctx.sink?.record(outcome);
      return outcome;
    } finally {
      release();
    }
  }

  /** A malformed adjustment is a bug upstream: dead-lettered with the first schema issue, never sent. */
  async #invalid(
    input: Adjustment,
    issue: { path: PropertyKey[]; message: string } | undefined,
  ): Promise<Outcome> {
    const text = (v: unknown) => (typeof v === 'string' ? v : String(v));
    const safe = {
      key: text(input?.key),
      kind: input?.kind === 'swap' ? 'swap' : 'update',
      ruleId: text(input?.ruleId),
      action: text(input?.action),
    } as Adjustment;
    const err = new InvalidAdjustmentError(
      `adjustment '${safe.key}' does not match the schema: ${issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
    const outcome = new AdjustmentRun(safe, this.#ctx).outcome('dead-lettered', reasonOf(err));
    this.stats.byStatus['dead-lettered']++;
    this.#log(outcome);
    await this.#ctx.sink?.record(outcome);
    return outcome;
  }

  #classify(err: unknown, adjustment: Adjustment): { status: OutcomeStatus; reason: OutcomeReason } {
    const extra =
      err instanceof WfmShiftOverlapError && err.conflictingShiftId
        ? { conflictingShiftId: err.conflictingShiftId }
        : {};
    const reason = reasonOf(err, extra);
    if (reason.code === 'TR_ERR_WRITER_UNEXPECTED') {
      this.#options.logger?.error(
        { err, key: adjustment.key },
        'unexpected error applying an adjustment; dead-lettered',
      );
    }
    return { status: REJECTED.has(reason.code) ? 'rejected' : 'dead-lettered', reason };
  }

  #log(o: Outcome): void {
    const logger = this.#options.logger;
    if (!logger) return;
    const fields = {
      key: o.key,
      status: o.status,
      attempts: o.attempts,
      httpCalls: o.httpCalls,
      reason: o.reason,
    };
    if (o.status === 'dead-lettered') logger.warn(fields, 'adjustment dead-lettered');
    else logger.debug(fields, 'adjustment finished');
  }
}

function keysOf(a: Adjustment): string[] {
  return a.kind === 'update'
    ? [`shift:${a.shiftId}`, `agent:${a.agentId}`]
    : [`shift:${a.a.shiftId}`, `shift:${a.b.shiftId}`, `agent:${a.a.agentId}`, `agent:${a.b.agentId}`];
}
