/**
 * kafkajs writes a line for every request a broker refuses, and a partition whose transaction
 * always fails (a record its topic refuses) is retried for ever: two error lines per attempt,
 * for as long as it lasts. The stage reports such a partition itself, once a minute
 * (progress-watch.ts); here an error entry that repeats one already written (same namespace,
 * message and error) within `everyMs` is written at debug, and the first one after that at
 * error again, saying how many were written at debug in between. Distinct errors are never
 * held back. Pure: the clock is passed in.
 */

export const KAFKAJS_REPEAT_DEFAULTS = {
  /** an identical error entry is written at error at most this often, milliseconds */
  everyMs: 60_000,
  /** entries remembered at most (the oldest are forgotten first) */
  remembered: 256,
} as const;

interface Seen {
  at: number;
  held: number;
}

export class RepeatedErrors {
  readonly #now: () => number;
  readonly #everyMs: number;
  readonly #remembered: number;
  readonly #seen = new Map<string, Seen>();

  constructor(o: { now: () => number; everyMs?: number; remembered?: number }) {
    this.#now = o.now;
    this.#everyMs = o.everyMs ?? KAFKAJS_REPEAT_DEFAULTS.everyMs;
    this.#remembered = o.remembered ?? KAFKAJS_REPEAT_DEFAULTS.remembered;
  }

  /**
   * An error entry about to be written: whether at error (with how many like it went to debug
   * since the last one) or at debug, as a repeat.
   */
  error(key: string): { repeat: false; heldBack: number } | { repeat: true } {
    const now = this.#now();
    const seen = this.#seen.get(key);
    if (seen && now - seen.at < this.#everyMs) {
      seen.held++;
      return { repeat: true };
    }
    const heldBack = seen?.held ?? 0;
    this.#seen.delete(key);
    this.#seen.set(key, { at: now, held: 0 });
    if (this.#seen.size > this.#remembered) this.#seen.delete(this.#seen.keys().next().value as string);
    return { repeat: false, heldBack };
  }
}
