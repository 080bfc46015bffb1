import type { InstanceSample } from './trunk-wire.js';

/**
 * Turns trunk-instance samples into trunk-base samples: the calls of every edge's instance of a
 * base at one eventTime, summed. Pure: the caller passes the time and sends what comes out.
 *
 * A base's sample for an eventTime goes out as soon as every instance the base has reported that
 * eventTime, or once `waitMs` has passed since its first instance did, with what it has then: the
 * instances that reported, and each one that did not carried at its calls in the base's previous
 * sample (0 for an instance never heard from). It goes out once: the same instance and eventTime
 * heard again (a notification and a REST read of it, two sockets around a handover) is a
 * duplicate, and a sample at or before an eventTime already sent for the base is refused, so a
 * base's samples leave strictly in eventTime order. Sending a base's sample first sends every
 * older one still waiting, with what it has.
 */
export interface BaseSample {
  baseId: string;
  /** epoch milliseconds: the eventTime the instances reported */
  time: number;
  activeCalls: number;
  /** instances whose own sample for `time` is in the sum; the rest were carried */
  reported: number;
  /** instances the base has */
  instances: number;
}

/**
 * What became of an instance sample: held until its base's other instances report (`pending`),
 * sent with its base's sample (`sent`), already held (`duplicate`), older than what was sent for
 * its base (`stale`), or from an instance of no known base (`unknown-instance`).
 */
export type InstanceOutcome = 'pending' | 'sent' | 'duplicate' | 'stale' | 'unknown-instance';

/** One eventTime of a base: the instances heard so far and their calls, side by side (a base has a few). */
interface Group {
  time: number;
  ids: string[];
  calls: number[];
  dueAt: number;
}

function callsOf(g: Group, id: string): number | undefined {
  const i = g.ids.indexOf(id);
  return i < 0 ? undefined : g.calls[i];
}

interface BaseState {
  id: string;
  instances: Set<string>;
  /** eventTime of the newest sample sent; -Infinity before the first */
  sentUpTo: number;
  /** each instance's calls in the newest sample sent, carried into a sample it misses */
  lastCalls: Map<string, number>;
  /** waiting samples, oldest eventTime first */
  pending: Group[];
}

/**
 * A waiting sample is usually complete within milliseconds (a base's instances report one after
 * the other), so nothing else holds it: a base with samples waiting is in `#waiting`, and the due
 * times are found by scanning those bases only. Keeping every sample in a queue of due times
 * instead would keep thousands a second alive for the whole wait, for the old generation to collect.
 */
export class BaseSampleAssembler {
  readonly #bases = new Map<string, BaseState>();
  /** bases with at least one sample waiting */
  readonly #waiting = new Set<BaseState>();
  #pending = 0;

  constructor(readonly waitMs: number) {
    if (!(waitMs >= 0)) throw new RangeError(`waitMs must be 0 or more, got ${waitMs}`);
  }

  /** instance samples held, waiting for their base's other instances */
  get pendingSamples(): number {
    return this.#pending;
  }

  /** The base's instances now; a waiting sample the change completes is sent into `out`. */
  setInstances(baseId: string, ids: Iterable<string>, out: BaseSample[]): void {
    const st = this.#bases.get(baseId) ?? {
      id: baseId,
      instances: new Set<string>(),
      sentUpTo: Number.NEGATIVE_INFINITY,
      lastCalls: new Map<string, number>(),
      pending: [],
    };
    this.#bases.set(baseId, st);
    st.instances = new Set(ids);
    for (const id of [...st.lastCalls.keys()]) if (!st.instances.has(id)) st.lastCalls.delete(id);
    for (let i = st.pending.length - 1; i >= 0; i--) {
      if (this.#complete(st, st.pending[i]!)) {
        this.#sendUpTo(st, st.pending[i]!.time, out);
        break;
      }
    }
  }

  /** The base is gone from the org: what it still holds is sent with what it has, then it is forgotten. */
  removeBase(baseId: string, out: BaseSample[]): void {
    const st = this.#bases.get(baseId);
    if (!st) return;
    const newest = st.pending.at(-1);
    if (newest) this.#sendUpTo(st, newest.time, out);
    this.#bases.delete(baseId);
    this.#waiting.delete(st);
  }

  /** The eventTime of the newest sample sent for the base, if any. */
  sentUpTo(baseId: string): number | undefined {
    const t = this.#bases.get(baseId)?.sentUpTo;
    return t === undefined || t === Number.NEGATIVE_INFINITY ? undefined : t;
  }

  add(baseId: string, s: InstanceSample, now: number, out: BaseSample[]): InstanceOutcome {
    const st = this.#bases.get(baseId);
    if (!st?.instances.has(s.instanceId)) return 'unknown-instance';
    if (s.time <= st.sentUpTo) return s.time === st.sentUpTo ? 'duplicate' : 'stale';
    let at = st.pending.length;
    while (at > 0 && st.pending[at - 1]!.time > s.time) at--;
    let group = at > 0 && st.pending[at - 1]!.time === s.time ? st.pending[at - 1] : undefined;
    if (!group) {
      group = { time: s.time, ids: [], calls: [], dueAt: now + this.waitMs };
      st.pending.splice(at, 0, group);
      this.#waiting.add(st);
    } else if (group.ids.includes(s.instanceId)) return 'duplicate';
    group.ids.push(s.instanceId);
    group.calls.push(s.calls);
    this.#pending++;
    if (!this.#complete(st, group)) return 'pending';
    this.#sendUpTo(st, group.time, out);
    return 'sent';
  }

  /** Sends every sample whose wait has run out by `now`. */
  due(now: number, out: BaseSample[]): void {
    for (const st of this.#waiting) {
      let upTo: number | undefined;
      for (const g of st.pending) if (g.dueAt <= now) upTo = g.time;
      if (upTo !== undefined) this.#sendUpTo(st, upTo, out);
    }
  }

  /** When the next waiting sample is due, if any waits. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const st of this.#waiting)
      for (const g of st.pending) if (next === undefined || g.dueAt < next) next = g.dueAt;
    return next;
  }

  #complete(st: BaseState, g: Group): boolean {
    if (g.ids.length < st.instances.size) return false;
    for (const id of st.instances) if (!g.ids.includes(id)) return false;
    return true;
  }

  /** Sends, oldest first, every waiting sample of the base up to and including `time`. */
  #sendUpTo(st: BaseState, time: number, out: BaseSample[]): void {
    while (st.pending.length > 0 && st.pending[0]!.time <= time) {
      const g = st.pending.shift()!;
      this.#pending -= g.ids.length;
      let activeCalls = 0;
      let reported = 0;
      for (const id of st.instances) {
        const own = callsOf(g, id);
        if (own !== undefined) reported++;
        activeCalls += own ?? st.lastCalls.get(id) ?? 0;
      }
      // every instance that reported it has left the base since: nothing to send
      if (reported === 0) continue;
      for (const id of st.instances) {
        const own = callsOf(g, id);
        if (own !== undefined) st.lastCalls.set(id, own);
      }
      st.sentUpTo = g.time;
      out.push({ baseId: st.id, time: g.time, activeCalls, reported, instances: st.instances.size });
    }
    if (st.pending.length === 0) this.#waiting.delete(st);
  }
}
