import type { Clock } from '../time/clock.js';
import type { WfmAdapter } from '../wfm/adapter.js';
import type { SwapItem, SwapResult } from '../wfm/contract.js';
import { type WfmBadResponseError, WfmError, WfmRateLimitedError, WfmTimeoutError } from '../wfm/errors.js';
import { isRetriableAsIs, isTransient, isUnreadableAnswer } from './adjustment-run.js';
import { RateLimitWaitExceededError, RetryBudgetExhaustedError, TimeBudgetExhaustedError } from './errors.js';
import { swapBatchKey } from './idempotency-key.js';
import type { RetryBudget } from './retry-budget.js';
import { fullJitter, type RetryPolicy } from './retry-policy.js';
import type { Semaphore } from './semaphore.js';

/** The contract's ceiling on swaps per bulk request. */
export const MAX_SWAPS_PER_REQUEST = 100;

export interface SwapBatchOptions {
  /** swaps per bulk request, 1..100 */
  maxSize: number;
  /** how long the first swap of a batch waits for company, milliseconds */
  lingerMs: number;
}

export const DEFAULT_SWAP_BATCH: SwapBatchOptions = { maxSize: MAX_SWAPS_PER_REQUEST, lingerMs: 5 };

/**
 * One swap's answer, and its share of the requests that carried it (1/n per request of n
 * swaps). Either its `result`, or `unreadable`: the WFM answered the request 2xx with a body
 * that cannot be read, so whether the swap ran is unknown until its shifts are read back.
 */
export type BatchAnswer = {
  share: number;
  rateLimited: number;
  /** an earlier send of the request failed without an answer: it may have run */
  uncertain: boolean;
} & (
  | { result: SwapResult; unreadable?: undefined }
  | { result?: undefined; unreadable: WfmBadResponseError }
);

interface Pending {
  item: SwapItem;
  /** how many answers this swap has had before (see submit) */
  round: number;
  resolve: (answer: BatchAnswer) => void;
  reject: (err: unknown) => void;
}

export interface SwapBatcherContext {
  adapter: WfmAdapter;
  clock: Clock;
  slots: Semaphore;
  budget: RetryBudget;
  retry: RetryPolicy;
  random: () => number;
  signal: AbortSignal;
}

/**
 * Gathers swaps into bulk requests. Each swap in a request is atomic on the WFM (both
 * shifts change owner or neither), so no swap is ever half applied, whatever happens to
 * the request: a swap is never two PATCHes.
 *
 * A request that fails as a whole (5xx, timeout, reset, 429, key in flight) is re-sent
 * unchanged with the same key — the WFM replays it if it had run. A 2xx that cannot be read
 * is not re-sent (the replay may be as unreadable): each swap in it is handed back as
 * `unreadable`, to be settled by reading its shifts back. Whatever else fails it fails for
 * every swap in it, each of which then ends as its own error says.
 */
export class SwapBatcher {
  readonly #pending: Pending[] = [];
  #timer = false;
  /** bulk requests sent, retries included */
  requests = 0;

  constructor(
    private readonly ctx: SwapBatcherContext,
    private readonly options: SwapBatchOptions,
  ) {}

  /**
   * Queues one swap for the next bulk request. `round` counts the answers this swap already
   * had (1 for its first send): it goes into the request's idempotency key, so that a swap
   * sent again after a definite answer — a per-item SCHEDULE_LOCKED, say — is a new request,
   * not the stored answer replayed. Re-sending an identical body after the publish window
   * (the publish job bumped the versions before the first send, so they have not changed
   * since) would otherwise get the lock back for ever. Nothing of a definitely refused item
   * was applied, so a new key cannot apply anything twice; retries without an answer (5xx,
   * timeouts) stay inside one request and keep its key.
   */
  submit(item: SwapItem, round = 1): Promise<BatchAnswer> {
    return new Promise<BatchAnswer>((resolve, reject) => {
      this.#pending.push({ item, round, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#pending.length >= this.options.maxSize) {
      void this.#flush();
      return;
    }
    if (this.#timer) return;
    this.#timer = true;
    this.ctx.clock.sleep(this.options.lingerMs, this.ctx.signal).then(
      () => {
        this.#timer = false;
        void this.#flush();
      },
      () => {
        this.#timer = false;
        for (const p of this.#pending.splice(0)) p.reject(this.ctx.signal.reason);
      },
    );
  }

  async #flush(): Promise<void> {
    // The swaps in it are under way already: the request goes before adjustments not yet begun.
    await this.ctx.slots.acquire(true);
    // Taken after the slot: swaps that arrived while we waited for one ride along.
    const batch = this.#pending.splice(0, this.options.maxSize);
    try {
      if (batch.length > 0) await this.#send(batch);
    } finally {
      this.ctx.slots.release();
      if (this.#pending.length > 0) this.#schedule();
    }
  }

  async #send(batch: Pending[]): Promise<void> {
    const swaps = batch.map((p) => p.item);
    const key = swapBatchKey(JSON.stringify({ swaps, rounds: batch.map((p) => p.round) }));
    const started = this.ctx.clock.now();
    let deadline = started + this.ctx.retry.budgetMs;
    let sends = 0;
    let rateLimited = 0;
    let rateLimitWaited = 0;
    let transientRetries = 0;
    let uncertain = false;
    const settleAll = (fn: (p: Pending) => void) => {
      for (const p of batch) fn(p);
    };
    for (;;) {
      try {
        sends++;
        this.requests++;
        const results = await this.ctx.adapter.swapShifts(swaps, {
          idempotencyKey: key,
          signal: this.ctx.signal,
        });
        this.ctx.budget.success();
        const byId = new Map(results.map((r) => [r.swapId, r]));
        const share = sends / batch.length;
        settleAll((p) => p.resolve({ result: byId.get(p.item.swapId)!, share, rateLimited, uncertain }));
        return;
      } catch (err) {
        if (isUnreadableAnswer(err)) {
          const share = sends / batch.length;
          settleAll((p) => p.resolve({ unreadable: err, share, rateLimited, uncertain: true }));
          return;
        }
        if (!(err instanceof WfmError) || !isRetriableAsIs(err)) {
          settleAll((p) => p.reject(err));
          return;
        }
        let wait: number;
        if (err instanceof WfmRateLimitedError) {
          rateLimited++;
          wait = err.retryAfterMs ?? this.ctx.retry.rateLimitFallbackMs;
          rateLimitWaited += wait;
          deadline += wait;
          if (rateLimitWaited > this.ctx.retry.rateLimitMaxWaitMs) {
            settleAll((p) =>
              p.reject(
                new RateLimitWaitExceededError(`the WFM kept answering 429 to a bulk swap request`, err),
              ),
            );
            return;
          }
        } else {
          if (isTransient(err)) uncertain = true;
          if (
            isTransient(err) &&
            !this.ctx.budget.tryAcquire(err instanceof WfmTimeoutError ? 'timeout' : 'transient')
          ) {
            settleAll((p) =>
              p.reject(
                new RetryBudgetExhaustedError(
                  `not retried: the process-wide retry budget is spent; last error: ${err.message}`,
                  err,
                ),
              ),
            );
            return;
          }
          wait = Math.max(
            err.retryAfterMs ?? 0,
            fullJitter(transientRetries++, this.ctx.retry, this.ctx.random),
          );
        }
        if (this.ctx.clock.now() + wait > deadline) {
          settleAll((p) =>
            p.reject(
              new TimeBudgetExhaustedError(
                `a bulk swap request kept failing for ${this.ctx.retry.budgetMs / 1000} s; last error: ${err.message}`,
                err,
              ),
            ),
          );
          return;
        }
        try {
          const before = this.ctx.clock.now();
          await this.ctx.clock.sleep(wait, this.ctx.signal);
          // Time slept beyond the wait (a stalled loop, a clock jump) is not the request's effort.
          deadline += Math.max(0, this.ctx.clock.now() - before - wait);
        } catch (abort) {
          settleAll((p) => p.reject(abort));
          return;
        }
      }
    }
  }
}
