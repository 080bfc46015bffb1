import { parseInstant, toWire } from '../time/instant.js';
import { formatLocalSpan } from '../time/local-format.js';
import { DEFAULT_PUBLISH_WINDOW, windowsOpeningBetween } from '../time/publish-window.js';
import type { Outcome } from '../writer/outcome.js';
import type { DemoWfmKind } from './demo-wfm.js';
import type { Scenario } from './scenario.js';

export interface DemoSummary {
  /**
   * how the events reached the rules engine: in process; produced into Kafka and consumed by the
   * pipeline; or played as trunk metrics by the emulated Genesys Cloud org and produced into Kafka
   * by `trunk-reactor bridge`
   */
  source: 'memory' | 'kafka' | 'genesys-cloud';
  /** through Kafka: the topics' prefix, and whether the demo deleted them (and its groups) at the end */
  kafka?: { topicPrefix: string; deleted: boolean };
  /** the WFM written to: the seed contract's sandbox, or the emulated Genesys Cloud org */
  wfm: DemoWfmKind;
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
   * versionConflicts: writes the WFM refused as based on a stale version (contract: 409 answers
   * and bulk-swap items alike; genesys-cloud, whose Error result names no agent: adjustments
   * whose first write met one); resolved: adjustments whose first write met one and that were
   * then applied (a write after a publish-window deferral is not a first write);
   * lockedAnswers: writes refused by the publish lock (genesys-cloud: the writer's deferrals)
   */
  conflicts: { versionConflicts: number; resolved: number; lockedAnswers: number };
  deferredThenApplied: number;
  /** intents the planner dropped because the kill switch was engaged */
  skippedByKillSwitch: number;
  /**
   * What the sandbox's ledger holds. otherIntegration: shifts (genesys-cloud: agent schedules)
   * the other integration changed between the reactor's read and its write; publish: versions
   * the publish job bumped (contract: per shift of the published week; genesys-cloud: per agent
   * of each published schedule spanning it); agentSchedules (genesys-cloud): agent schedules the
   * reactor's uploads changed, one per updated shift and two per swap
   */
  ledger: {
    patches: number;
    swaps: number;
    publish: number;
    otherIntegration: number;
    agentSchedules?: number;
  };
  /** requests to the WFM's API (genesys-cloud: to the API host, which the 300-a-minute budget counts) */
  httpCalls: number;
  /** genesys-cloud: what the uploads did */
  uploads?: UploadFigures;
  /** source genesys-cloud: what the bridge did */
  bridge?: BridgeFigures;
  outcomeRecords: Outcome[];
}

/** Genesys Cloud's writes: changes gathered into uploads of whole agent schedules (uploadurl → PUT → /update). */
export interface UploadFigures {
  uploads: number;
  /** uploads whose job ended in an Error result: a stale version or the publish lock (Genesys says not which) */
  errorResults: number;
  /** agents in each upload, in order */
  agentsPerUpload: number[];
  /** requests by host: the API host, the login host (tokens), the signed storage URLs (the PUTs) */
  calls: { api: number; login: number; storage: number };
}

/** What `trunk-reactor bridge genesys-cloud` did between the emulated org and the events topic. */
export interface BridgeFigures {
  /** trunk bases mapped, their instances (one per edge), the notification channels holding their topics */
  trunkBases: number;
  instances: number;
  channels: number;
  /** instance samples the org published on the trunks' metrics topics */
  published: number;
  /** of those, published while the bridge had no socket: no notification carried them */
  undelivered: number;
  /** lines of the events file that are no valid event: the org never plays them */
  linesLeftOut: number;
  /** instance samples the bridge read, by way */
  samples: { notification: number; rest: number };
  /** trunk base events (a base's instances summed per eventTime) Kafka took */
  eventsProduced: number;
  /** REST reads of the trunks' latest samples: at start, after each reconnect, on the timer */
  restReads: number;
  /** instance samples a REST read brought that no notification had */
  gapsFilled: number;
  reconnects: number;
  /** instance samples not sent: a (trunk base, eventTime) already sent, older than one sent, no mapping */
  skipped: { duplicate: number; stale: number; unmapped: number };
  malformed: number;
  /** events sent without every instance (one's wait ran out) */
  partialEvents: number;
}

export function emptySummary(
  source: DemoSummary['source'],
  wfm: DemoWfmKind,
  records: Outcome[],
  story: Scenario,
): DemoSummary {
  const zone = story.snapshot.businessUnit.timeZone;
  return {
    source,
    wfm,
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
 * The summary's outcome half, the same whichever way the events travelled and whichever WFM
 * was written: terminal outcomes by status, adjustments deferred by the publish window and then
 * applied, and those whose first write met a version conflict and were then applied. The WFM's
 * half (ledger, conflicts answered, calls) is its sandbox's report (demo-wfm.ts).
 */
export function settleSummary(summary: DemoSummary, finals: readonly Outcome[]): void {
  for (const f of finals) summary.outcomes[f.status] = (summary.outcomes[f.status] ?? 0) + 1;
  const everDeferred = new Set(
    summary.outcomeRecords.filter((r) => r.status === 'deferred').map((r) => r.key),
  );
  summary.deferredThenApplied = finals.filter(
    (f) => everDeferred.has(f.key) && f.status === 'applied',
  ).length;
  summary.conflicts.resolved = finals.filter((f) => f.firstAttemptStale && f.status === 'applied').length;
}

/** The summary as the CLI prints it: one row per figure, times in the business unit's zone with UTC beside them. */
export function summaryTable(s: DemoSummary): string {
  const span = (from: string, to: string) => formatLocalSpan(parseInstant(from), parseInstant(to), s.zone);
  const rows: Array<[string, string | number]> = [
    [
      'WFM written to',
      s.wfm === 'genesys-cloud'
        ? 'Genesys Cloud, emulated (uploads of whole agent schedules)'
        : "the seed contract's sandbox (a request per shift)",
    ],
    [
      'events travelled',
      s.kafka
        ? `${s.bridge ? 'from trunk-reactor bridge ' : ''}through Kafka, topics ${s.kafka.topicPrefix}.* (${s.kafka.deleted ? 'deleted' : 'kept'})`
        : 'in process (no Kafka)',
    ],
    ...(s.bridge ? bridgeRows(s.bridge) : []),
    ['event time', `${span(s.eventTime.from, s.eventTime.to)}, times in ${s.zone}`],
    ['events read', s.events.read],
    [
      '  accepted / bad / late / duplicate',
      `${s.events.accepted} / ${s.events.bad} / ${s.events.late} / ${s.events.duplicates}`,
    ],
    ['rule firings', s.firings],
    ['adjustments', s.adjustments],
    ...Object.entries(s.outcomes).map(([k, v]) => [`  ${k}`, v] as [string, number]),
    ...(s.uploads ? genesysRows(s, s.uploads, span) : contractRows(s, span)),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

type Row = [string, string | number];
type Span = (from: string, to: string) => string;

/** The bridge's part: from the org's trunk metrics to trunk base events in Kafka. */
function bridgeRows(b: BridgeFigures): Row[] {
  return [
    [
      'trunk metrics from',
      `Genesys Cloud, emulated: ${b.trunkBases} trunk bases, ${b.instances} edge instances, ${b.channels} notification channel${b.channels === 1 ? '' : 's'}`,
    ],
    ['  instance samples published', b.published],
    ['    while the bridge had no socket', b.undelivered],
    ['  read by notification / from REST', `${b.samples.notification} / ${b.samples.rest}`],
    ['  gaps filled (samples only REST brought)', b.gapsFilled],
    ['  REST reads (start, reconnects, timer)', b.restReads],
    ['  reconnects', b.reconnects],
    [
      '  skipped: already sent / older / unmapped',
      `${b.skipped.duplicate} / ${b.skipped.stale} / ${b.skipped.unmapped}`,
    ],
    ['  malformed / sent without every instance', `${b.malformed} / ${b.partialEvents}`],
    ['  trunk base events produced', b.eventsProduced],
    ['  events-file lines that are no event (never played)', b.linesLeftOut],
  ];
}

function contractRows(s: DemoSummary, span: Span): Row[] {
  return [
    ['shifts the other integration changed between read and write', s.ledger.otherIntegration],
    ['version conflicts met (409 VERSION_CONFLICT)', s.conflicts.versionConflicts],
    ['  adjustments whose first write met one, then applied', s.conflicts.resolved],
    ...s.publishWindows.map((w): Row => ['publish window', span(w.opensAt, w.closesAt)]),
    ['publish-lock answers (409 SCHEDULE_LOCKED)', s.conflicts.lockedAnswers],
    ['deferred through the publish window, then applied', s.deferredThenApplied],
    ['intents skipped by the kill switch', s.skippedByKillSwitch],
    ['WFM calls', s.httpCalls],
    ['sandbox ledger: patches / swaps', `${s.ledger.patches} / ${s.ledger.swaps}`],
    ['sandbox ledger: publish bumps', s.ledger.publish],
  ];
}

/**
 * Genesys Cloud tells the same story in its own units: an upload carries many agents, its
 * Error result names none of them, and publishing bumps every agent of the schedule. The
 * last row says which figures differ from the contract WFM's by nature.
 */
function genesysRows(s: DemoSummary, u: UploadFigures, span: Span): Row[] {
  const agents = u.agentsPerUpload;
  const mean = agents.length > 0 ? agents.reduce((a, b) => a + b, 0) / agents.length : 0;
  return [
    ['agent schedules the other integration changed before an upload', s.ledger.otherIntegration],
    ['adjustments whose first upload met a stale version', s.conflicts.versionConflicts],
    ['  adjustments whose first write met one, then applied', s.conflicts.resolved],
    ...s.publishWindows.map((w): Row => ['publish window', span(w.opensAt, w.closesAt)]),
    ['writes the publish lock refused (Error results), deferred', s.conflicts.lockedAnswers],
    ['deferred through the publish window, then applied', s.deferredThenApplied],
    ['intents skipped by the kill switch', s.skippedByKillSwitch],
    ['uploads (uploadurl, PUT, update)', u.uploads],
    [
      '  agents per upload',
      agents.length > 0
        ? `${Math.min(...agents)}–${Math.max(...agents)}, ${mean.toFixed(1)} on average`
        : '–',
    ],
    ['  answered Error (a stale version or the publish lock)', u.errorResults],
    ['WFM calls (API host)', s.httpCalls],
    ['  login host / signed upload URLs', `${u.calls.login} / ${u.calls.storage}`],
    ['sandbox ledger: patches / swaps', `${s.ledger.patches} / ${s.ledger.swaps}`],
    ['sandbox ledger: agent schedules updated', s.ledger.agentSchedules ?? 0],
    ['sandbox ledger: publish bumps (every agent of the schedule)', s.ledger.publish],
    [
      'differ from the contract WFM by nature',
      'calls and ledger entries (agents, not shifts); conflicts counted per adjustment',
    ],
  ];
}
