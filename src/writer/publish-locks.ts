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
 * (the publish job bumped every version in it) instead of one read per adjustment.
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
  until: number;
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
    return { until: now + hint.retryAfterMs + jitter, week, source: 'retry-after' };
  const at = hint.lockedUntil === undefined ? undefined : instantOrUndefined(hint.lockedUntil);
  if (at !== undefined && at > now) return { until: at + jitter, week, source: 'locked-until' };
  const open = window ? openWindowAt(now, window) : null;
  if (open) return { until: open.closesAt + jitter, week, source: 'publish-window' };
  return { until: now + options.fallbackMs + jitter, week, source: 'fallback' };
}

/** True when the configured window is open now: how a bare SCHEDULE_CONFLICT on an unchanged shift is read as a lock. */
export function windowOpen(now: number, window: PublishWindow | undefined): boolean {
  return window !== undefined && openWindowAt(now, window) !== null;
}

interface WeekLock {
  until: number;
  refreshed: Promise<boolean> | undefined;
}

export class PublishLocks {
  readonly #weeks = new Map<string, WeekLock>();
  /** calls made to re-read weeks after their locks ended */
  refreshCalls = 0;

  constructor(
    private readonly list: (query: ShiftQuery) => Promise<Shift[]>,
    private readonly remember: (shifts: Shift[]) => void,
    private readonly businessUnit: { timeZone: string } | undefined,
  ) {}

  lock(week: string | undefined, until: number): void {
    if (week === undefined) return;
    const known = this.#weeks.get(week);
    if (!known || known.until < until) this.#weeks.set(week, { until, refreshed: undefined });
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
