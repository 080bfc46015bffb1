import type { Clock } from '../time/clock.js';
import { ScheduleReadExhaustedError, ScheduleReadTimeoutError } from './schedule-read-errors.js';

/**
 * How long the planner waits for a schedule read (a team's shifts or agents, every page).
 * A slow or failing WFM delays planning by up to the budget instead of failing the
 * planning stage's batch at its first timeout; past the budget the batch fails as any
 * failed read does, and is processed again from the committed offset.
 */
export interface ScheduleReadOptions {
  /** one attempt at a read, every page of it, milliseconds */
  readTimeoutMs: number;
  /**
   * every attempt at one read and the pauses between them, milliseconds; kept below
   * `kafka.transactionTimeoutMs` (the config refuses more)
   */
  readBudgetMs: number;
  /** the pause before the first retry is 1/2 to 1 times this, doubling per retry, milliseconds */
  readBackoffBaseMs: number;
  /** the largest pause between attempts, milliseconds */
  readBackoffCapMs: number;
}

/** The same values as `DEFAULTS.planner` (config/defaults.ts), for planners built without a config. */
export const SCHEDULE_READ_DEFAULTS: ScheduleReadOptions = {
  readTimeoutMs: 10_000,
  readBudgetMs: 20_000,
  readBackoffBaseMs: 250,
  readBackoffCapMs: 4_000,
};

export interface ScheduleReadContext {
  clock: Clock;
  /** uniform in [0, 1): the pauses' jitter */
  random: () => number;
  /**
   * once aborted, no further attempt starts and a pause ends early: the read fails with its
   * last attempt's error (a stopping stage waits for one attempt at most, not the budget)
   */
  stop?: AbortSignal;
}

/** Constructor checks, one rule per message. */
export function checkScheduleReadOptions(o: ScheduleReadOptions): void {
  for (const name of ['readTimeoutMs', 'readBudgetMs', 'readBackoffBaseMs', 'readBackoffCapMs'] as const) {
    const v = o[name];
    if (!(Number.isFinite(v) && v > 0)) {
      throw new TypeError(`planner.${name} must be a positive number of milliseconds, got ${String(v)}`);
    }
  }
  if (o.readBudgetMs < o.readTimeoutMs) {
    throw new TypeError(
      `planner.readBudgetMs (${o.readBudgetMs}) must be at least planner.readTimeoutMs (${o.readTimeoutMs}): the budget holds every attempt`,
    );
  }
}

/**
 * Reads through `attempt` within the budget: each attempt is abandoned (its signal aborted,
 * with a ScheduleReadTimeoutError as the reason) after `readTimeoutMs`, or less when the
 * budget has less left; a retriable failure (a timeout, a 5xx, a reset, a 429) is tried again
 * after a jittered pause; anything else is thrown at once, as it came. When no further attempt
 * fits the budget the read fails with ScheduleReadExhaustedError, carrying the last failure.
 */
export async function readWithinBudget<T>(
  what: string,
  attempt: (signal: AbortSignal) => Promise<T>,
  options: ScheduleReadOptions,
  ctx: ScheduleReadContext,
): Promise<T> {
  const { clock } = ctx;
  const started = clock.now();
  for (let attempts = 1; ; attempts++) {
    const left = options.readBudgetMs - (clock.now() - started);
    let failure: unknown;
    try {
      return await attemptWithin(what, attempt, Math.max(1, Math.min(options.readTimeoutMs, left)), clock);
    } catch (err) {
      if (!retriable(err) || ctx.stop?.aborted) throw err;
      failure = err;
    }
    const elapsedMs = clock.now() - started;
    // half of each pause is fixed: a WFM that fails at once is still asked a bounded number
    // of times per budget; the other half is random, so instances that failed together do
    // not all ask again at the same moment
    const ceiling = Math.min(
      options.readBackoffCapMs,
      options.readBackoffBaseMs * 2 ** Math.min(attempts - 1, 30),
    );
    const pauseMs = Math.max(ceiling / 2 + (ctx.random() * ceiling) / 2, retryAfterMs(failure));
    if (elapsedMs + pauseMs >= options.readBudgetMs) {
      throw new ScheduleReadExhaustedError({
        what,
        attempts,
        elapsedMs,
        budgetMs: options.readBudgetMs,
        cause: failure,
      });
    }
    try {
      await clock.sleep(pauseMs, ctx.stop);
    } catch {
      throw failure;
    }
  }
}

/** One attempt, abandoned after `timeoutMs` on the clock even if the source ignores its signal. */
async function attemptWithin<T>(
  what: string,
  attempt: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  clock: Clock,
): Promise<T> {
  const abandon = new AbortController();
  const abandoned = new Promise<never>((_, reject) => {
    abandon.signal.addEventListener('abort', () => reject(abandon.signal.reason), { once: true });
  });
  const timer = new AbortController();
  clock.sleep(timeoutMs, timer.signal).then(
    () => abandon.abort(new ScheduleReadTimeoutError(what, timeoutMs)),
    // cancelled: the attempt settled first
    () => {},
  );
  const work = (async () => attempt(abandon.signal))();
  // an abandoned attempt settles later (with the abort's reason): nobody waits for it then
  work.catch(() => {});
  try {
    return await Promise.race([work, abandoned]);
  } finally {
    timer.abort();
  }
}

function retriable(err: unknown): boolean {
  return (err as { retriable?: unknown } | null)?.retriable === true;
}

/** what the server asked for (a 429's Retry-After), milliseconds; 0 when it asked nothing */
function retryAfterMs(err: unknown): number {
  const v = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}
