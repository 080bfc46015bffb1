/**
 * A process-wide retry quota, as the AWS SDKs' "standard" retry mode has it: a bucket of
 * 500 tokens; a retry after a transient failure (5xx, reset) costs 5, after a timeout 10;
 * every success puts 1 back. In a healthy system the bucket stays full; in an outage it
 * drains after ~100 retries and further failures are not retried at all — an outage
 * never turns into a retry storm. Adjustments that could not retry are dead-lettered
 * with the reason and can be redriven once the WFM is back.
 *
 * Version conflicts are not charged: each one is progress against fresh state, bounded by
 * the adjustment's own time budget.
 */
export interface RetryBudgetOptions {
  capacity: number;
  retryCost: number;
  timeoutCost: number;
  successRefund: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = {
  capacity: 500,
  retryCost: 5,
  timeoutCost: 10,
  successRefund: 1,
};

export class RetryBudget {
  readonly options: RetryBudgetOptions;
  #tokens: number;

  constructor(options: Partial<RetryBudgetOptions> = {}) {
    this.options = { ...DEFAULT_RETRY_BUDGET, ...options };
    this.#tokens = this.options.capacity;
  }

  /** Takes the cost of one retry; false when the bucket cannot pay it (do not retry). */
  tryAcquire(kind: 'transient' | 'timeout'): boolean {
    const cost = kind === 'timeout' ? this.options.timeoutCost : this.options.retryCost;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  success(): void {
    this.#tokens = Math.min(this.options.capacity, this.#tokens + this.options.successRefund);
  }

  get available(): number {
    return this.#tokens;
  }
}
