import type { PipelineObserver } from '../app/observer.js';
import type { TrunkSample } from '../events/trunk-event.js';
import type { StatusModel } from '../observability/status-model.js';
import type { Adjustment } from '../planner/adjustment.js';
import type { Skip } from '../planner/resolve-intent.js';
import type { RuleTransition } from '../rules/engine.js';
import type { Outcome } from '../writer/outcome.js';

const sampleId = (s: TrunkSample) => `${s.trunkId}@${s.time}`;

/**
 * What the demo learns from the Kafka pipeline's stages (their observer): it feeds the
 * status page and counts for the summary. The pipeline tells a sample once per lane and
 * again after a replay, so samples are counted as distinct (trunk, event time) pairs.
 */
export class DemoTally implements PipelineObserver {
  readonly accepted = new Set<string>();
  readonly late = new Set<string>();
  readonly duplicates = new Set<string>();
  /** every outcome record, `deferred` ones included, in the order the writer made them */
  readonly records: Outcome[] = [];
  /** adjustments with at least one outcome record (applied, deferred, …) */
  readonly recorded = new Set<string>();
  /** each adjustment's latest terminal outcome */
  readonly finals = new Map<string, Outcome>();
  /** adjustments whose latest record is `deferred`: waiting for a publish window to close */
  readonly waiting = new Set<string>();
  skippedByKillSwitch = 0;

  constructor(private readonly model: StatusModel) {}

  sample(s: TrunkSample): void {
    this.accepted.add(sampleId(s));
    this.model.sample(s);
  }

  refused(s: TrunkSample, code: string): void {
    (code === 'TR_ERR_EVENT_LATE' ? this.late : this.duplicates).add(sampleId(s));
  }

  transition(t: RuleTransition): void {
    this.model.transition(t);
  }

  adjustment(a: Adjustment): void {
    this.model.adjustment(a);
  }

  skipped(s: Skip): void {
    this.model.skipped(s);
    if (s.guardrail === 'killSwitch') this.skippedByKillSwitch++;
  }

  outcome(o: Outcome): void {
    this.records.push(o);
    this.model.outcome(o);
    this.recorded.add(o.key);
    if (o.status === 'deferred') {
      this.waiting.add(o.key);
    } else {
      this.waiting.delete(o.key);
      this.finals.set(o.key, o);
    }
  }
}
