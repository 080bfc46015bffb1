import type { Timeline } from '../sandbox/genesys-cloud/trunk-timeline.js';

/** The trunk scenario's samples of one minute of event time, published together. */
export interface TrunkTick {
  /** the newest eventTime in it, epoch ms: the sandbox's clock while it is processed */
  time: number;
  /** timeline entries in it: samples of a trunk base, each published once per instance */
  entries: number;
  /** trunk base events the bridge makes of them: a (trunk, eventTime) not published before */
  events: number;
  /** every trunk in it has at most one sample: its latest, which REST gives back */
  onePerTrunk: boolean;
}

const MINUTE_MS = 60_000;

/** The timeline cut into minutes of event time, in its (eventTime) order. */
export function trunkTicks(t: Timeline): TrunkTick[] {
  const out: Array<TrunkTick & { minute: number; trunks: Set<number> }> = [];
  const newest = new Map<number, number>();
  for (let i = 0; i < t.length; i++) {
    const e = t.at(i);
    const minute = Math.floor(e.time / MINUTE_MS);
    let tick = out.at(-1);
    if (tick === undefined || tick.minute !== minute) {
      tick = { minute, time: e.time, entries: 0, events: 0, onePerTrunk: true, trunks: new Set() };
      out.push(tick);
    }
    tick.time = Math.max(tick.time, e.time);
    tick.entries++;
    if (tick.trunks.has(e.trunk)) tick.onePerTrunk = false;
    tick.trunks.add(e.trunk);
    if (e.time > (newest.get(e.trunk) ?? Number.NEGATIVE_INFINITY)) {
      newest.set(e.trunk, e.time);
      tick.events++;
    }
  }
  return out.map(({ time, entries, events, onePerTrunk }) => ({ time, entries, events, onePerTrunk }));
}

/**
 * The tick published while the bridge's socket is down: the first past a third of the story
 * whose trunks each have one sample, so the REST read after the reconnect gives back every
 * sample the socket missed. Undefined when no tick qualifies.
 */
export function dropTick(ticks: readonly TrunkTick[]): number | undefined {
  const from = Math.floor(ticks.length / 3);
  const i = ticks.findIndex((t, j) => j >= from && t.onePerTrunk && t.entries > 1);
  return i < 0 ? undefined : i;
}
