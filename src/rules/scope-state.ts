import type { TrunkSample } from '../events/trunk-event.js';
import type { SeriesDef } from './compile.js';
import { MemberSums } from './member-sums.js';
import { RuleState } from './rule-state.js';
import { SlidingWindow } from './sliding-window.js';

/**
 * Everything the engine keeps for one scope key of one series (e.g. trunk group
 * sg-byoc): its windows and the state of each rule on it.
 *
 * A scope of several trunks is treated as one big trunk whose value at any moment is
 * the sum of its members' latest samples: activeCalls and capacity are the members'
 * sums and utilization is their ratio. Every member sample adds a point to the scope's
 * windows. A trunk that stops reporting stops counting `memberStaleAfter` after its
 * last sample, so a dead exporter cannot pin a group's utilization.
 */
export class ScopeState {
  readonly windows: SlidingWindow[];
  readonly rules: RuleState[];
  /** utilization, activeCalls, capacity of the scope at the newest point */
  readonly point = new Float64Array(3);
  private readonly members: MemberSums | null;

  constructor(def: SeriesDef) {
    this.windows = def.windows.map((w) => new SlidingWindow(w.spanMs, w.needs));
    this.rules = def.rules.map(() => new RuleState());
    this.members = def.by === 'trunk' ? null : new MemberSums();
  }

  /**
   * Folds one sample in and pushes the scope's new point into every window. Returns the
   * trunk's member slot, which the caller may pass back as `hint` next time.
   */
  ingest(s: TrunkSample, def: SeriesDef, staleAfterMs: number, hint = -1): number {
    let slot = -1;
    const p = this.point;
    const m = this.members;
    if (m === null) {
      p[0] = s.utilization;
      p[1] = s.activeCalls;
      p[2] = s.capacity;
    } else {
      m.expire(s.time - staleAfterMs);
      slot = m.update(s.trunkId, s.time, s.activeCalls, s.capacity, hint);
      p[0] = m.sumActive / m.sumCapacity;
      p[1] = m.sumActive;
      p[2] = m.sumCapacity;
    }
    const ws = this.windows;
    const defs = def.windows;
    for (let i = 0; i < ws.length; i++) ws[i]!.push(s.time, p[defs[i]!.metricIndex]!);
    return slot;
  }

  membersSnapshot(): Array<[string, number, number, number]> | null {
    return this.members === null ? null : this.members.toJSON();
  }

  restoreMembers(list: ReadonlyArray<readonly [string, number, number, number]>): void {
    if (this.members === null) return;
    for (const [id, time, activeCalls, capacity] of list)
      this.members.update(id, time, activeCalls, capacity);
  }
}
