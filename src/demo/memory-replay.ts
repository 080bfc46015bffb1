import { DEFAULTS } from '../config/defaults.js';
import type { StatusModel } from '../observability/status-model.js';
import type { Adjustment } from '../planner/adjustment.js';
import type { KillSwitch } from '../planner/kill-switch.js';
import { Planner } from '../planner/planner.js';
import { sharingReads } from '../planner/shared-reads.js';
import { RuleEngine } from '../rules/engine.js';
import type { Intent } from '../rules/intent.js';
import { DEFAULT_PUBLISH_WINDOW } from '../time/publish-window.js';
import type { IsoWeekday } from '../time/schedule-week.js';
import type { Outcome } from '../writer/outcome.js';
import { Writer } from '../writer/writer.js';
import { writerOptionsFrom } from '../writer/writer-settings.js';
import type { DemoOptions, Replay } from './demo-run.js';
import { startDemoWfm } from './demo-wfm.js';
import { loadScenario, scenarioModel } from './scenario.js';
import { emptySummary, settleSummary } from './summary.js';
import { virtualTime } from './virtual-time.js';

/**
 * The replay without Kafka: each event straight into the rules engine, each intent into
 * the planner, each adjustment into the writer, in this process; the planner reads and the
 * writer writes through one backend on the chosen WFM's sandbox.
 */
export const replayInMemory: Replay = async (o: DemoOptions, killSwitch: KillSwitch, serve) => {
  const scenario = await loadScenario(o);
  const { snapshot, items } = scenario;
  const model: StatusModel = scenarioModel(scenario);
  await serve(model);

  const wfm = await startDemoWfm(o, scenario);
  const clock = virtualTime(wfm.clock);
  const backend = wfm.connect(clock);
  const records: Outcome[] = [];
  const firstRecord = new Map<string, () => void>();
  const writer = new Writer({
    ...writerOptionsFrom(DEFAULTS.writer),
    adapter: backend.adapter,
    concurrency: backend.concurrency,
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
    // the planner's lists give the writer its versions, as in `run --role all`
    source: sharingReads(backend.adapter, (shifts) => writer.remember(shifts)),
    clock,
    businessUnit: {
      zone: snapshot.businessUnit.timeZone,
      weekStart: snapshot.businessUnit.weekStart as IsoWeekday,
    },
    killSwitch,
  });
  const engine = new RuleEngine(scenario.rules, { onTransition: (t) => model.transition(t) });
  const summary = emptySummary('memory', wfm.kind, records, scenario);
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
        o.progress(summary.events.read, items.length, wfm.clock.now());
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
      if (item.sample.time > wfm.clock.now()) wfm.clock.set(item.sample.time);
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
    const last = Math.max(wfm.clock.now(), ...deferredUntil);
    wfm.clock.set(last + 60_000);
    const finals = await Promise.all(pending);
    settleSummary(summary, finals);
    wfm.report(summary, finals, backend.adapter, backend.requests());
    return { summary, model };
  } finally {
    await writer.close();
    await backend.close();
    await wfm.close();
  }
};
