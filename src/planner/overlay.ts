import { DAY_MS } from '../time/instant.js';
import type { ViewActivity, ViewShift } from './schedule-view.js';

/** What the planner has decided for one shift so far (target states, latest wins per field). */
export interface ShiftOverride {
  start?: number;
  end?: number;
  agentId?: string;
  /** ranges turned on-queue: [from, to, types] */
  onQueue?: Array<[number, number, string[]]>;
  /** event time after which the override is forgotten */
  forgetAfter: number;
}

/**
 * The planner's own earlier decisions, laid over what the WFM returns, so that a later
 * intent sees the shift as it will be (an extension already planned counts toward the
 * maximum shift length) even before the writer has applied it. Overrides are target
 * states, so laying one over a WFM copy that already shows it changes nothing.
 * Forgotten by event time (two days after the shift ends), never by wall clock.
 */
export class Overlay {
  private readonly overrides = new Map<string, ShiftOverride>();
  #version = 0;

  /** Changes whenever an override is recorded or forgotten (what the planner's view depends on). */
  get version(): number {
    return this.#version;
  }

  record(shiftId: string, change: Omit<ShiftOverride, 'forgetAfter'>, shiftEnd: number): void {
    const o = this.overrides.get(shiftId) ?? { forgetAfter: 0 };
    if (change.start !== undefined) o.start = change.start;
    if (change.end !== undefined) o.end = change.end;
    if (change.agentId !== undefined) o.agentId = change.agentId;
    if (change.onQueue) o.onQueue = [...(o.onQueue ?? []), ...change.onQueue];
    o.forgetAfter = Math.max(o.forgetAfter, Math.max(shiftEnd, o.end ?? 0) + 2 * DAY_MS);
    this.overrides.set(shiftId, o);
    this.#version++;
  }

  apply(s: ViewShift): ViewShift {
    const o = this.overrides.get(s.id);
    if (!o) return s;
    let activities: ViewActivity[] = s.activities;
    if (o.onQueue) {
      for (const [from, to, types] of o.onQueue) activities = toOnQueue(activities, from, to, types);
    }
    return {
      ...s,
      start: o.start ?? s.start,
      end: o.end ?? s.end,
      agentId: o.agentId ?? s.agentId,
      activities,
    };
  }

  /** Drops overrides of shifts long over, as seen from event time `now`. */
  prune(now: number): void {
    for (const [id, o] of this.overrides) {
      if (o.forgetAfter < now) {
        this.overrides.delete(id);
        this.#version++;
      }
    }
  }

  toJSON(): Array<[string, ShiftOverride]> {
    return [...this.overrides].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  static fromJSON(list: Array<[string, ShiftOverride]>): Overlay {
    const o = new Overlay();
    for (const [id, v] of list) o.overrides.set(id, v);
    return o;
  }
}

/** The activities with those of `types` inside [from, to) turned on-queue (split at the edges). */
export function toOnQueue(
  activities: readonly ViewActivity[],
  from: number,
  to: number,
  types: readonly string[],
): ViewActivity[] {
  const out: ViewActivity[] = [];
  for (const a of activities) {
    if (!types.includes(a.type) || a.end <= from || a.start >= to) {
      out.push(a);
      continue;
    }
    if (a.start < from) out.push({ type: a.type, start: a.start, end: from });
    out.push({ type: 'on-queue', start: Math.max(a.start, from), end: Math.min(a.end, to) });
    if (a.end > to) out.push({ type: a.type, start: to, end: a.end });
  }
  return out;
}
