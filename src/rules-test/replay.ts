import { type TrunkSample, toSample } from '../events/trunk-event.js';
import type { Adjustment } from '../planner/adjustment.js';
import { Planner } from '../planner/planner.js';
import type { Skip } from '../planner/resolve-intent.js';
import { SnapshotScheduleSource } from '../planner/snapshot-source.js';
import { RuleEngine, type RuleTransition } from '../rules/engine.js';
import type { Intent } from '../rules/intent.js';
import { parseInstant } from '../time/instant.js';
import { formatLocal } from '../time/local-format.js';
import { openWindowAt } from '../time/publish-window.js';
import type { Scenario } from './scenario.js';

export type Phase = RuleTransition['to'];

/** What a scenario's samples did: every rule's phase changes, and what the planner made of each intent. */
export interface Replay {
  /** rule id → scope key → phase changes in event-time order */
  phases: Map<string, Map<string, Array<{ at: number; to: Phase }>>>;
  intents: Intent[];
  adjustments: Adjustment[];
  skipped: Skip[];
  /** as `plan` notes them: adjustments decided while the publish window is open */
  notes: Array<{ key: string; note: string }>;
}

/**
 * Hands a scenario's samples to `visit` in event-time order, trunk id order within an
 * instant: what a file of events for `plan` would hold, one sample per trunk per interval,
 * none where the series says `_`.
 */
export function forEachSample(s: Scenario, visit: (sample: TrunkSample) => void): void {
  const trunks = s.trunks;
  for (let i = 0; i < s.samples; i++) {
    const time = s.start + i * s.intervalMs;
    for (let k = 0; k < trunks.length; k++) {
      const t = trunks[k]!;
      const calls = t.calls[i]!;
      if (Number.isNaN(calls)) continue;
      visit(
        toSample({
          trunkId: t.trunkId,
          trunkGroup: t.trunkGroup,
          region: t.region,
          site: t.site,
          labels: t.labels,
          time,
          activeCalls: calls,
          capacity: t.capacity.length === 1 ? t.capacity[0]! : t.capacity[i]!,
        }),
      );
    }
  }
}

/** The samples as a list, for whoever compares the replay with another path. */
export function scenarioSamples(s: Scenario): TrunkSample[] {
  const out: TrunkSample[] = [];
  forEachSample(s, (x) => out.push(x));
  return out;
}

/**
 * Feeds a scenario through the rules engine and the planner as `plan` does
 * (src/planner/dry-run.ts): an engine with no wall clock (no trunk is dropped for silence,
 * nothing is in the future), flushed at the end; each intent planned in order against the
 * schedule snapshot; adjustments decided in the publish window noted. It calls the same
 * engine and planner dryRun calls, and test/rules-test/replay-matches-plan.test.ts holds
 * the two equal. It is a loop of its own for two reasons: the engine must also report its
 * phase changes (firing, pending) for the firing expectations, which dryRun's engine keeps to
 * itself; and a day of samples is a test's hot path, which takes no await per sample here.
 */
export async function replay(s: Scenario): Promise<Replay> {
  const phases: Replay['phases'] = new Map();
  for (const r of s.rules.compiled.rules) phases.set(r.id, new Map());
  const engine = new RuleEngine(s.rules.compiled, {
    onTransition: (t) => {
      const byScope = phases.get(t.ruleId)!;
      let list = byScope.get(t.scope.value);
      if (!list) {
        list = [];
        byScope.set(t.scope.value, list);
      }
      list.push({ at: t.at, to: t.to });
    },
  });
  const planner = new Planner({
    source: new SnapshotScheduleSource(s.schedule.snapshot),
    businessUnit: s.schedule.businessUnit,
  });
  const out: Replay = { phases, intents: [], adjustments: [], skipped: [], notes: [] };
  const win = s.publishWindow;
  const zone = s.schedule.businessUnit.zone;
  const planAll = async (intents: readonly Intent[]) => {
    for (const intent of intents) {
      out.intents.push(intent);
      const r = await planner.plan(intent);
      out.adjustments.push(...r.adjustments);
      if (win) {
        for (const a of r.adjustments) {
          const open = openWindowAt(parseInstant(a.createdAt), win);
          if (open) {
            out.notes.push({
              key: a.key,
              note: `decided while the publish window is open: the writer holds it until ${formatLocal(open.closesAt, zone)}, then applies it to fresh versions`,
            });
          }
        }
      }
      out.skipped.push(...r.skipped);
    }
  };
  // the engine never hears from the planner, so its intents can be planned after the whole
  // stream, in the order it gave them: the same plans as dryRun's, which plans as they come
  const intents: Intent[] = [];
  forEachSample(s, (sample) => {
    const r = engine.evaluate(sample);
    if (r.rejected) throw new Error(`internal: a scenario sample was refused: ${r.rejected.message}`);
    for (let i = 0; i < r.intents.length; i++) intents.push(r.intents[i]!);
  });
  intents.push(...engine.flush());
  await planAll(intents);
  return out;
}
