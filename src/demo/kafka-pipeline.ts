import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { assemble } from '../app/assemble.js';
import { groupIds } from '../app/pipeline.js';
import { needsRepartition } from '../app/rules-adapter.js';
import { Config } from '../config/schema.js';
import { createKafka } from '../kafka/client.js';
import type { KafkaAdmin as Admin, KafkaClient as Kafka } from '../kafka/port.js';
import { silentLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import type { StatusModel } from '../observability/status-model.js';
import type { KillSwitch } from '../planner/kill-switch.js';
import { formatLocal } from '../time/local-format.js';
import { DEFAULT_PUBLISH_WINDOW } from '../time/publish-window.js';
import type { DemoWfm } from './demo-wfm.js';
import { consumedAll, settle } from './kafka-settle.js';
import { DemoTally } from './kafka-tally.js';
import { tallySubscriber } from './kafka-tally-subscriber.js';
import type { Scenario } from './scenario.js';
import { type DemoSummary, emptySummary, settleSummary } from './summary.js';
import { virtualTime } from './virtual-time.js';

export interface KafkaDemoOptions {
  brokers: string[];
  /**
   * topics `<prefix>.events`, `.adjustments`, … and consumer groups `<prefix>…`; they must
   * not exist yet. Default `trunk-reactor-demo-<random>`, deleted when the demo ends
   * (a prefix you choose is kept, to look at the topics afterwards).
   */
  topicPrefix?: string;
  /** partitions of each topic (default 3) */
  partitions?: number;
  /** the pipeline's log (default: silent) */
  logger?: Logger;
  /** how long the pipeline may take to catch up with one minute of events, ms (default 60 s) */
  settleTimeoutMs?: number;
}

/** What closes when the demo ends, last opened first. */
export type Cleanup = Array<() => Promise<unknown>>;

/** The Kafka side of a demo: fresh topics, the pipeline of `trunk-reactor run` on them, and its waits. */
export interface DemoPipeline {
  readonly config: Config;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly prefix: string;
  readonly logger: Logger;
  readonly tally: DemoTally;
  /** Waits until `awaiting` answers null (it names what it still waits for), failing on a pipeline error. */
  waitFor(awaiting: () => Promise<string | null>, at: number): Promise<void>;
  /**
   * Waits until the pipeline is idle: every event on the events topic committed by the rules
   * stage, every intent by the planning stage, and every adjustment with an outcome record
   * (unless one is deferred, which pauses its partition).
   */
  idle(at: number): Promise<void>;
  /**
   * Walks the clock past any deferral still waiting for a publish window to close, waits for
   * every adjustment's final outcome and answers the summary; `eventsRead` is what the events
   * topic carried.
   */
  summarize(source: DemoSummary['source'], eventsRead: number): Promise<DemoSummary>;
}

export interface DemoPipelineArgs {
  k: KafkaDemoOptions;
  scenario: Scenario;
  wfm: DemoWfm;
  model: StatusModel;
  killSwitch: KillSwitch;
  cleanup: Cleanup;
  /** config sections beside kafka, wfm and rules (the bridge's) */
  extraSections?: Record<string, unknown>;
}

/**
 * Creates the demo's topics (refusing ones that exist), and starts the real pipeline of this
 * process on them (repartition → rules → adjustments → writer → outcomes), writing into the
 * in-process sandbox of the chosen WFM through the backend its config section names
 * (`wfm.kind`), as `trunk-reactor run` would, on the sandbox's virtual clock.
 */
export async function startDemoPipeline(a: DemoPipelineArgs): Promise<DemoPipeline> {
  const { k, scenario, wfm, model, cleanup } = a;
  const generated = k.topicPrefix === undefined;
  const prefix = k.topicPrefix ?? `trunk-reactor-demo-${randomUUID().slice(0, 8)}`;
  const logger = k.logger ?? silentLogger;
  const { wfm: wfmSection, secrets } = wfm.config();
  const config = demoConfig(k, prefix, scenario.files.rulesFile, wfmSection, a.extraSections ?? {});
  const topics = config.kafka.topics;
  const kafka = createKafka({ kafka: config.kafka, logger });
  const admin = kafka.admin();
  await connect(admin, k.brokers);
  cleanup.push(() => admin.disconnect());
  const existing = new Set(await admin.listTopics());
  const taken = Object.values(topics).filter((t) => existing.has(t));
  if (taken.length > 0)
    throw new Error(
      `topic ${taken[0]} already exists: the Kafka demo starts from fresh topics and groups; choose another --topic-prefix`,
    );
  if (generated) cleanup.push(() => deleteDemoTopics(admin, config));

  const tally = new DemoTally(model);
  const metrics = createMetrics({ defaultMetrics: false });
  let fatal: Error | undefined;
  const app = await assemble({
    loaded: { config, secrets },
    role: 'all',
    logger,
    clock: virtualTime(wfm.clock),
    rules: scenario.rulesFile,
    metrics,
    killSwitch: a.killSwitch,
    subscriber: tallySubscriber(tally),
    maxWaitTimeInMs: 50,
    onFatal: (err) => {
      fatal = err;
    },
  });
  cleanup.push(() => app.close());
  cleanup.push(() => app.pipeline.stop(Date.now() + 5_000));
  await app.pipeline.start();

  const pipeline = app.pipeline;
  const repartition = needsRepartition(scenario.rulesFile);
  const inputGroup = repartition ? groupIds(config.kafka.groupId).repartition : config.kafka.groupId;
  const adjustments = () => pipeline.committed(topics.adjustments);
  const waitFor = (awaiting: () => Promise<string | null>, at: number) =>
    settle(awaiting, {
      timeoutMs: k.settleTimeoutMs ?? 60_000,
      fatal: () => fatal,
      at: `event time ${formatLocal(at, scenario.snapshot.businessUnit.timeZone)}`,
    });
  return {
    config,
    kafka,
    admin,
    prefix,
    logger,
    tally,
    waitFor,
    idle: (at) =>
      waitFor(async () => {
        if (!(await consumedAll(admin, inputGroup, topics.events)))
          return `group ${inputGroup} to consume every event`;
        if (repartition && pipeline.rulesCommitted < pipeline.committed(topics.repartition))
          return 'the rules stage to commit the repartitioned events';
        if (pipeline.planningCommitted < pipeline.intentsProduced)
          return 'the planning stage to commit the intents';
        if (tally.waiting.size === 0 && tally.recorded.size < adjustments())
          return `an outcome for each of ${adjustments()} adjustments (have ${tally.recorded.size})`;
        return null;
      }, at),
    async summarize(source, eventsRead) {
      const deferredUntil = tally.records.flatMap((r) =>
        r.deferredUntil ? [Date.parse(r.deferredUntil)] : [],
      );
      const last = Math.max(wfm.clock.now(), ...deferredUntil);
      wfm.clock.set(last + 60_000);
      await waitFor(async () => {
        const done = tally.waiting.size === 0 && tally.finals.size >= adjustments();
        return done
          ? null
          : `a final outcome for each of ${adjustments()} adjustments (have ${tally.finals.size})`;
      }, last);
      const summary = emptySummary(source, wfm.kind, tally.records, scenario);
      summary.kafka = { topicPrefix: prefix, deleted: generated };
      summary.events = {
        read: eventsRead,
        accepted: tally.accepted.size,
        bad: await total(metrics.eventsDeadLettered, { code: 'TR_ERR_EVENT_DECODE' }),
        late: tally.late.size,
        duplicates: tally.duplicates.size,
      };
      summary.firings = await total(metrics.ruleFirings);
      summary.adjustments = adjustments();
      summary.skippedByKillSwitch = tally.skippedByKillSwitch;
      const finals = [...tally.finals.values()];
      settleSummary(summary, finals);
      wfm.report(summary, finals, app.wfm, await total(metrics.wfmCalls));
      return summary;
    },
  };
}

/** Runs what `cleanup` holds, last first; a failure there does not hide the demo's own. */
export async function runCleanup(cleanup: Cleanup): Promise<void> {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
}

function demoConfig(
  k: KafkaDemoOptions,
  prefix: string,
  rulesFile: string,
  wfm: Record<string, unknown>,
  extra: Record<string, unknown>,
): Config {
  return Config.parse({
    kafka: {
      brokers: k.brokers,
      clientId: prefix,
      groupId: prefix,
      partitions: k.partitions ?? 3,
      sessionTimeoutMs: 10_000,
      transactionTimeoutMs: 30_000,
      // the demo waits for the rules stage to commit every step before the next one
      commitIntervalMs: 50,
      topics: {
        events: `${prefix}.events`,
        deadLetter: `${prefix}.dead-letter`,
        adjustments: `${prefix}.adjustments`,
        outcomes: `${prefix}.outcomes`,
        state: `${prefix}.rule-state`,
        repartition: `${prefix}.repartition`,
        intents: `${prefix}.intents`,
      },
    },
    // the in-process sandbox of the chosen WFM (its secret is handed to assemble)
    wfm,
    publishWindow: DEFAULT_PUBLISH_WINDOW,
    rules: { files: [rulesFile], watch: false },
    log: { level: 'error' },
    ...extra,
  });
}

async function connect(admin: Admin, brokers: readonly string[]): Promise<void> {
  try {
    await admin.connect();
  } catch (cause) {
    throw new Error(
      `cannot reach Kafka at ${brokers.join(',')} (${(cause as Error).message}); start a broker (npm run kafka:start), or run the demo without Kafka: unset KAFKA_BROKERS or pass --source memory`,
      { cause },
    );
  }
}

async function total(
  counter: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([l, x]) => v.labels[l] === x))
    .reduce((n, v) => n + v.value, 0);
}

async function deleteDemoTopics(admin: Admin, config: Config): Promise<void> {
  const g = groupIds(config.kafka.groupId);
  await admin.deleteGroups(Object.values(g)).catch(() => {});
  await admin.deleteTopics({ topics: Object.values(config.kafka.topics) });
}
