import type { Clock } from '../../time/clock.js';

/**
 * When an open slice is cut by time, epoch ms: once it is `intervalMs` old, also when no batch
 * comes any more; sooner once its partition is caught up (its last batch reached the high
 * watermark) and no batch came for `idleMs`. Each batch asks again, which pushes the idle cut
 * back, so a steady stream — always caught up, a batch every few milliseconds — still commits
 * once per interval, while a lull commits promptly. `reachedEnd`: the last batch brought a
 * partition that was behind to its end (a backlog read): then a slice at least `idleMs` old is
 * cut at once, as nothing more is waiting to be read; a steady stream never reaches its end
 * from behind, and one that hovers there is cut at most once per `idleMs`, as by the idle cut.
 */
export function cutDue(
  openedAt: number,
  caughtUp: boolean,
  now: number,
  intervalMs: number,
  idleMs: number,
  reachedEnd = false,
): number {
  const deadline = openedAt + intervalMs;
  if (!caughtUp) return deadline;
  if (reachedEnd && now - openedAt >= idleMs) return now;
  return Math.min(deadline, now + idleMs);
}

/** One wake-up on a clock. Armed again for the same time it stays; for another, it moves. */
export class Alarm {
  readonly #clock: Clock;
  #pending: AbortController | undefined;
  #due = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  arm(due: number, fire: () => void): void {
    if (this.#pending) {
      if (this.#due === due) return;
      this.#pending.abort();
    }
    this.#due = due;
    const pending = new AbortController();
    this.#pending = pending;
    this.#clock.sleep(Math.max(0, due - this.#clock.now()), pending.signal).then(
      () => {
        // cleared or moved after it woke, before this ran: it is not this one's turn
        if (this.#pending !== pending) return;
        this.#pending = undefined;
        fire();
      },
      () => {},
    );
  }

  clear(): void {
    this.#pending?.abort();
    this.#pending = undefined;
  }
}
