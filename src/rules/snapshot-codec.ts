import type { TrunkSample } from '../events/trunk-event.js';
import type { SeriesDef } from './compile.js';
import type { EngineSnapshot, SampleTuple } from './engine-snapshot.js';
import { RuleState } from './rule-state.js';
import { ScopeState } from './scope-state.js';
import { SlidingWindow } from './sliding-window.js';

export function restoreScope(
  def: SeriesDef,
  k: EngineSnapshot['series'][number]['keys'][number],
): ScopeState {
  const st = new ScopeState(def);
  if (k.members) st.restoreMembers(k.members);
  def.windows.forEach((w, i) => {
    const ws = k.windows.find((x) => x.signature === w.signature);
    if (ws) st.windows[i] = SlidingWindow.fromJSON(w.spanMs, w.needs, ws);
  });
  def.rules.forEach((r, j) => {
    const rs = k.rules.find((x) => x.id === r.id && x.fingerprint === r.fingerprint);
    if (rs) st.rules[j] = RuleState.fromJSON(rs.state);
  });
  return st;
}

export function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

export function toTuple(s: TrunkSample): SampleTuple {
  return [
    s.trunkId,
    s.trunkGroup,
    s.region,
    s.site,
    s.labels ? { ...s.labels } : null,
    s.time,
    s.activeCalls,
    s.capacity,
  ];
}

export function fromTuple(t: SampleTuple): TrunkSample {
  return {
    trunkId: t[0],
    trunkGroup: t[1],
    region: t[2],
    site: t[3],
    labels: t[4] ?? undefined,
    time: t[5],
    activeCalls: t[6],
    capacity: t[7],
    utilization: t[6] / t[7],
  };
}
