import type { Clock } from '../../../time/clock.js';
import { NotificationChannelsClosedError } from './errors.js';
import type { Settings } from './options.js';

/**
 * A lane's timers and its halt: every timer runs on the injected clock, and `stop()` cancels them
 * all and makes every call passed through `guard` reject with a ClosedError.
 */
export class LaneTimers {
  readonly #timers = new Set<AbortController>();
  readonly #halt = new AbortController();
  readonly #halted: Promise<never>;

  constructor(
    private readonly clock: Clock,
    /** the lane is stopping: a new timer ends at once, cancelled */
    private readonly stopping: () => boolean,
  ) {
    this.#halted = new Promise<never>((_, reject) => {
      this.#halt.signal.addEventListener('abort', () => reject(new NotificationChannelsClosedError()));
    });
    this.#halted.catch(() => {});
  }

  /** A timer on the clock that shutdown cancels: true when it ran out, false when cancelled. */
  async timer(ms: number, control = new AbortController()): Promise<boolean> {
    if (this.stopping()) return false;
    this.#timers.add(control);
    try {
      await this.clock.sleep(ms, control.signal);
      return !control.signal.aborted;
    } catch {
      return false;
    } finally {
      this.#timers.delete(control);
    }
  }

  async pause(ms: number): Promise<void> {
    if (!(await this.timer(ms))) throw new NotificationChannelsClosedError();
  }

  /** `p`, or a ClosedError as soon as the lane stops. */
  guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.#halted]);
  }

  /** Cancels every timer; every guarded call rejects from now on. */
  stop(): void {
    for (const t of this.#timers) t.abort();
    this.#timers.clear();
    this.#halt.abort();
  }
}

/** Full jitter: uniform in [0, min(cap, base · 2^attempt)). */
export function backoff(settings: Settings, random: () => number, attempt: number): number {
  const { reconnectBaseMs, reconnectCapMs } = settings;
  return random() * Math.min(reconnectCapMs, reconnectBaseMs * 2 ** Math.min(attempt, 30));
}
