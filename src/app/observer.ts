import type { TrunkSample } from '../events/trunk-event.js';
import type { Adjustment } from '../planner/adjustment.js';
import type { Skip } from '../planner/resolve-intent.js';
import type { RuleTransition } from '../rules/engine.js';
import type { Outcome } from '../writer/outcome.js';

/**
 * What one instance's stages see, told as it happens (the status page, the demo). Each
 * process sees only its own part: the rules stage's samples and firings, the planning stage's plans for the
 * partitions it owns, the writer stage's adjustments and outcomes for its partitions.
 * Replays after an aborted transaction or a rebalance are told again, and a sample is told
 * once per lane that evaluates it: listeners must be idempotent or tolerate repeats.
 */
export interface PipelineObserver {
  /** a sample the rules engine accepted */
  sample?(s: TrunkSample): void;
  /** a sample the rules engine refused (late, duplicate), with the refusal's code */
  refused?(s: TrunkSample, code: string): void;
  /** a rule's phase change in some scope (pending, firing, inactive) */
  transition?(t: RuleTransition): void;
  /** an adjustment planned by the planning stage, and again when the writer stage receives it */
  adjustment?(a: Adjustment): void;
  /** an intent part the planner did not turn into an adjustment (a guardrail, the kill switch) */
  skipped?(s: Skip): void;
  /** every outcome record of the writer, `deferred` ones included */
  outcome?(o: Outcome): void;
}

type Warn = (obj: object, msg: string) => void;

/**
 * The observer as the stages call it: a listener that throws must not abort a Kafka
 * transaction (that would replay the batch forever), so its errors are logged, once per
 * callback, and swallowed.
 */
export function guardObserver(o: PipelineObserver, warn: Warn): PipelineObserver {
  const warned = new Set<string>();
  const guard = <A extends unknown[]>(name: string, f: ((...a: A) => void) | undefined) =>
    f &&
    ((...a: A) => {
      try {
        f.apply(o, a);
      } catch (err) {
        if (warned.has(name)) return;
        warned.add(name);
        warn({ err, callback: name }, `pipeline observer '${name}' threw; its later errors are not logged`);
      }
    });
  const out: PipelineObserver = {};
  const set = <K extends keyof PipelineObserver>(k: K) => {
    const g = guard(k, o[k] as ((...a: unknown[]) => void) | undefined);
    if (g) out[k] = g as PipelineObserver[K];
  };
  for (const k of ['sample', 'refused', 'transition', 'adjustment', 'skipped', 'outcome'] as const) set(k);
  return out;
}
