import type { RuleStateSnapshot } from './rule-state.js';
import type { WindowSnapshot } from './sliding-window.js';

export const ENGINE_SNAPSHOT_FORMAT = 'trunk-reactor/rule-state@2';
/** the format before members drove the watermark; still restored (see `upgradeSnapshot`) */
export const ENGINE_SNAPSHOT_FORMAT_1 = 'trunk-reactor/rule-state@1';

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

interface SeriesSnapshot {
  signature: string;
  keys: Array<{
    key: string;
    members: Array<[string, number, number, number]> | null;
    windows: Array<{ signature: string } & WindowSnapshot>;
    rules: Array<{ id: string; fingerprint: string; state: RuleStateSnapshot }>;
  }>;
}

/**
 * Rule state as a plain JSON value: what the pipeline stores per partition (a compacted
 * topic) and restores on assignment. Windows and rule states are keyed by signature and
 * fingerprint, so a snapshot restores into a changed rule set too: what still exists
 * keeps its state, what changed starts fresh.
 */
export interface EngineSnapshot {
  format: typeof ENGINE_SNAPSHOT_FORMAT;
  rulesFingerprint: string;
  /** newest event time accepted */
  maxTime: number | null;
  watermark: number | null;
  /** the last sample released: [event time, trunkId]; trunkId null when only its time is known */
  released: [number, string | null] | null;
  /** every live member's newest event time: [trunkId, time], by trunkId */
  members: Array<[string, number]>;
  counters: EngineCounters;
  buffer: SampleTuple[];
  series: SeriesSnapshot[];
}

/** Format 1: the watermark followed the newest event time; no members, no released sample. */
export interface EngineSnapshotV1 {
  format: typeof ENGINE_SNAPSHOT_FORMAT_1;
  rulesFingerprint: string;
  maxTime: number | null;
  watermark: number | null;
  counters: Omit<EngineCounters, 'future'> & { future?: number };
  buffer: SampleTuple[];
  series: SeriesSnapshot[];
}

export interface EngineCounters {
  /** samples offered and put in order */
  accepted: number;
  /** samples evaluated against the rules */
  processed: number;
  late: number;
  duplicates: number;
  /** samples stamped beyond the future bound */
  future: number;
  intents: number;
}

/**
 * A format-1 snapshot in format 2. Its watermark meant "everything before it was released",
 * which becomes the released mark (any trunk at the instant before it). Its members are
 * what the state knows of each trunk's newest sample: the waiting samples, the members of
 * group sums, and a trunk scope's windows (keyed by the trunk) — so the restored watermark
 * waits for them as the members they are, rather than following the first one heard.
 */
export function upgradeSnapshot(snap: EngineSnapshot | EngineSnapshotV1): EngineSnapshot {
  if (snap.format === ENGINE_SNAPSHOT_FORMAT) return snap;
  if (snap.format !== ENGINE_SNAPSHOT_FORMAT_1) {
    throw new TypeError(
      `cannot restore rule state in format '${(snap as { format: unknown }).format}': this build reads ${ENGINE_SNAPSHOT_FORMAT} and ${ENGINE_SNAPSHOT_FORMAT_1}`,
    );
  }
  const newest = new Map<string, number>();
  const saw = (id: string, t: number) => {
    if (Number.isFinite(t) && !(t <= (newest.get(id) ?? Number.NEGATIVE_INFINITY))) newest.set(id, t);
  };
  for (const s of snap.buffer) saw(s[0], s[5]);
  for (const series of snap.series) {
    for (const k of series.keys) {
      if (k.members) for (const [id, t] of k.members) saw(id, t);
      else for (const w of k.windows) if (w.times.length > 0) saw(k.key, w.times[w.times.length - 1]!);
    }
  }
  return {
    format: ENGINE_SNAPSHOT_FORMAT,
    rulesFingerprint: snap.rulesFingerprint,
    maxTime: snap.maxTime,
    watermark: snap.watermark,
    released: snap.watermark === null ? null : [snap.watermark - 1, null],
    members: [...newest].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    counters: { ...snap.counters, future: snap.counters.future ?? 0 },
    buffer: snap.buffer,
    series: snap.series,
  };
}
