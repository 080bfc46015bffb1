import type { Clock } from '../../../src/time/clock.js';

/**
 * A clock that runs at real speed and can also jump forward. Tests and the benchmark use
 * it for the writer while they move the sandbox's virtual clock by the same amount, so a
 * 30-minute publish window opens and closes in a moment: a jump wakes every sleeper whose
 * deadline it passes, and short sleeps (backoff, the rate limiter) still take real time.
 */
interface Sleeper {
  deadline: number;
  timer: NodeJS.Timeout;
  wake: () => void;
}

export class JumpClock implements Clock {
  #offset: number;
  readonly #sleepers = new Set<Sleeper>();

  constructor(start?: number) {
    this.#offset = start === undefined ? 0 : start - Date.now();
  }

  now(): number {
    return Date.now() + this.#offset;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper: Sleeper = {
        deadline: this.now() + Math.max(0, ms),
        timer: setTimeout(() => sleeper.wake(), Math.max(0, ms)),
        wake: () => {
          clearTimeout(sleeper.timer);
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        clearTimeout(sleeper.timer);
        this.#sleepers.delete(sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.add(sleeper);
    });
  }

  /** Jumps forward; sleepers whose deadline is passed wake, the others re-arm for what is left. */
  advance(ms: number): void {
    this.#offset += ms;
    const now = this.now();
    for (const s of [...this.#sleepers]) {
      if (s.deadline <= now) s.wake();
      else {
        clearTimeout(s.timer);
        s.timer = setTimeout(() => s.wake(), s.deadline - now);
      }
    }
  }

  /** Sleepers waiting now; lets a test see that the writer is parked, not spinning. */
  get sleeping(): number {
    return this.#sleepers.size;
  }
}
