import type { Clock } from '../time/clock.js';
import type { RequestGate } from '../wfm/http-client.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * The WFM request budget shared across instances. `wfm.requestsPerMinute` is the budget
 * of the whole deployment; each instance takes
 *
 *     budget × (writer partitions assigned to it / writer partitions in total)
 *
 * and re-takes it on every rebalance, so the shares always sum to at most the budget
 * (during a rebalance an instance may briefly hold a stale share; the server's 429 with
 * Retry-After covers that moment). Work is spread by partition, so the share follows
 * the work. An instance with no writer partitions gets a trickle (1/min), never 0, which
 * the limiter would read as "unlimited".
 */
export class SharedBudgetGate implements RequestGate {
  #limiter: RateLimiter;
  #share = 1;

  constructor(
    private readonly budgetPerMinute: number,
    private readonly clock: Clock,
  ) {
    this.#limiter = this.#make(1);
  }

  /** Takes this instance's share: `assigned` of `total` writer partitions. */
  setShare(assigned: number, total: number): void {
    const share = total > 0 ? assigned / total : 1;
    if (share === this.#share) return;
    this.#share = share;
    this.#limiter = this.#make(share);
  }

  get perMinute(): number {
    return Math.max(1, this.budgetPerMinute * this.#share);
  }

  acquire(signal?: AbortSignal): Promise<void> {
    return this.#limiter.acquire(signal);
  }

  rateLimited(retryAfterMs: number | undefined): void {
    this.#limiter.rateLimited(retryAfterMs);
  }

  #make(share: number): RateLimiter {
    const perMinute = Math.max(1, this.budgetPerMinute * share);
    // a burst of a tenth of the minute's share: smooths the start without overshooting the budget
    return new RateLimiter({ perMinute, burst: Math.max(1, Math.floor(perMinute / 10)) }, this.clock);
  }
}
