/**
 * Bounded parallelism: at most `limit` holders at once. Waiters are served in arrival
 * order, except that work already under way (an adjustment coming back from a bulk request
 * or a publish-window wait) goes before work not yet begun: otherwise, with a deep queue, a
 * started adjustment would queue behind everything submitted after it and run out of its
 * time budget waiting for a slot.
 */
export class Semaphore {
  #free: number;
  readonly #first: Array<() => void> = [];
  readonly #waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
    this.#free = limit;
  }

  async acquire(resuming = false): Promise<void> {
    if (this.#free > 0 && this.#waiters.length === 0 && this.#first.length === 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => (resuming ? this.#first : this.#waiters).push(resolve));
  }

  release(): void {
    const next = this.#first.shift() ?? this.#waiters.shift();
    if (next) next();
    else this.#free = Math.min(this.limit, this.#free + 1);
  }

  get inUse(): number {
    return this.limit - this.#free;
  }
}
