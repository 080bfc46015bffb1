import type { RunningSandbox } from '../sandbox/server.js';
import type { Outcome } from '../writer/outcome.js';

export interface DemoSummary {
  /** how the events reached the rules engine: in process, or produced into Kafka and consumed by the pipeline */
  source: 'memory' | 'kafka';
  /** through Kafka: the topics' prefix, and whether the demo deleted them (and its groups) at the end */
  kafka?: { topicPrefix: string; deleted: boolean };
  events: { read: number; accepted: number; bad: number; late: number; duplicates: number };
  firings: number;
  adjustments: number;
  outcomes: Record<string, number>;
  conflicts: { versionConflicts: number; resolved: number; lockedAnswers: number };
  deferredThenApplied: number;
  /** intents the planner dropped because the kill switch was engaged */
  skippedByKillSwitch: number;
  ledger: { patches: number; swaps: number; publish: number; otherIntegration: number };
  httpCalls: number;
  outcomeRecords: Outcome[];
}

export function emptySummary(source: DemoSummary['source'], records: Outcome[]): DemoSummary {
  return {
    source,
    events: { read: 0, accepted: 0, bad: 0, late: 0, duplicates: 0 },
    firings: 0,
    adjustments: 0,
    outcomes: {},
    conflicts: { versionConflicts: 0, resolved: 0, lockedAnswers: 0 },
    deferredThenApplied: 0,
    skippedByKillSwitch: 0,
    ledger: { patches: 0, swaps: 0, publish: 0, otherIntegration: 0 },
    httpCalls: 0,
    outcomeRecords: records,
  };
}

/**
 * The summary's outcome half, the same whichever way the events travelled: terminal
 * outcomes by status, adjustments deferred by the publish window and then applied, version
 * conflicts met and resolved, and what the sandbox's ledger says was written.
 */
export function settleSummary(
  summary: DemoSummary,
  finals: readonly Outcome[],
  sandbox: RunningSandbox,
  httpCalls: number,
): void {
  for (const f of finals) summary.outcomes[f.status] = (summary.outcomes[f.status] ?? 0) + 1;
  const everDeferred = new Set(
    summary.outcomeRecords.filter((r) => r.status === 'deferred').map((r) => r.key),
  );
  summary.deferredThenApplied = finals.filter(
    (f) => everDeferred.has(f.key) && f.status === 'applied',
  ).length;
  summary.conflicts.resolved = finals.filter((f) => f.firstAttemptStale && f.status === 'applied').length;
  const entries = sandbox.sandbox.ledger.since(1).entries;
  summary.ledger = {
    patches: entries.filter((e) => e.kind === 'patch').length,
    swaps: entries.filter((e) => e.kind === 'swap').length / 2,
    publish: entries.filter((e) => e.kind === 'publish').length,
    otherIntegration: entries.filter((e) => e.kind === 'mutator').length,
  };
  summary.httpCalls = httpCalls;
  summary.conflicts.versionConflicts = sandbox.stats.byErrorCode.VERSION_CONFLICT ?? 0;
  summary.conflicts.lockedAnswers = sandbox.stats.byErrorCode.SCHEDULE_LOCKED ?? 0;
}
