import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createKafka } from '../kafka/client.js';
import type { ConsumerCrashedError } from '../kafka/errors.js';
import type { Metrics } from '../observability/metrics.js';
import { type PipelineSubscriber, Probe, subscribe } from '../observability/pipeline-events.js';
import { WfmOutageLog, type WriterBacklog } from '../observability/wfm-outage-log.js';
import { FileKillSwitch, type KillSwitch } from '../planner/kill-switch.js';
import type { PlannerOptions } from '../planner/planner.js';
import { sharingReads } from '../planner/shared-reads.js';
import { loadRulesFile } from '../rules/load.js';
import type { RulesFile } from '../rules/schema.js';
import { type Clock, systemClock } from '../time/clock.js';
import type { IsoWeekday } from '../time/schedule-week.js';
import { type WfmBackend, wfmFromConfig, writerConcurrency } from '../wfm/from-config.js';
import { SharedBudgetGate } from '../writer/budget-gate.js';
import { Pipeline, type PipelineRole } from './pipeline.js';
import { rulesEvaluators } from './rules-adapter.js';
import { writerApplier } from './writer-adapter.js';

export interface AssembleOptions {
  loaded: Pick<LoadedConfig, 'config' | 'secrets'>;
  role: PipelineRole;
  logger: Logger;
  onFatal: (err: ConsumerCrashedError) => void;
  clock?: Clock;
  /** distinguishes instances in broker logs */
  instanceId?: string;
  /** overrides the rules files (tests) */
  rules?: RulesFile;
  maxWaitTimeInMs?: number;
  writerHoldMs?: number;
  maxWriterLag?: number;
  /** Prometheus metrics, counted from the instance's events */
  metrics?: Metrics;
  /** stops all planning while consumption goes on; default: the file `rules.killSwitchFile` */
  killSwitch?: KillSwitch;
  /**
   * told the instance's events (the status page, the demo); subscribed before the pipeline
   * starts, its errors logged, never thrown into a stage
   */
  subscriber?: PipelineSubscriber;
}

export interface Assembled {
  pipeline: Pipeline;
  /** the instance's publisher: subscribe to it for what its stages see (observability/pipeline-events.ts) */
  probe: Probe;
  gate: SharedBudgetGate;
  /** the WFM backend (readiness probes) */
  wfm: WfmBackend;
  killSwitch: KillSwitch;
  close(): Promise<void>;
}

/**
 * Builds one instance from the config: the Kafka client, the rules (every file's rules
 * in one set; engine settings and defaults from the first), the planner reading through
 * the WFM client, the writer, and the shared WFM budget. One WFM client serves planner
 * reads and writer writes, so both count against this instance's share of the budget.
 */
export async function assemble(o: AssembleOptions): Promise<Assembled> {
  const { config, secrets } = o.loaded;
  const clock = o.clock ?? systemClock;
  const kafka = createKafka({
    kafka: config.kafka,
    saslPassword: secrets.saslPassword,
    logger: o.logger,
    ...(o.instanceId ? { clientIdSuffix: o.instanceId } : {}),
  });
  const gate = new SharedBudgetGate(config.wfm.requestsPerMinute, clock);
  const probe = new Probe(o.instanceId);
  // the WFM going unreachable, in the log: once, a summary a minute, once when it answers again
  const outages = new WfmOutageLog({
    logger: o.logger,
    clock,
    backlog: () => writerBacklog(pipeline, o.role),
  });
  const publishWindow = { ...config.publishWindow, dayOfWeek: config.publishWindow.dayOfWeek as IsoWeekday };
  const wfm = wfmFromConfig(o.loaded, {
    clock,
    gate,
    logger: o.logger,
    publishWindow,
    onRequest: (e) => {
      probe.wfmRequest(e);
      outages.request(e);
    },
  });
  const businessUnit = businessUnitCalendar(config);
  const killSwitch = o.killSwitch ?? new FileKillSwitch(config.rules.killSwitchFile);
  const applier =
    o.role === 'rules'
      ? undefined
      : writerApplier({
          adapter: wfm,
          clock,
          logger: o.logger,
          concurrency: writerConcurrency(config),
          publishWindow,
          businessUnit: { timeZone: businessUnit.zone },
          settings: config.writer,
          probe,
        });
  let evaluators: ReturnType<typeof rulesEvaluators> | undefined;
  if (o.role !== 'writer') {
    const rules = o.rules ?? (await loadRuleFiles(config.rules.files));
    // Planner reads fill the writer's version cache in an instance that runs both (shared-reads.ts).
    const source = applier ? sharingReads(wfm, (shifts) => applier.remember(shifts)) : wfm;
    const planner: PlannerOptions = { source, businessUnit, clock, killSwitch, read: config.planner };
    evaluators = rulesEvaluators({
      rules,
      planner,
      eventTime: {
        clock,
        maxFutureSkewMs: config.rules.maxFutureSkewMs,
        memberIdleMs: config.rules.memberIdleMs,
      },
      logger: o.logger,
      probe,
    });
  }
  const pipeline = new Pipeline({
    kafka,
    config,
    role: o.role,
    probe,
    ...(evaluators ? { evaluators } : {}),
    ...(applier ? { applier } : {}),
    onWriterAssignment: (assigned, total) => gate.setShare(assigned, total),
    logger: o.logger,
    onFatal: o.onFatal,
    ...(o.maxWaitTimeInMs !== undefined ? { maxWaitTimeInMs: o.maxWaitTimeInMs } : {}),
    ...(o.writerHoldMs !== undefined ? { writerHoldMs: o.writerHoldMs } : {}),
    ...(o.maxWriterLag !== undefined ? { maxWriterLag: o.maxWriterLag } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
  const unsubscribe = o.subscriber
    ? subscribe(probe, o.subscriber, (obj, msg) => o.logger.warn(obj, msg))
    : () => {};
  outages.start();
  return {
    pipeline,
    probe,
    gate,
    wfm,
    killSwitch,
    async close() {
      unsubscribe();
      outages.stop();
      await wfm.close();
    },
  };
}

/** Adjustments waiting (the writer group's lag, read by the rules side) and dead-lettered by this writer. */
function writerBacklog(pipeline: Pipeline, role: PipelineRole): WriterBacklog {
  return {
    ...(role !== 'writer' ? { waiting: pipeline.writerLag } : {}),
    ...(pipeline.writer ? { deadLettered: pipeline.writerStats.deadLettered } : {}),
  };
}

/**
 * The business unit's calendar (zone, week start) for the planner and writer. The config
 * has no business-unit section yet, so it is the publish window's: its zone, and its day
 * as the week start (the publish job publishes the week that starts that day). This is
 * the one place to change when the config gains `businessUnit`.
 */
export function businessUnitCalendar(config: Pick<Config, 'publishWindow'>): {
  zone: string;
  weekStart: IsoWeekday;
} {
  return { zone: config.publishWindow.zone, weekStart: config.publishWindow.dayOfWeek as IsoWeekday };
}

/** Every file's rules in one set; engine settings and defaults from the first file. */
export async function loadRuleFiles(files: readonly string[]): Promise<RulesFile> {
  const loaded = await Promise.all(files.map((f) => loadRulesFile(f)));
  const [first, ...rest] = loaded;
  if (!first) throw new TypeError('rules.files is empty');
  return { ...first, rules: [...first.rules, ...rest.flatMap((f) => f.rules)] };
}
