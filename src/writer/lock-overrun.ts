import type { Logger } from 'pino';
import { toWire } from '../time/instant.js';
import { type PublishWindow, windowsOpeningBetween } from '../time/publish-window.js';
import type { Deferral } from './publish-locks.js';

/**
 * A publish lock that runs past its window. The configured window is a guess: real WFMs
 * publish late and long, and a WFM that answers a bare 409 without Retry-After gives no
 * other sign of its lock. A conflict the writer cannot explain (version unchanged, no
 * shift in the way) on a week whose lock ended a short while ago — the configured
 * window's last close, or a lock the WFM reported — is read as that lock running late: the
 * adjustment is deferred with a growing pause, not rejected. The horizon bounds it: past
 * `overrunMaxMs` after the lock's expected end the conflict is no longer blamed on the lock.
 */
export interface LockOverrunOptions {
  /** how long after a lock's expected end a conflict nobody can explain is still read as that lock, milliseconds */
  overrunMaxMs: number;
  /** first pause before knocking again on a week whose lock runs late, milliseconds */
  overrunBaseMs: number;
  /** largest such pause, milliseconds */
  overrunCapMs: number;
  /** spread the knocks over this many milliseconds, so the week's writers don't stampede */
  jitterMs: number;
}

interface Overrun {
  /** when the lock was expected to end */
  expectedEnd: number;
  /** rounds of knocking so far: the pause doubles with each */
  knocks: number;
  /** when the current round's writers knock again */
  until: number;
}

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

export class LockOverruns {
  readonly #weeks = new Map<string, Overrun>();

  constructor(
    private readonly window: PublishWindow | undefined,
    private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined,
  ) {}

  /**
   * A deferral for a conflict on `week` that a fresh read could not explain, when the
   * week's lock may be running late; undefined when it may not (no lock ended within the
   * horizon), and the caller treats the conflict as unexplained. `reportedEnd` is the end of
   * a lock the WFM reported on the week, if any.
   */
  defer(
    week: string | undefined,
    now: number,
    reportedEnd: number | undefined,
    o: LockOverrunOptions,
    random: () => number,
  ): Deferral | undefined {
    if (week === undefined) return undefined;
    let overrun = this.#weeks.get(week);
    if (!overrun) {
      const expectedEnd = Math.max(reportedEnd ?? -Infinity, this.#lastClose(now) ?? -Infinity);
      if (!(expectedEnd <= now && now - expectedEnd <= o.overrunMaxMs)) return undefined;
      overrun = { expectedEnd, knocks: 0, until: now };
      this.#weeks.set(week, overrun);
      this.logger?.warn(
        { week, expectedEnd: toWire(expectedEnd), overrunMaxMs: o.overrunMaxMs },
        'the WFM still refuses writes into the week after its publish lock was expected to end; deferring them with back-off until it accepts them',
      );
    } else if (now - overrun.expectedEnd > o.overrunMaxMs) {
      return undefined;
    }
    // The week's writers that meet the lock in one round wait for the same next round, so
    // the pause grows per round, not per adjustment.
    if (now >= overrun.until) {
      const pause = Math.min(o.overrunCapMs, o.overrunBaseMs * 2 ** Math.min(overrun.knocks, 30));
      overrun.knocks++;
      overrun.until = Math.max(now, Math.min(now + pause, overrun.expectedEnd + o.overrunMaxMs));
    }
    return { until: overrun.until, jitter: Math.floor(random() * o.jitterMs), week, source: 'overrun' };
  }

  /** A write into `week` succeeded: a lock that ran late has ended, and the operator hears when. */
  wrote(week: string, now: number): void {
    const overrun = this.#weeks.get(week);
    if (!overrun) return;
    this.#weeks.delete(week);
    this.logger?.warn(
      {
        week,
        expectedEnd: toWire(overrun.expectedEnd),
        observedEnd: toWire(now),
        lateByMinutes: Math.round((now - overrun.expectedEnd) / 60_000),
      },
      'the publish lock lasted longer than configured: it ended by the observed end; raise publishWindow.durationMinutes to match',
    );
  }

  /** The last close of the configured window at or before `now`. */
  #lastClose(now: number): number | undefined {
    if (!this.window) return undefined;
    let last: number | undefined;
    for (const occ of windowsOpeningBetween(now - WEEK_MS - HOUR_MS, now, this.window)) {
      if (occ.closesAt <= now) last = occ.closesAt;
    }
    return last;
  }
}
