import type { Logger } from 'pino';
import type { Clock } from '../time/clock.js';
import type { PublishWindow } from '../time/publish-window.js';
import type { WfmAdapter } from '../wfm/adapter.js';
import type { OutcomeSink } from './outcome.js';
import { DEFAULT_DEFERRAL, type DeferralOptions } from './publish-locks.js';
import type { RetryBudget } from './retry-budget.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { DEFAULT_SWAP_BATCH, MAX_SWAPS_PER_REQUEST, type SwapBatchOptions } from './swap-batcher.js';
import { DEFAULT_TEAM_WARMER, type TeamWarmerOptions } from './team-warmer.js';

export interface WriterOptions {
  adapter: WfmAdapter;
  clock?: Clock;
  /** where outcome records go; awaited */
  sink?: OutcomeSink;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** adjustments (and bulk requests) worked on at once */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** share one per process (the budget is process-wide); default: a new one with AWS's 500/5/1 */
  retryBudget?: RetryBudget;
  swapBatch?: Partial<SwapBatchOptions>;
  deferral?: Partial<DeferralOptions>;
  /** the WFM's publish window: read as a lock when a bare SCHEDULE_CONFLICT hits an unchanged shift inside it */
  publishWindow?: PublishWindow;
  /** the business unit's zone: lets the writer re-read a whole schedule week after its publish lock */
  businessUnit?: { timeZone: string };
  /** shifts kept in the version cache */
  cacheMaxShifts?: number;
  /**
   * on a cache miss, list the adjustment's team around its instant (one call for many
   * adjustments) before reading the shift alone; false: read each missing shift alone
   */
  teamWarmer?: false | Partial<TeamWarmerOptions>;
  /** [0, 1) source for jitter; tests pin it */
  random?: () => number;
}

/** Every default in one place, units in the names. */
export const DEFAULT_WRITER_OPTIONS = {
  concurrency: 8,
  retry: DEFAULT_RETRY_POLICY,
  swapBatch: DEFAULT_SWAP_BATCH,
  deferral: DEFAULT_DEFERRAL,
  cacheMaxShifts: 100_000,
  teamWarmer: DEFAULT_TEAM_WARMER,
} as const;

export class WriterOptionError extends Error {
  readonly code = 'TR_ERR_WRITER_OPTION';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'WriterOptionError';
  }
}

/** One rule per message, as undici checks its options. */
export function checkWriterOptions(o: WriterOptions): void {
  if (!o.adapter) throw new WriterOptionError('adapter is required: a WfmAdapter such as WfmHttpClient');
  if (o.concurrency !== undefined && !(Number.isInteger(o.concurrency) && o.concurrency >= 1)) {
    throw new WriterOptionError(`concurrency must be a whole number ≥ 1, got ${o.concurrency}`);
  }
  const size = o.swapBatch?.maxSize;
  if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= MAX_SWAPS_PER_REQUEST)) {
    throw new WriterOptionError(
      `swapBatch.maxSize must be a whole number from 1 to ${MAX_SWAPS_PER_REQUEST}, got ${size}`,
    );
  }
  for (const [group, values] of [
    ['retry', o.retry],
    ['swapBatch', o.swapBatch],
    ['deferral', o.deferral],
    ['teamWarmer', o.teamWarmer === false ? undefined : o.teamWarmer],
  ] as const) {
    for (const [name, v] of Object.entries(values ?? {})) {
      if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
        throw new WriterOptionError(
          `${group}.${name} must be a number ≥ 0 (milliseconds or a count), got ${String(v)}`,
        );
      }
    }
  }
}
