import { readFileSync } from 'node:fs';
import type { NdjsonItem } from '../events/ndjson.js';
import { readEventsNdjson } from '../events/ndjson.js';
import type { RunningAdminServer } from '../observability/admin-server.js';
import { ruleInfoFrom, StatusModel } from '../observability/status-model.js';
import type { Adjustment } from '../planner/adjustment.js';
import { type KillSwitch, MemoryKillSwitch } from '../planner/kill-switch.js';
import { Planner } from '../planner/planner.js';
import { compileRules } from '../rules/compile.js';
import { RuleEngine } from '../rules/engine.js';
import type { Intent } from '../rules/intent.js';
import { loadRulesFile } from '../rules/load.js';
import { type RunningSandbox, startSandbox } from '../sandbox/server.js';
import { DEFAULT_PUBLISH_WINDOW } from '../time/publish-window.js';
import type { IsoWeekday } from '../time/schedule-week.js';
import { WfmHttpClient } from '../wfm/http-client.js';
import { ScheduleSnapshot } from '../wfm/snapshot.js';
import type { Outcome } from '../writer/outcome.js';
import { Writer } from '../writer/writer.js';
import { type DemoAdminOptions, startDemoAdmin } from './demo-admin.js';
import { virtualTime } from './virtual-time.js';

export interface DemoOptions {
  rulesFile: string;
  scheduleFile: string;
  eventsFile: string;
  /** "another integration" changing random shifts, per second of real time */
  otherIntegrationPerSecond: number;
  /** one line of progress at a time */
  progress: (done: number, total: number, now: number) => void;
  /** called once the sandbox is up, with its address */
  onSandbox?: (sandbox: RunningSandbox) => void;
  /** real milliseconds to wait per minute of event time replayed (default 0: as fast as it goes) */
  paceMs?: number;
  /** serve the status page on an admin server (absent: none) */
  admin?: DemoAdminOptions;
  /** called once the admin server is up, with its address and what the page shows */
  onAdmin?: (admin: { url: string; model: StatusModel; killSwitch: KillSwitch }) => void;
  /** the switch the planner obeys (default: a fresh MemoryKillSwitch, flipped from the page) */
  killSwitch?: KillSwitch;
  /** runs after the replay while the status page is still served; the server closes when it settles */
  whileServing?: (summary: DemoSummary) => Promise<void>;
}

export interface DemoSummary {
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

/**
 * The main job on embedded defaults: a recorded APAC scenario replayed through the real
 * rules engine, planner and writer into an in-process WFM sandbox over HTTP. The
 * sandbox's virtual clock follows the events, so the Sunday 02:00 SGT publish window
 * opens on time and the writer's deferral ends when the replay passes 02:30.
 */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const killSwitch = o.killSwitch ?? new MemoryKillSwitch();
  let admin: RunningAdminServer | undefined;
  try {
    const { summary, model } = await replay(o, killSwitch, async (model) => {
      if (!o.admin) return;
      admin = await startDemoAdmin(o.admin, model, killSwitch);
      o.onAdmin?.({ url: admin.url, model, killSwitch });
    });
    model.feed({
      label: 'demo replay',
      done: summary.events.read,
      total: summary.events.read,
      finished: true,
    });
    await o.whileServing?.(summary);
    return summary;
  } finally {
    await admin?.close();
  }
}

const DAY_MS = 86_400_000;

async function replay(
  o: DemoOptions,
  killSwitch: KillSwitch,
  serve: (model: StatusModel) => Promise<void>,
): Promise<{ summary: DemoSummary; model: StatusModel }> {
  const snapshot = ScheduleSnapshot.parse(JSON.parse(readFileSync(o.scheduleFile, 'utf8')));
  const rules = compileRules(await loadRulesFile(o.rulesFile));
  const items: NdjsonItem[] = [];
  for await (const item of readEventsNdjson(o.eventsFile)) items.push(item);
  const times = items.flatMap((i) => (i.ok ? [i.sample.time] : []));
  if (times.length === 0) throw new Error(`${o.eventsFile}: no valid events to replay`);
  const start = Math.min(...times);
  // The page keeps the whole recorded story (Friday to Sunday night) on its plot.
  const model = new StatusModel({
    rules: ruleInfoFrom(rules),
    horizonMs: Math.max(...times) - start + DAY_MS,
    zone: snapshot.businessUnit.timeZone,
  });
  await serve(model);

  const sandbox = await startSandbox({
    port: 0,
    snapshot,
    clockStart: start,
    publishWindow: DEFAULT_PUBLISH_WINDOW,
    behaviour: { rateLimitPerMinute: 600, rateLimitBurst: 100 },
    faults: { mutatorPerSecond: o.otherIntegrationPerSecond, seed: 7 },
  });
  o.onSandbox?.(sandbox);
  const clock = virtualTime(sandbox.sandbox.clock);
  let httpCalls = 0;
  const client = new WfmHttpClient({
    baseUrl: sandbox.baseUrl,
    token: 'sandbox-token',
    clock,
    onRequest: () => {
      httpCalls++;
    },
  });
  const records: Outcome[] = [];
  const firstRecord = new Map<string, () => void>();
  const writer = new Writer({
    adapter: client,
    clock,
    publishWindow: DEFAULT_PUBLISH_WINDOW,
    businessUnit: { timeZone: snapshot.businessUnit.timeZone },
    sink: {
      record(outcome) {
        records.push(outcome);
        model.outcome(outcome);
        firstRecord.get(outcome.key)?.();
        firstRecord.delete(outcome.key);
      },
    },
  });
  const planner = new Planner({
    source: client,
    clock,
    businessUnit: {
      zone: snapshot.businessUnit.timeZone,
      weekStart: snapshot.businessUnit.weekStart as IsoWeekday,
    },
    killSwitch,
  });
  const engine = new RuleEngine(rules, { onTransition: (t) => model.transition(t) });
  const summary: DemoSummary = {
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
  const pending: Array<Promise<Outcome>> = [];
  // Each adjustment's first record (applied, or deferred by the publish lock) is awaited
  // before the replay moves on, so writes happen at their moment in the story.
  const submit = async (adjustments: Adjustment[]) => {
    const first = adjustments.map((a) => new Promise<void>((resolve) => firstRecord.set(a.key, resolve)));
    for (const a of adjustments) {
      model.adjustment(a);
      pending.push(writer.submit(a));
    }
    summary.adjustments += adjustments.length;
    await Promise.all(first);
  };
  const planAll = async (intents: readonly Intent[]) => {
    for (const intent of intents) {
      summary.firings++;
      const r = await planner.plan(intent);
      for (const skip of r.skipped) {
        model.skipped(skip);
        if (skip.guardrail === 'killSwitch') summary.skippedByKillSwitch++;
      }
      await submit(r.adjustments);
    }
  };

  const paceMs = o.paceMs ?? 0;
  let minute = Number.NaN;
  try {
    for (const item of items) {
      summary.events.read++;
      model.feed({ label: 'demo replay', done: summary.events.read, total: items.length, finished: false });
      if (summary.events.read % 100 === 0 || summary.events.read === items.length) {
        o.progress(summary.events.read, items.length, sandbox.sandbox.clock.now());
      }
      if (!item.ok) {
        summary.events.bad++;
        continue;
      }
      // Paced for people watching the status page: a pause per minute of event time.
      const m = Math.floor(item.sample.time / 60_000);
      if (paceMs > 0 && m !== minute) {
        if (!Number.isNaN(minute)) await new Promise((resolve) => setTimeout(resolve, paceMs));
        minute = m;
      }
      if (item.sample.time > sandbox.sandbox.clock.now()) sandbox.sandbox.clock.set(item.sample.time);
      const out = engine.evaluate(item.sample);
      if (out.rejected) {
        if (out.rejected.code === 'TR_ERR_EVENT_LATE') summary.events.late++;
        else summary.events.duplicates++;
        continue;
      }
      summary.events.accepted++;
      model.sample(item.sample);
      await planAll(out.intents);
    }
    await planAll(engine.flush());
    // Walk the clock past any deferral still waiting for a publish window to close.
    const deferredUntil = records.flatMap((r) => (r.deferredUntil ? [Date.parse(r.deferredUntil)] : []));
    const last = Math.max(sandbox.sandbox.clock.now(), ...deferredUntil);
    sandbox.sandbox.clock.set(last + 60_000);
    const finals = await Promise.all(pending);
    for (const f of finals) summary.outcomes[f.status] = (summary.outcomes[f.status] ?? 0) + 1;
    const everDeferred = new Set(records.filter((r) => r.status === 'deferred').map((r) => r.key));
    summary.deferredThenApplied = finals.filter(
      (f) => everDeferred.has(f.key) && f.status === 'applied',
    ).length;
    summary.conflicts.resolved = finals.filter((f) => f.firstAttemptStale && f.status === 'applied').length;
    const stats = sandbox.sandbox.ledger.since(1).entries;
    summary.ledger = {
      patches: stats.filter((e) => e.kind === 'patch').length,
      swaps: stats.filter((e) => e.kind === 'swap').length / 2,
      publish: stats.filter((e) => e.kind === 'publish').length,
      otherIntegration: stats.filter((e) => e.kind === 'mutator').length,
    };
    summary.httpCalls = httpCalls;
    summary.conflicts.versionConflicts = sandbox.stats.byErrorCode.VERSION_CONFLICT ?? 0;
    summary.conflicts.lockedAnswers = sandbox.stats.byErrorCode.SCHEDULE_LOCKED ?? 0;
    return { summary, model };
  } finally {
    await writer.close();
    await client.close?.();
    await sandbox.close();
  }
}
