import type { TrunkSample } from '../events/trunk-event.js';
import type { CompiledRuleSet, SeriesDef } from './compile.js';
import type { ScopeBy } from './schema.js';
import { ScopeState } from './scope-state.js';

/** Where one trunk's samples go: the series that see it, their scope keys and states. */
export interface Route {
  trunkGroup: string;
  region: string;
  site: string;
  labels: Readonly<Record<string, string>> | undefined;
  defs: readonly SeriesDef[];
  keys: string[];
  states: ScopeState[];
  /** the trunk's member slot in each multi-trunk scope state (a lookup hint) */
  slots: Int32Array;
}

/**
 * Rules indexed by scope: works out once per trunk which scope states its samples reach, and
 * adds to `scopes` (per series: scope key → state) the states it reaches for the first time.
 */
export function routeOf(
  rules: CompiledRuleSet,
  scopes: Array<Map<string, ScopeState>>,
  s: TrunkSample,
): Route {
  const defs = rules.route(s);
  const keys = defs.map((d) => keyOf(d.by, s));
  const states = defs.map((def, i) => {
    const map = scopes[def.index]!;
    let st = map.get(keys[i]!);
    if (st === undefined) {
      st = new ScopeState(def);
      map.set(keys[i]!, st);
    }
    return st;
  });
  return {
    trunkGroup: s.trunkGroup,
    region: s.region,
    site: s.site,
    labels: s.labels,
    defs,
    keys,
    states,
    slots: new Int32Array(defs.length).fill(-1),
  };
}

function keyOf(by: ScopeBy, s: TrunkSample): string {
  switch (by) {
    case 'trunk':
      return s.trunkId;
    case 'trunkGroup':
      return s.trunkGroup;
    case 'region':
      return s.region;
    case 'site':
      return s.site;
    case 'selector':
      return '*';
  }
}

export function sameLabels(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
) {
  if (a === b) return true;
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (a![k] !== b![k]) return false;
  return true;
}
