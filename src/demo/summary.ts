import type { RunningSandbox } from '../sandbox/server.js';
import { parseInstant, toWire } from '../time/instant.js';
import { formatLocalSpan } from '../time/local-format.js';
import { DEFAULT_PUBLISH_WINDOW, windowsOpeningBetween } from '../time/publish-window.js';
import type { Outcome } from '../writer/outcome.js';
import type { Scenario } from './scenario.js';

export interface DemoSummary {
  /** how the events reached the rules engine: in process, or produced into Kafka and consumed by the pipeline */
  source: 'memory' | 'kafka';
  /** through Kafka: the topics' prefix, and whether the demo deleted them (and its groups) at the end */
  kafka?: { topicPrefix: string; deleted: boolean };
  /** the business unit's zone: the table tells its times there */
  zone: string;
  /** the story's first and last event time, UTC instants */
  eventTime: { from: string; to: string };
  /** the publish windows that opened during the story, UTC instants */
  publishWindows: Array<{ opensAt: string; closesAt: string }>;
  events: { read: number; accepted: number; bad: number; late: number; duplicates: number };
  firings: number;
  adjustments: number;
  outcomes: Record<string, number>;
  /**
   * versionConflicts: writes the WFM refused as based on a stale version (409 answers and
   * bulk-swap items alike); resolved: adjustments whose first write met one and that were
   * then applied (a write after a publish-window deferral is not a first write);
   * lockedAnswers: writes refused by the publish lock
   */
  conflicts: { versionConflicts: number; resolved: number; lockedAnswers: number };
  deferredThenApplied: number;
  /** intents the planner dropped because the kill switch was engaged */
  skippedByKillSwitch: number;
  /** otherIntegration: shifts the other integration changed between the reactor's read and its write */
  ledger: { patches: number; swaps: number; publish: number; otherIntegration: number };
  httpCalls: number;
  outcomeRecords: Outcome[];
}

export function emptySummary(
  source: DemoSummary['source'],
  records: Outcome[],
  story: Scenario,
): DemoSummary {
  const zone = story.snapshot.businessUnit.timeZone;
  return {
    source,
    zone,
    eventTime: { from: toWire(story.start), to: toWire(story.end) },
    publishWindows: windowsOpeningBetween(story.start, story.end, DEFAULT_PUBLISH_WINDOW).map((w) => ({
      opensAt: toWire(w.opensAt),
      closesAt: toWire(w.closesAt),
    })),
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
  // a bulk swap's refused item is answered inside a 200, not as a 409 of its own
  const refused = (code: string) =>
    (sandbox.stats.byErrorCode[code] ?? 0) + (sandbox.stats.swapItemErrors[code] ?? 0);
  summary.conflicts.versionConflicts = refused('VERSION_CONFLICT');
  summary.conflicts.lockedAnswers = refused('SCHEDULE_LOCKED');
}

/** The summary as the CLI prints it: one row per figure, times in the business unit's zone with UTC beside them. */
export function summaryTable(s: DemoSummary): string {
  const span = (from: string, to: string) => formatLocalSpan(parseInstant(from), parseInstant(to), s.zone);
  const rows: Array<[string, string | number]> = [
    [
      'events travelled',
      s.kafka
        ? `through Kafka, topics ${s.kafka.topicPrefix}.* (${s.kafka.deleted ? 'deleted' : 'kept'})`
        : 'in process (no Kafka)',
    ],
    ['event time', `${span(s.eventTime.from, s.eventTime.to)}, times in ${s.zone}`],
    ['events read', s.events.read],
    [
      '  accepted / bad / late / duplicate',
      `${s.events.accepted} / ${s.events.bad} / ${s.events.late} / ${s.events.duplicates}`,
    ],
    ['rule firings', s.firings],
    ['adjustments', s.adjustments],
    ...Object.entries(s.outcomes).map(([k, v]) => [`  ${k}`, v] as [string, number]),
    ['shifts the other integration changed between read and write', s.ledger.otherIntegration],
    ['version conflicts met (409 VERSION_CONFLICT)', s.conflicts.versionConflicts],
    ['  adjustments whose first write met one, then applied', s.conflicts.resolved],
    ...s.publishWindows.map((w) => ['publish window', span(w.opensAt, w.closesAt)] as [string, string]),
    ['publish-lock answers (409 SCHEDULE_LOCKED)', s.conflicts.lockedAnswers],
    ['deferred through the publish window, then applied', s.deferredThenApplied],
    ['intents skipped by the kill switch', s.skippedByKillSwitch],
    ['WFM calls', s.httpCalls],
    ['sandbox ledger: patches / swaps', `${s.ledger.patches} / ${s.ledger.swaps}`],
    ['sandbox ledger: publish bumps', s.ledger.publish],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
