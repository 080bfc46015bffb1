import { RetryBudget } from './retry-budget.js';
import type { WriterOptions } from './writer-options.js';

/** The config file's `writer:` section (src/config/schema.ts), every key with its unit. */
export interface WriterSettings {
  attemptBudgetMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  retryQuotaTokens: number;
  retryCost: number;
  successRefund: number;
  swapBatchSize: number;
  lockOverrunMaxMs: number;
}

/**
 * Maps the `writer:` section onto the Writer's options: one place, so that every key an
 * operator sets reaches the writer of `run` and of the demo alike (test/config/writer-settings.test.ts
 * sets each one and observes its effect).
 */
export function writerOptionsFrom(
  s: WriterSettings,
): Required<Pick<WriterOptions, 'retry' | 'retryBudget' | 'swapBatch' | 'deferral'>> {
  return {
    retry: { budgetMs: s.attemptBudgetMs, baseMs: s.backoffBaseMs, capMs: s.backoffCapMs },
    retryBudget: new RetryBudget({
      capacity: s.retryQuotaTokens,
      retryCost: s.retryCost,
      // a timeout costs twice a retry, as in the AWS SDKs' standard mode
      timeoutCost: 2 * s.retryCost,
      successRefund: s.successRefund,
    }),
    swapBatch: { maxSize: s.swapBatchSize },
    deferral: { overrunMaxMs: s.lockOverrunMaxMs },
  };
}
