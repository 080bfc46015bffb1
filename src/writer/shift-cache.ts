import type { Shift } from '../wfm/contract.js';

/**
 * The last copy of each shift the writer has seen: from a warm-up list, a read, a write's
 * answer, a 409's current shift or a swap result. A write is first tried on the cached
 * version; when that is stale the WFM says so (409 with the current shift) and the intent
 * is re-applied. So a fresh cache costs one call per adjustment, a stale entry two — the
 * same as reading first, without the read in the common case.
 *
 * A copy never replaces a newer one (versions only grow). Least-recently-used entries go
 * first when the cache is full.
 */
export class ShiftCache {
  readonly #shifts = new Map<string, Shift>();

  constructor(readonly maxShifts = 100_000) {}

  get(id: string): Shift | undefined {
    const s = this.#shifts.get(id);
    if (s) {
      this.#shifts.delete(id);
      this.#shifts.set(id, s);
    }
    return s;
  }

  remember(shift: Shift): void {
    const known = this.#shifts.get(shift.id);
    if (known && known.version > shift.version) return;
    this.#shifts.delete(shift.id);
    this.#shifts.set(shift.id, shift);
    if (this.#shifts.size > this.maxShifts) this.#shifts.delete(this.#shifts.keys().next().value!);
  }

  forget(id: string): void {
    this.#shifts.delete(id);
  }

  get size(): number {
    return this.#shifts.size;
  }
}
