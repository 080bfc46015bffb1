import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createKafka } from '../kafka/client.js';
import type { ConsumerCrashedError } from '../kafka/errors.js';
import type { Metrics } from '../observability/metrics.js';
import { WfmOutageLog, type WriterBacklog } from '../observability/wfm-outage-log.js';
import { FileKillSwitch, type KillSwitch } from '../planner/kill-switch.js';
import type { PlannerOptions } from '../planner/planner.js';
import { sharingReads } from '../planner/shared-reads.js';
import { loadRulesFile } from '../rules/load.js';
import type { RulesFile } from '../rules/schema.js';
import { type Clock, systemClock } from '../time/clock.js';
import type { IsoWeekday } from '../time/schedule-week.js';
import { type WfmBackend, wfmFromConfig, writerConcurrency } from '../wfm/from-config.js';
import type { WfmRequestEvent } from '../wfm/http-client.js';
import { SharedBudgetGate } from '../writer/budget-gate.js';
import { guardObserver, type PipelineObserver } from './observer.js';
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
  /** Prometheus metrics; the stages count into them */
  metrics?: Metrics;
  /** stops all planning while consumption goes on; default: the file `rules.killSwitchFile` */
  killSwitch?: KillSwitch;
  /** told what the stages see (the status page); its errors are logged, never thrown into a stage */
  observer?: PipelineObserver;
}

export interface Assembled {
  pipeline: Pipeline;
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
  // the WFM going unreachable, in the log: once, a summary a minute, once when it answers again
  const outages = new WfmOutageLog({
    logger: o.logger,
    clock,
    backlog: () => writerBacklog(pipeline, o.role),
  });
  const requestMetrics = o.metrics ? wfmRequestMetrics(o.metrics) : undefined;
  const publishWindow = { ...config.publishWindow, dayOfWeek: config.publishWindow.dayOfWeek as IsoWeekday };
  const wfm = wfmFromConfig(o.loaded, {
    clock,
    gate,
    logger: o.logger,
    publishWindow,
    onRequest: (e) => {
      requestMetrics?.(e);
      outages.request(e);
    },
  });
  const businessUnit = businessUnitCalendar(config);
  const killSwitch = o.killSwitch ?? new FileKillSwitch(config.rules.killSwitchFile);
  const observer = o.observer ? guardObserver(o.observer, (obj, msg) => o.logger.warn(obj, msg)) : undefined;
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
          ...(observer ? { observer } : {}),
        });
  let evaluators: ReturnType<typeof rulesEvaluators> | undefined;
  if (o.role !== 'writer') {
    const rules = o.rules ?? (await loadRuleFiles(config.rules.files));
    // Planner reads fill the writer's version cache in an instance that runs both (shared-reads.ts).
    const source = applier ? sharingReads(wfm, (shifts) => applier.remember(shifts)) : wfm;
    const planner: PlannerOptions = { source, businessUnit, clock, killSwitch, read: config.planner };
    const firings = o.metrics?.ruleFirings;
    evaluators = rulesEvaluators({
      rules,
      planner,
      eventTime: {
        clock,
        maxFutureSkewMs: config.rules.maxFutureSkewMs,
        memberIdleMs: config.rules.memberIdleMs,
      },
      logger: o.logger,
      ...(firings ? { onIntent: (rule: string) => firings.inc({ rule }) } : {}),
      ...(observer ? { observer } : {}),
    });
  }
  const pipeline = new Pipeline({
    kafka,
    config,
    role: o.role,
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
  outages.start();
  return {
    pipeline,
    gate,
    wfm,
    killSwitch,
    async close() {
      outages.stop();
      await wfm.close();
    },
  };
}

/** Adjustments waiting (the writer group's lag, read by the rules side) and dead-lettered by this writer. */
function writerBacklog(pipeline: Pipeline, role: PipelineRole): WriterBacklog {
  return {
    ...(role !== 'writer' ? { waiting: pipeline.writerLag } : {}),
    ...(pipeline.writer ? { deadLettered: pipeline.writer.stats.deadLettered } : {}),
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

const CONFLICT_KINDS: Record<string, string> = {
  VERSION_CONFLICT: 'stale-version',
  SHIFT_OVERLAP: 'overlap',
  SCHEDULE_LOCKED: 'locked',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'key-in-flight',
  SCHEDULE_CONFLICT: 'opaque',
};

/** WFM calls by route and status, their latency, and conflicts by kind. */
function wfmRequestMetrics(m: Metrics): (e: WfmRequestEvent) => void {
  return (e) => {
    m.wfmCalls.inc({ route: e.route, status: String(e.status ?? 0) });
    m.wfmLatency.observe({ route: e.route }, e.durationMs / 1000);
    const kind = e.status === 409 && e.code ? CONFLICT_KINDS[e.code] : undefined;
    if (kind) m.conflicts.inc({ kind });
  };
}
