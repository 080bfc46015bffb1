import type { Clock } from '../../../src/time/clock.js';

/** A clock that moves only when told: sleepers wake when `advance` passes their deadline. */
export class ManualClock implements Clock {
  #now: number;
  readonly #sleepers: Array<{ at: number; wake: () => void }> = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const entry = { at: this.#now + Math.max(0, ms), wake: resolve };
      this.#sleepers.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers.splice(this.#sleepers.indexOf(entry), 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward in steps, letting woken work run between them. */
  async advance(ms: number, stepMs = ms): Promise<void> {
    const target = this.#now + ms;
    // Work already woken runs at the time it was woken, before time moves on.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    while (this.#now < target) {
      this.#now = Math.min(target, this.#now + stepMs);
      for (const s of this.#sleepers.filter((x) => x.at <= this.#now)) {
        this.#sleepers.splice(this.#sleepers.indexOf(s), 1);
        s.wake();
      }
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
  }
}
