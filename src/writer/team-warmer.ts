import type { Adjustment } from '../planner/adjustment.js';
import type { Clock } from '../time/clock.js';
import { DAY_MS, parseInstant, toWire } from '../time/instant.js';
import type { ShiftQuery } from '../wfm/adapter.js';
import type { Shift } from '../wfm/contract.js';

export interface TeamWarmerOptions {
  /** how long one list of a team's day serves before a miss lists it again, milliseconds */
  ttlMs: number;
}

export const DEFAULT_TEAM_WARMER: TeamWarmerOptions = { ttlMs: 60_000 };

/**
 * Fills the version cache with a team's shifts around an adjustment, so that most first
 * writes go out on a cached version with no read before them: one list per team and UTC
 * day (and per `ttlMs`) instead of one read per shift. The adjustments of a surge come
 * from one rule acting on one team around one moment, so a list serves many of them.
 *
 * The day is the adjustment's own instant — the target of an update's mutation, which lies
 * in the shift it changes, or a swap's trigger time — and the list spans the day before to
 * the day after it, as a shift is at most a day long. Concurrent misses of one team's day
 * wait for the same list. A list that fails is not retried here: the writer then reads the
 * shift itself, as without a warmer.
 */
export class TeamWarmer {
  readonly #listed = new Map<string, { at: number; done: Promise<void> }>();
  /** list calls made */
  calls = 0;

  constructor(
    private readonly list: (query: ShiftQuery) => Promise<Shift[]>,
    private readonly remember: (shifts: Shift[]) => void,
    private readonly clock: Clock,
    private readonly options: TeamWarmerOptions = DEFAULT_TEAM_WARMER,
  ) {}

  warm(adjustment: Adjustment): Promise<void> {
    const at = instantOf(adjustment);
    const day = Math.floor(at / DAY_MS) * DAY_MS;
    const key = `${adjustment.teamId}|${day}`;
    const now = this.clock.now();
    const known = this.#listed.get(key);
    if (known && now - known.at < this.options.ttlMs) return known.done;
    this.calls++;
    const done = this.list({
      teamId: adjustment.teamId,
      from: toWire(day - DAY_MS),
      to: toWire(day + 2 * DAY_MS),
    }).then(this.remember, () => {});
    this.#listed.set(key, { at: now, done });
    if (this.#listed.size > 10_000) this.#forgetOld(now);
    return done;
  }

  #forgetOld(now: number): void {
    for (const [key, entry] of this.#listed) {
      if (now - entry.at >= this.options.ttlMs) this.#listed.delete(key);
    }
  }
}

function instantOf(a: Adjustment): number {
  if (a.kind === 'swap') return parseInstant(a.createdAt);
  const m = a.mutation;
  return parseInstant(m.kind === 'set-end' ? m.end : m.kind === 'set-start' ? m.start : m.from);
}
