import type { Clock } from '../../time/clock.js';
import { openWindowAt, type PublishWindow } from '../../time/publish-window.js';
import type { RescheduleRuns } from './reschedule-runs.js';

/**
 * The weeks this backend told the writer locked by a reschedule run. The lock was given a
 * fixed end (`uploads.runLockRetryMs`), since a run says not when it will end; when the run is
 * heard to end, each such week over a schedule no run holds any more is told ended, so that
 * the changes deferred on it go at once. Not while the publish window is open: that lock
 * ends with the window.
 */
export class RunLocks {
  readonly #weeks = new Map<string, string>();
  readonly #listeners: Array<(week: string) => void> = [];

  constructor(
    private readonly runs: RescheduleRuns,
    private readonly clock: Clock,
    private readonly publishWindow: PublishWindow | undefined,
  ) {
    runs.onEnded(() => this.#ended());
  }

  /** `week` of schedule `scheduleId` was told locked by a run. */
  told(week: string, scheduleId: string): void {
    this.#weeks.set(week, scheduleId);
  }

  onEnd(listener: (week: string) => void): void {
    this.#listeners.push(listener);
  }

  #ended(): void {
    if (this.publishWindow && openWindowAt(this.clock.now(), this.publishWindow)) return;
    for (const [week, scheduleId] of this.#weeks) {
      if (this.runs.anyOver(scheduleId)) continue;
      this.#weeks.delete(week);
      for (const l of this.#listeners) l(week);
    }
  }
}
