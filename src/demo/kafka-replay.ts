import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { assemble } from '../app/assemble.js';
import { groupIds } from '../app/pipeline.js';
import { needsRepartition } from '../app/rules-adapter.js';
import { Config } from '../config/schema.js';
import { createKafka } from '../kafka/client.js';
import { IDEMPOTENT_SEND_RETRY } from '../kafka/kafka-retry.js';
import type { KafkaAdmin as Admin } from '../kafka/port.js';
import { silentLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { formatLocal } from '../time/local-format.js';
import { DEFAULT_PUBLISH_WINDOW } from '../time/publish-window.js';
import type { DemoOptions, Replay } from './demo-run.js';
import { startDemoWfm } from './demo-wfm.js';
import { consumedAll, settle } from './kafka-settle.js';
import { DemoTally } from './kafka-tally.js';
import { scenarioTicks } from './kafka-ticks.js';
import { loadScenario, scenarioModel } from './scenario.js';
import { emptySummary, settleSummary } from './summary.js';
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

/**
 * The replay through Kafka: the story is produced into real topics one minute of event
 * time at a time and consumed by the real pipeline (repartition → rules → adjustments →
 * writer → outcomes) of this process, writing into the in-process sandbox of the chosen WFM
 * through the backend its config section names (`wfm.kind`), as `trunk-reactor run` would.
 *
 * Time: the sandbox's virtual clock is the world's. It moves to a minute's events before
 * they are produced, and the next minute is produced only once the pipeline is idle —
 * every event of the minute committed by the rules stage and every adjustment it caused
 * written or deferred — so each write happens at its moment in the story, as in the
 * in-process replay. While a deferral waits for the publish window to close, the writer
 * stage pauses that partition (docs/pipeline.md): the demo then waits for the rules stage
 * only and lets time run on; the deferral ends when the clock passes the window.
 */
export const replayThroughKafka: Replay = async (o: DemoOptions, killSwitch, serve) => {
  const k = o.kafka;
  if (!k) throw new TypeError('replayThroughKafka needs the kafka options');
  const scenario = await loadScenario(o);
  const ticks = scenarioTicks(scenario);
  const generated = k.topicPrefix === undefined;
  const prefix = k.topicPrefix ?? `trunk-reactor-demo-${randomUUID().slice(0, 8)}`;
  const logger = k.logger ?? silentLogger;
  const cleanup: Array<() => Promise<unknown>> = [];
  const finish = async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  };
  try {
    const model = scenarioModel(scenario);
    await serve(model);
    const wfm = await startDemoWfm(o, scenario);
    cleanup.push(() => wfm.close());
    const { wfm: wfmSection, secrets } = wfm.config();
    const config = demoConfig(k, prefix, o.rulesFile, wfmSection);
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
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: IDEMPOTENT_SEND_RETRY,
    });

    const clock = virtualTime(wfm.clock);
    const tally = new DemoTally(model);
    const metrics = createMetrics({ defaultMetrics: false });
    let fatal: Error | undefined;
    const app = await assemble({
      loaded: { config, secrets },
      role: 'all',
      logger,
      clock,
      rules: scenario.rulesFile,
      metrics,
      killSwitch,
      observer: tally,
      maxWaitTimeInMs: 50,
      onFatal: (err) => {
        fatal = err;
      },
    });
    cleanup.push(() => app.close());
    cleanup.push(() => app.pipeline.stop(Date.now() + 5_000));
    await app.pipeline.start();
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const pipeline = app.pipeline;
    const repartition = needsRepartition(scenario.rulesFile);
    const inputGroup = repartition ? groupIds(config.kafka.groupId).repartition : config.kafka.groupId;
    const adjustments = () => pipeline.committed(topics.adjustments);
    // idle: every event produced is committed by the rules stage, every intent by the
    // planning stage, and every adjustment has an outcome record — unless one is deferred, which pauses its partition
    const idle = async (): Promise<string | null> => {
      if (!(await consumedAll(admin, inputGroup, topics.events)))
        return `group ${inputGroup} to consume every event`;
      if (repartition && pipeline.rulesCommitted < pipeline.committed(topics.repartition))
        return 'the rules stage to commit the repartitioned events';
      if (pipeline.planningCommitted < pipeline.intentsProduced)
        return 'the planning stage to commit the intents';
      if (tally.waiting.size === 0 && tally.recorded.size < adjustments())
        return `an outcome for each of ${adjustments()} adjustments (have ${tally.recorded.size})`;
      return null;
    };
    const settleOptions = (at: number) => ({
      timeoutMs: k.settleTimeoutMs ?? 60_000,
      fatal: () => fatal,
      at: `event time ${formatLocal(at, scenario.snapshot.businessUnit.timeZone)}`,
    });

    let produced = 0;
    for (const [i, tick] of ticks.entries()) {
      if (i > 0 && (o.paceMs ?? 0) > 0) await new Promise((r) => setTimeout(r, o.paceMs));
      if (tick.time > wfm.clock.now()) wfm.clock.set(tick.time);
      await producer.send({ topic: topics.events, messages: tick.messages });
      produced += tick.messages.length;
      model.feed({
        label: 'demo through Kafka',
        done: produced,
        total: scenario.lines.length,
        finished: false,
      });
      await settle(idle, settleOptions(tick.time));
      o.progress(produced, scenario.lines.length, wfm.clock.now());
    }
    // Walk the clock past any deferral still waiting for a publish window to close.
    const deferredUntil = tally.records.flatMap((r) =>
      r.deferredUntil ? [Date.parse(r.deferredUntil)] : [],
    );
    const last = Math.max(wfm.clock.now(), ...deferredUntil);
    wfm.clock.set(last + 60_000);
    await settle(async () => {
      const done = tally.waiting.size === 0 && tally.finals.size >= adjustments();
      return done
        ? null
        : `a final outcome for each of ${adjustments()} adjustments (have ${tally.finals.size})`;
    }, settleOptions(last));

    const summary = emptySummary('kafka', wfm.kind, tally.records, scenario);
    summary.kafka = { topicPrefix: prefix, deleted: generated };
    summary.events = {
      read: scenario.lines.length,
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
    return { summary, model };
  } finally {
    await finish();
  }
};

function demoConfig(
  k: KafkaDemoOptions,
  prefix: string,
  rulesFile: string,
  wfm: Record<string, unknown>,
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
