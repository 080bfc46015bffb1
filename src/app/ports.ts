import type { TrunkSample } from '../events/trunk-event.js';
import type { Adjustment } from '../planner/adjustment.js';
import type { Intent } from '../rules/intent.js';
import type { Outcome } from '../writer/outcome.js';

/**
 * The narrow surfaces the pipeline drives. The rules engine, planner and writer sit
 * behind these (rules-adapter.ts, writer-adapter.ts), so a change in their APIs touches
 * one adapter file, never the Kafka code.
 */

/** Why an accepted-by-the-decoder sample was still refused (late, duplicate). */
export interface Refusal {
  code: string;
  message: string;
}

/** What the rules engine made of one sample in one lane: the intents of the rules that acted. */
export interface Evaluated {
  intents: readonly Intent[];
  refused: Refusal | null;
}

/** Rule evaluation for one input partition (one lane of it). State is a value. */
export interface PartitionEvaluator {
  evaluate(sample: TrunkSample): Evaluated;
  /** the whole state as a JSON value; call between samples */
  snapshot(): Promise<unknown>;
}

/**
 * Planning for one partition of the intents topic: every intent of a planning domain (the
 * teams a rule set's actions tie together) comes to one such planner, in order, so per-team
 * caps and the planner's picture of its own changes hold across every input partition.
 */
export interface PartitionPlanner {
  plan(intent: Intent): Promise<readonly Adjustment[]>;
  /** the whole state as a JSON value; call between intents */
  snapshot(): Promise<unknown>;
}

export interface PlannerFactory {
  /** the intents topic key of an intent: its planning domain */
  domainOf(intent: Intent): string;
  /** a fresh planner (no snapshot) or one carrying on from a stored one */
  create(partition: number, snapshot: unknown | undefined): PartitionPlanner;
  /**
   * the stage is stopping: schedule reads in flight are not tried again after their current
   * attempt, so an intent waiting on a slow WFM does not hold the shutdown for a whole read budget
   */
  stop?(): void;
}

/**
 * A lane is one way of keying events so each rule's scope has one owner: `trunk` lane
 * events are keyed by trunk id, `trunkGroup` by group, and so on. Only the rules of that
 * scope kind are evaluated in a lane.
 */
export interface Lane {
  name: string;
  /** the repartition key of a sample in this lane */
  keyOf(sample: TrunkSample): string;
}

export interface EvaluatorFactory {
  /** identifies the rule set; stored with the state */
  readonly fingerprint: string;
  /** lanes the rule set needs; `repartition: false` when keying by trunk id is enough */
  readonly routing: {
    repartition: boolean;
    lanes: readonly Lane[];
    /** the engine's reorder span: how far behind the newest sample a sample may arrive, milliseconds */
    allowedLatenessMs: number;
  };
  /** a fresh evaluator (no snapshot) or one carrying on from a stored one */
  create(lane: string, partition: number, snapshot: unknown | undefined): PartitionEvaluator;
  /** the planning stage's side: where intents go and who plans them */
  readonly planning: PlannerFactory;
}

/** Applies one adjustment and resolves with its terminal outcome (deferrals resolve later). */
export interface AdjustmentApplier {
  apply(adjustment: Adjustment): Promise<Outcome>;
  /** outcomes that are not terminal yet (publish-window deferral) are reported here */
  onDeferred?: (listener: (outcome: Outcome) => void) => void;
  /** adjustments in progress (for backpressure) */
  readonly inProgress: number;
  close(): Promise<void>;
}
