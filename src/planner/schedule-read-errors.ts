/**
 * How a bounded schedule read (schedule-read.ts) fails, one class per kind with a stable
 * `code`, a `retriable` flag and the `cause` (STYLE.md). A non-retriable WFM error (a refused
 * token, a malformed answer) is not wrapped: it is thrown as the WFM client threw it.
 */

/** One attempt at a read had no full answer within `planner.readTimeoutMs`; the read tries again. */
export class ScheduleReadTimeoutError extends Error {
  readonly code = 'TR_ERR_SCHEDULE_READ_TIMEOUT';
  readonly retriable = true;
  constructor(
    /** what was read: "the shifts of team 'sg-voice'" */
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`reading ${what} from the WFM: no full answer within ${timeoutMs} ms (planner.readTimeoutMs)`);
    this.name = 'ScheduleReadTimeoutError';
  }
}

/**
 * Every attempt at a read failed and no further one fits in `planner.readBudgetMs`. The
 * planning stage fails the batch (it is processed again from the committed offset); `cause`
 * is the last attempt's failure.
 */
export class ScheduleReadExhaustedError extends Error {
  readonly code = 'TR_ERR_SCHEDULE_READ_EXHAUSTED';
  readonly retriable = true;
  readonly what: string;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly budgetMs: number;
  constructor(o: { what: string; attempts: number; elapsedMs: number; budgetMs: number; cause: unknown }) {
    const last = (o.cause as Error | undefined)?.message ?? String(o.cause);
    super(
      `reading ${o.what} from the WFM failed ${o.attempts} time${o.attempts === 1 ? '' : 's'} in ${o.elapsedMs} ms and no further attempt fits in planner.readBudgetMs=${o.budgetMs} (last: ${last}); check that the WFM answers, or raise planner.readBudgetMs (below kafka.transactionTimeoutMs)`,
      { cause: o.cause },
    );
    this.name = 'ScheduleReadExhaustedError';
    this.what = o.what;
    this.attempts = o.attempts;
    this.elapsedMs = o.elapsedMs;
    this.budgetMs = o.budgetMs;
  }
}
