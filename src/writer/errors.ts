import type { OutcomeReason } from './outcome.js';

/**
 * Why the writer gave up on an adjustment (as opposed to the WFM refusing it, wfm/errors.ts).
 * These become the `reason` of an outcome record; `submit` throws only WriterClosedError
 * and the caller's own abort.
 */
export abstract class WriterError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
  }
}

/** Retries took longer than the per-adjustment time budget; `cause` is the last failure. */
export class TimeBudgetExhaustedError extends WriterError {
  readonly code = 'TR_ERR_WRITER_TIME_BUDGET_EXHAUSTED';
  readonly retriable = true;
}

/** The process-wide retry budget is empty (the WFM is failing broadly); `cause` is the failure not retried. */
export class RetryBudgetExhaustedError extends WriterError {
  readonly code = 'TR_ERR_WRITER_RETRY_BUDGET_EXHAUSTED';
  readonly retriable = true;
}

/** 429s kept coming for longer than the policy allows one adjustment to wait. */
export class RateLimitWaitExceededError extends WriterError {
  readonly code = 'TR_ERR_WRITER_RATE_LIMIT_WAIT_EXCEEDED';
  readonly retriable = true;
}

/** The shift is no longer what the plan was made for (another owner; a swap half-moved by someone else). */
export class SubjectChangedError extends WriterError {
  readonly code = 'TR_ERR_WRITER_SUBJECT_CHANGED';
  readonly retriable = false;
}

/** The mutation cannot be applied to this shift (it would end before it starts). */
export class ImpossibleMutationError extends WriterError {
  readonly code = 'TR_ERR_WRITER_IMPOSSIBLE_MUTATION';
  readonly retriable = false;
}

/** The adjustment does not match its schema. */
export class InvalidAdjustmentError extends WriterError {
  readonly code = 'TR_ERR_WRITER_INVALID_ADJUSTMENT';
  readonly retriable = false;
}

/** The WFM answered a conflict that a fresh read cannot explain, several times. */
export class UnexplainedConflictError extends WriterError {
  readonly code = 'TR_ERR_WRITER_UNEXPLAINED_CONFLICT';
  readonly retriable = false;
}

/** `submit` after `close`. */
export class WriterClosedError extends WriterError {
  readonly code = 'TR_ERR_WRITER_CLOSED';
  readonly retriable = false;
}

/** An outcome reason from any error that carries a `code`. */
export function reasonOf(err: unknown, extra: Partial<OutcomeReason> = {}): OutcomeReason {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : 'TR_ERR_WRITER_UNEXPECTED';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const causeCode = (e?.cause as { code?: unknown } | undefined)?.code;
  return {
    code,
    message,
    ...(typeof causeCode === 'string' ? { cause: causeCode } : {}),
    ...extra,
  };
}
