import type { Clock } from '../time/clock.js';
import { parseInstant, toWire } from '../time/instant.js';
import { openWindowAt, type PublishWindow } from '../time/publish-window.js';
import { scheduleWeekBounds } from '../time/schedule-week.js';
import type { ShiftQuery } from '../wfm/adapter.js';
import type { Shift } from '../wfm/contract.js';
import type { LockOverrunOptions } from './lock-overrun.js';

/**
 * The publish window, as the writer sees it. A write into a week being published is
 * answered 409 SCHEDULE_LOCKED; the adjustment is then deferred — not dropped, not spun
 * on — until the lock ends, and applied against the versions the publish job left.
 *
 * When the lock ends is, in order of trust: the answer's Retry-After (relative, so immune
 * to clock skew between us and the WFM), its `lockedUntil`, the configured window (for a
 * WFM that only says SCHEDULE_CONFLICT), or a fallback pause.
 *
 * Locks are remembered per schedule week, so further adjustments for that week wait
 * without knocking first; and when a lock ends, the week is re-read once with a list
 * (the publish job bumped every version in it) instead of one read per adjustment. For
 * that, a lock is remembered with its end as the WFM gave it, never jittered: every
 * adjustment waiting on the week waits for that one end, and only the moment each wakes
 * after it is spread (`jitter`), so the first to wake re-reads the week for all of them.
 * A backend that hears a lock end early (a reschedule run announced Complete) releases
 * it, and its waiters wake at once.
 */
export interface DeferralOptions extends LockOverrunOptions {
  /** spread the wake-ups after a window over this many milliseconds, so they don't stampede */
  jitterMs: number;
  /** pause when the WFM gives no hint and no window is configured, milliseconds */
  fallbackMs: number;
}

export const DEFAULT_DEFERRAL: DeferralOptions = {
  jitterMs: 1_000,
  fallbackMs: 60_000,
  overrunMaxMs: 2 * 3_600_000,
  overrunBaseMs: 30_000,
  overrunCapMs: 300_000,
};

export interface LockHint {
  retryAfterMs?: number | undefined;
  lockedUntil?: string | undefined;
  week?: string | undefined;
}

export interface Deferral {
  /** when the lock ends (no jitter: every waiter on the week shares it) */
  until: number;
  /** how long after the lock's end this adjustment wakes, milliseconds: spreads the wake-ups */
  jitter: number;
  week: string | undefined;
  source: 'retry-after' | 'locked-until' | 'publish-window' | 'fallback' | 'overrun';
}

/** Pure: when to try again after a lock, from the hint, the configured window and the clock. */
export function deferralFor(
  hint: LockHint,
  now: number,
  options: Pick<DeferralOptions, 'jitterMs' | 'fallbackMs'>,
  window: PublishWindow | undefined,
  random: () => number,
): Deferral {
  const jitter = Math.floor(random() * options.jitterMs);
  const week = hint.week;
  if (hint.retryAfterMs !== undefined)
    return { until: now + hint.retryAfterMs, jitter, week, source: 'retry-after' };
  const at = hint.lockedUntil === undefined ? undefined : instantOrUndefined(hint.lockedUntil);
  if (at !== undefined && at > now) return { until: at, jitter, week, source: 'locked-until' };
  const open = window ? openWindowAt(now, window) : null;
  if (open) return { until: open.closesAt, jitter, week, source: 'publish-window' };
  return { until: now + options.fallbackMs, jitter, week, source: 'fallback' };
}

/** A deferral until the end of a lock already known on `week`. */
export function deferralUntil(
  week: string,
  until: number,
  options: Pick<DeferralOptions, 'jitterMs'>,
  random: () => number,
): Deferral {
  return { until, jitter: Math.floor(random() * options.jitterMs), week, source: 'locked-until' };
}

/** True when the configured window is open now: how a bare SCHEDULE_CONFLICT on an unchanged shift is read as a lock. */
export function windowOpen(now: number, window: PublishWindow | undefined): boolean {
  return window !== undefined && openWindowAt(now, window) !== null;
}

interface WeekLock {
  until: number;
  /** the end a release cut short: an answer of that same lock met afterwards does not lock the week again */
  released: number | undefined;
  refreshed: Promise<boolean> | undefined;
  /** the sleeps of the adjustments waiting on it: a release wakes them */
  sleepers: Set<AbortController>;
}

export class PublishLocks {
  readonly #weeks = new Map<string, WeekLock>();
  /** calls made to re-read weeks after their locks ended */
  refreshCalls = 0;

  constructor(
    private readonly list: (query: ShiftQuery) => Promise<Shift[]>,
    private readonly remember: (shifts: Shift[]) => void,
    private readonly businessUnit: { timeZone: string } | undefined,
    private readonly clock: Clock,
  ) {}

  lock(week: string | undefined, until: number): void {
    if (week === undefined) return;
    const known = this.#weeks.get(week);
    if (!known) {
      this.#weeks.set(week, { until, released: undefined, refreshed: undefined, sleepers: new Set() });
      return;
    }
    // A refusal from before a release, handled after it (a bulk answer that waited for a slot):
    // the lock it names is over, and must not hold the week again.
    if (known.released !== undefined && until <= known.released) return;
    if (known.until < until) {
      known.until = until;
      known.refreshed = undefined;
    }
  }

  /**
   * The WFM let it be known that the lock on `week` is over before its expected end (a
   * reschedule run announced Complete): it ends now, and everyone waiting on it wakes.
   */
  release(week: string): void {
    const lock = this.#weeks.get(week);
    const now = this.clock.now();
    if (!lock || lock.until <= now) return;
    lock.released = Math.max(lock.released ?? Number.NEGATIVE_INFINITY, lock.until);
    lock.until = now;
    for (const sleeper of lock.sleepers) sleeper.abort();
  }

  /**
   * Waits out a deferral: until the lock on its week ends — that one end, however many
   * deferrals moved it, or earlier when it is released — then the deferral's own jitter.
   */
  async wait(deferral: Deferral, signal: AbortSignal): Promise<void> {
    const week = deferral.week;
    for (;;) {
      const lock = week === undefined ? undefined : this.#weeks.get(week);
      const end = lock ? lock.until : deferral.until;
      const now = this.clock.now();
      if (end <= now) break;
      if (!lock) {
        await this.clock.sleep(end - now, signal);
        continue;
      }
      const sleeper = new AbortController();
      const onAbort = () => sleeper.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      lock.sleepers.add(sleeper);
      try {
        await this.clock.sleep(end - now, sleeper.signal);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (!sleeper.signal.aborted) throw err;
      } finally {
        lock.sleepers.delete(sleeper);
        signal.removeEventListener('abort', onAbort);
      }
    }
    if (deferral.jitter > 0) await this.clock.sleep(deferral.jitter, signal);
  }

  /** The instant a known lock on `week` ends, when it has not yet. */
  lockedUntil(week: string, now: number): number | undefined {
    const lock = this.#weeks.get(week);
    return lock && lock.until > now ? lock.until : undefined;
  }

  /**
   * After a lock on `week` ended: re-reads the week once (for everyone waiting on it) and
   * resolves true when the cache now holds post-publish versions; false when it cannot
   * (no business-unit zone configured to compute the week's bounds, or the read failed).
   */
  afterLock(week: string, now: number): Promise<boolean> {
    const lock = this.#weeks.get(week);
    if (!lock || lock.until > now) return Promise.resolve(false);
    lock.refreshed ??= this.#refresh(week);
    return lock.refreshed;
  }

  /** The end of the last lock known on `week`, when it has ended. */
  endedAt(week: string, now: number): number | undefined {
    const lock = this.#weeks.get(week);
    return lock && lock.until <= now ? lock.until : undefined;
  }

  /** Whether `week` had a lock that ended and was not re-read yet. */
  needsRefresh(week: string, now: number): boolean {
    const lock = this.#weeks.get(week);
    return lock !== undefined && lock.until <= now && lock.refreshed === undefined;
  }

  async #refresh(week: string): Promise<boolean> {
    if (!this.businessUnit) return false;
    // Week bounds are local to the business unit's zone (a week is 167 or 169 hours across DST).
    const { start, end } = scheduleWeekBounds(week, this.businessUnit.timeZone);
    try {
      this.refreshCalls++;
      this.remember(await this.list({ from: toWire(start), to: toWire(end) }));
      return true;
    } catch {
      return false;
    }
  }
}

function instantOrUndefined(value: string): number | undefined {
  try {
    return parseInstant(value);
  } catch {
    return undefined;
  }
}
