import type { OutcomeStatus } from '../writer/outcome.js';
import type { ThresholdLine } from './rule-info.js';

export interface AdjustmentRow {
  key: string;
  ruleId: string;
  action: string;
  kind: 'update' | 'swap';
  teamId: string | null;
  /** "shift s-1 (agent a-1)" or "swap s-1 (a-1) ⇄ s-2 (a-2)" */
  target: string | null;
  /** event time of the trigger, epoch ms */
  createdAt: number | null;
  reason: {
    text: string;
    metric: string;
    aggregate: string;
    window: string;
    value: number;
    threshold: number;
    scope: string;
  } | null;
  status: OutcomeStatus | 'planned';
  /** when the latest outcome record was written, epoch ms */
  statusAt: number | null;
  deferredUntil: number | null;
  attempts: number;
  outcomeReason: { code: string; message: string } | null;
}

/** A row as the page shows it: its times also as text for people, in the page's zone with UTC beside them. */
export interface AdjustmentView extends AdjustmentRow {
  /** "09:22 Fri 27 Nov +08:00 (01:22Z)" */
  createdAtText: string | null;
  deferredUntilText: string | null;
}

export interface FeedState {
  /** what feeds the page: "demo replay", "kafka" */
  label: string;
  /** what this process sees of the whole (one role or some partitions of a split deployment) */
  view?: string;
  done: number;
  total: number | null;
  finished: boolean;
}

export interface StatusSnapshot {
  /** the business unit's zone: the plots' axes and every time shown for people */
  zone: string;
  horizonMs: number;
  bucketMs: number;
  /** the newest event time seen, epoch ms */
  eventTime: number | null;
  /** the same, for people: "02:48 Sun 29 Nov +08:00 (18:48Z)" */
  eventTimeText: string | null;
  feed: FeedState | null;
  groups: Array<{
    name: string;
    trunks: number;
    /** [bucket start, utilization of the group (Σ calls / Σ capacity), busiest trunk's utilization] */
    points: Array<[number, number, number]>;
    rules: Array<{
      id: string;
      condition: string;
      thresholds: ThresholdLine[];
      firing: boolean;
      periods: Array<{ from: number; to: number | null; scope: string }>;
    }>;
  }>;
  counts: {
    adjustments: number;
    /** terminal outcomes by status, plus `deferred` records seen */
    outcomes: Partial<Record<OutcomeStatus, number>>;
    /** planner skips by guardrail (`killSwitch` counts intents dropped while it was engaged) */
    skipped: Record<string, number>;
    waiting: number;
  };
  waiting: AdjustmentView[];
  latest: AdjustmentView[];
}
