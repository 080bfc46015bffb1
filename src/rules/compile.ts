import type { TrunkSample } from '../events/trunk-event.js';
import { fingerprint } from './canonical.js';
import { parseDuration } from './duration.js';
import { DuringCalendar } from './during.js';
import { type ResolvedGuardrails, resolveGuardrails } from './guardrail-defaults.js';
import type { ActionSpec } from './intent.js';
import { buildCondition, type ConditionNode, compilePredicate, type Predicate } from './predicate.js';
import type { Action, Metric, RulesFile, ScopeBy } from './schema.js';
import { compileSelector, normalizeSelector, type SampleMatcher } from './selector.js';
import type { WindowNeeds } from './sliding-window.js';

/** One (metric, window length) a series keeps per scope key, shared by every rule that reads it. */
export interface WindowDef {
  slot: number;
  metric: Metric;
  /** 0 utilization, 1 activeCalls, 2 capacity: index into a scope's current point */
  metricIndex: number;
  spanMs: number;
  needs: WindowNeeds;
  signature: string;
}

/**
 * A series is "events matching `where`, aggregated per `by`". Rules with the same scope
 * share one series, and so share its windows: ten rules on the same group's 5-minute
 * average cost one running sum, not ten.
 */
export interface SeriesDef {
  index: number;
  signature: string;
  by: ScopeBy;
  matches: SampleMatcher;
  usesLabels: boolean;
  windows: WindowDef[];
  rules: CompiledRule[];
}

export interface CompiledRule {
  id: string;
  /** position in the file */
  index: number;
  /** position within its series' rule list */
  slot: number;
  /** digest of what decides firing (scope, when, for, keepFiringFor, during): state survives reloads that keep it */
  fingerprint: string;
  series: SeriesDef;
  condition: ConditionNode;
  fire: Predicate;
  hold: Predicate;
  forMs: number;
  keepFiringForMs: number;
  cooldownMs: number;
  repeatEveryMs: number;
  during: DuringCalendar | null;
  action: ActionSpec;
  guardrails: ResolvedGuardrails;
}

export interface CompiledRuleSet {
  /** digest of the whole validated file */
  fingerprint: string;
  allowedLatenessMs: number;
  memberStaleAfterMs: number;
  rules: CompiledRule[];
  series: SeriesDef[];
  /** which series an event reaches; cached per trunk */
  route(s: TrunkSample): readonly SeriesDef[];
}

const METRIC_INDEX: Record<Metric, number> = { utilization: 0, activeCalls: 1, capacity: 2 };

/** Turns a validated rules file into closures and tables. Pure: same file, same result. */
export function compileRules(file: RulesFile): CompiledRuleSet {
  const seriesBySig = new Map<string, SeriesDef>();
  const rules: CompiledRule[] = [];
  file.rules.forEach((rule, index) => {
    if (!rule.enabled) return;
    const sigData = { by: rule.scope.by, where: normalizeSelector(rule.scope.where) };
    const signature = JSON.stringify(sigData);
    let series = seriesBySig.get(signature);
    if (!series) {
      series = {
        index: seriesBySig.size,
        signature,
        by: rule.scope.by,
        matches: compileSelector(rule.scope.where),
        usesLabels: rule.scope.where?.labels !== undefined,
        windows: [],
        rules: [],
      };
      seriesBySig.set(signature, series);
    }
    const s = series;
    const slotFor = (metric: Metric, spanMs: number, aggregate: string): number => {
      const sig = `${metric}:${spanMs}`;
      let w = s.windows.find((x) => x.signature === sig);
      if (!w) {
        w = {
          slot: s.windows.length,
          metric,
          metricIndex: METRIC_INDEX[metric],
          spanMs,
          needs: { max: false, min: false, p95: false },
          signature: sig,
        };
        s.windows.push(w);
      }
      if (aggregate === 'max' || aggregate === 'min' || aggregate === 'p95') w.needs[aggregate] = true;
      return w.slot;
    };
    const condition = buildCondition(rule.when, slotFor);
    const zone = rule.during?.zone ?? file.defaults.zone;
    const compiled: CompiledRule = {
      id: rule.id,
      index,
      slot: s.rules.length,
      fingerprint: fingerprint({
        scope: sigData,
        when: rule.when,
        for: rule.for,
        keepFiringFor: rule.keepFiringFor,
        during: rule.during ? { ...rule.during, zone } : null,
      }),
      series: s,
      condition,
      fire: compilePredicate(condition, false),
      hold: compilePredicate(condition, true),
      forMs: ms(rule.for),
      keepFiringForMs: ms(rule.keepFiringFor),
      cooldownMs: ms(rule.cooldown),
      repeatEveryMs: rule.repeatEvery === undefined ? 0 : ms(rule.repeatEvery),
      during: rule.during && zone ? new DuringCalendar(zone, rule.during.windows) : null,
      action: actionSpec(rule.action),
      guardrails: resolveGuardrails(file.defaults.guardrails, rule.guardrails),
    };
    s.rules.push(compiled);
    rules.push(compiled);
  });
  const series = [...seriesBySig.values()];
  return {
    fingerprint: fingerprint(file),
    allowedLatenessMs: ms(file.engine.allowedLateness),
    memberStaleAfterMs: ms(file.engine.memberStaleAfter),
    rules,
    series,
    route: makeRouter(series),
  };
}

function ms(d: string): number {
  return parseDuration(d)!;
}

function actionSpec(a: Action): ActionSpec {
  if (a.extend) {
    const x = a.extend;
    return {
      kind: 'extend',
      team: x.team,
      byMs: ms(x.by),
      endingWithinMs: ms(x.endingWithin),
      maxAgents: x.maxAgents,
      order: x.order,
    };
  }
  if (a.shorten) {
    const x = a.shorten;
    return {
      kind: 'shorten',
      team: x.team,
      byMs: ms(x.by),
      trim: x.trim,
      startingWithinMs: ms(x.startingWithin),
      maxAgents: x.maxAgents,
      order: x.order,
    };
  }
  if (a.pullForward) {
    const x = a.pullForward;
    return {
      kind: 'pull-forward',
      team: x.team,
      byMs: ms(x.by),
      startingWithinMs: ms(x.startingWithin),
      maxAgents: x.maxAgents,
      order: x.order,
    };
  }
  if (a.toOnQueue) {
    const x = a.toOnQueue;
    return {
      kind: 'to-on-queue',
      team: x.team,
      withinMs: ms(x.within),
      types: x.types,
      maxAgents: x.maxAgents,
      order: x.order,
    };
  }
  const x = a.swap!;
  return {
    kind: 'swap',
    team: x.team,
    donorTeam: x.donorTeam,
    startingWithinMs: ms(x.startingWithin),
    minNoticeMs: ms(x.minNotice),
    laterWithinMs: ms(x.laterWithin),
    maxLengthDifferenceMs: ms(x.maxLengthDifference),
    maxPairs: x.maxPairs,
  };
}

interface RouteEntry {
  trunkGroup: string;
  region: string;
  site: string;
  labels: Readonly<Record<string, string>> | undefined;
  series: SeriesDef[];
}

/**
 * Rules indexed by scope: which series an event reaches depends only on its trunk's
 * identity (group, region, site, labels), so it is worked out once per trunk and
 * re-checked with a few string compares. An event touches only the rules that can see it.
 */
function makeRouter(series: SeriesDef[]): (s: TrunkSample) => readonly SeriesDef[] {
  const cache = new Map<string, RouteEntry>();
  const anyLabels = series.some((s) => s.usesLabels);
  return (s) => {
    const hit = cache.get(s.trunkId);
    if (
      hit !== undefined &&
      hit.trunkGroup === s.trunkGroup &&
      hit.region === s.region &&
      hit.site === s.site &&
      (!anyLabels || sameLabels(hit.labels, s.labels))
    ) {
      return hit.series;
    }
    const entry: RouteEntry = {
      trunkGroup: s.trunkGroup,
      region: s.region,
      site: s.site,
      labels: s.labels,
      series: series.filter((x) => x.matches(s)),
    };
    cache.set(s.trunkId, entry);
    return entry.series;
  };
}

function sameLabels(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
) {
  if (a === b) return true;
  if (!a || !b) return (a === undefined || isEmpty(a)) && (b === undefined || isEmpty(b));
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function isEmpty(o: Readonly<Record<string, string>>): boolean {
  for (const _ in o) return false;
  return true;
}
