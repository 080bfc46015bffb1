/**
 * How one adjustment retries. Full jitter (AWS Architecture Blog, "Exponential Backoff
 * and Jitter"): sleep = random(0, min(cap, base · 2^n)). Spreading retries uniformly is
 * what stops many writers that failed together from retrying together.
 *
 * The per-adjustment time budget bounds the whole effort (client-go's RetryOnConflict
 * bounds by steps; a budget in time is what an operator can reason about). Waits the
 * server asked for — a publish-window lock, a 429's Retry-After — are not effort and do
 * not spend it.
 */
export interface RetryPolicy {
  /** first backoff ceiling, milliseconds */
  baseMs: number;
  /** largest backoff ceiling, milliseconds */
  capMs: number;
  /** total time one adjustment may spend retrying before it is dead-lettered, milliseconds */
  budgetMs: number;
  /** wait after a 429 without Retry-After, milliseconds */
  rateLimitFallbackMs: number;
  /** longest a single adjustment waits out 429s in total before it is dead-lettered, milliseconds */
  rateLimitMaxWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 20,
  capMs: 2_000,
  budgetMs: 30_000,
  rateLimitFallbackMs: 1_000,
  rateLimitMaxWaitMs: 300_000,
};

/** Full-jitter backoff before retry number `retry` (0 = the first retry). */
export function fullJitter(
  retry: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}
