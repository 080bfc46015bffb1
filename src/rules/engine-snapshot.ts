import type { RuleStateSnapshot } from './rule-state.js';
import type { WindowSnapshot } from './sliding-window.js';

export const ENGINE_SNAPSHOT_FORMAT = 'trunk-reactor/rule-state@1';

/** A sample in a snapshot: [trunkId, trunkGroup, region, site, labels|null, time, activeCalls, capacity] */
export type SampleTuple = [
  string,
  string,
  string,
  string,
  Record<string, string> | null,
  number,
  number,
  number,
];

/**
 * Rule state as a plain JSON value: what the pipeline stores per partition (a compacted
 * topic) and restores on assignment. Windows and rule states are keyed by signature and
 * fingerprint, so a snapshot restores into a changed rule set too: what still exists
 * keeps its state, what changed starts fresh.
 */
export interface EngineSnapshot {
  format: typeof ENGINE_SNAPSHOT_FORMAT;
  rulesFingerprint: string;
  maxTime: number | null;
  watermark: number | null;
  counters: EngineCounters;
  buffer: SampleTuple[];
  series: Array<{
    signature: string;
    keys: Array<{
      key: string;
      members: Array<[string, number, number, number]> | null;
      windows: Array<{ signature: string } & WindowSnapshot>;
      rules: Array<{ id: string; fingerprint: string; state: RuleStateSnapshot }>;
    }>;
  }>;
}

export interface EngineCounters {
  /** samples offered and put in order */
  accepted: number;
  /** samples evaluated against the rules */
  processed: number;
  late: number;
  duplicates: number;
  intents: number;
}
