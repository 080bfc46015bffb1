import type { TrunkSample } from '../../src/events/trunk-event.js';
import { type CompiledRuleSet, compileRules } from '../../src/rules/compile.js';
import { parseRulesText } from '../../src/rules/load.js';

export const T0 = Date.UTC(2026, 10, 27, 1, 0); // Friday 09:00 SGT
export const SEC = 1000;
export const MIN = 60_000;

export function rules(yaml: string): CompiledRuleSet {
  return compileRules(parseRulesText(`version: 1\n${yaml}`, 'test.yaml'));
}

export function sample(
  trunkId: string,
  time: number,
  activeCalls: number,
  over: Partial<Omit<TrunkSample, 'trunkId' | 'time' | 'activeCalls'>> = {},
): TrunkSample {
  const capacity = over.capacity ?? 100;
  return {
    trunkGroup: 'g1',
    region: 'apac',
    site: 'sg1',
    labels: undefined,
    capacity,
    ...over,
    trunkId,
    time,
    activeCalls,
    utilization: activeCalls / capacity,
  };
}

/** One sample per trunk every `stepMs`, utilization from `level(t)` (0..1). */
export function stream(
  trunks: string[],
  from: number,
  to: number,
  stepMs: number,
  level: (t: number) => number,
): TrunkSample[] {
  const out: TrunkSample[] = [];
  for (let t = from; t < to; t += stepMs)
    for (const id of trunks) out.push(sample(id, t, Math.round(level(t) * 100)));
  return out;
}
