import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../observability/metrics.js';
import { installAbortedTransactionFilter } from './aborted-transactions.js';
import { deadLetterRecordBytes } from './dead-letter.js';
import type { ConsumerCrashedError } from './errors.js';
import type { EventTimeAligner } from './event-time-alignment.js';
import { installFastRecordDecoder } from './fast-records.js';
import { KafkaIntentSink } from './intent-sink.js';
import { installLeanBatch } from './lean-batch.js';
import { type PlanningStageStats, planningProcessor } from './planning-stage.js';
import type { AdjustmentApplier, EvaluatorFactory } from './ports.js';
import type { Stall } from './progress-watch.js';
import { BROKER_DEFAULT_MAX_MESSAGE_BYTES } from './record-size.js';
import { cachedDecoder, repartitionAligner, repartitionProcessor } from './repartition-stage.js';
import { type RulesStageStats, rulesProcessor } from './rules-stage.js';
import { TransactionalStage } from './stage/kafkajs-driver.js';
import { ensureTopics, pipelineTopics, topicMaxMessageBytes } from './topics.js';
import { WriterLagGate } from './writer-lag-gate.js';
import { WriterStage } from './writer-stage.js';

export type PipelineRole = 'all' | 'rules' | 'writer';

export interface PipelineOptions {
  kafka: Kafka;
  config: Config;
  role: PipelineRole;
  /** rules + planner, for roles `all` and `rules` */
  evaluators?: EvaluatorFactory;
  /** the writer, for roles `all` and `writer` */
  applier?: AdjustmentApplier;
  /** told this instance's share of writer partitions on every rebalance (the WFM budget share) */
  onWriterAssignment?: (assigned: number, total: number) => void;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** kafkajs gave up on a consumer; the caller exits the process */
  onFatal: (err: ConsumerCrashedError) => void;
  /** kafkajs fetch wait, milliseconds (tests use less than the default 500) */
  maxWaitTimeInMs?: number;
  /** a writer batch waits this long before its partition is paused, milliseconds */
  writerHoldMs?: number;
  /** the rules stage pauses while the writer group has more uncommitted adjustments than this */
  maxWriterLag?: number;
  /** Prometheus metrics (observability/metrics.ts); counted where things happen */
  metrics?: Metrics;
}

/** Defaults of the pipeline's own knobs (the rest comes from the config). */
export const PIPELINE_DEFAULTS = {
  /** adjustments the writer group may have uncommitted before the rules stage pauses */
  maxWriterLag: 10_000,
  /** how often the rules stage re-reads the writer's lag while it is paused, milliseconds */
  writerLagPollMs: 1_000,
  /**
   * bytes fetched per partition per batch by the rules stage: a batch is one transaction and
   * one state snapshot per partition, so bigger batches mean fewer of both
   */
  rulesFetchBytesPerPartition: 1_048_576,
};

/** What a readiness probe needs: is every stage of this instance consuming, and how much it owns. */
export interface PipelineStatus {
  consuming: boolean;
  assignedPartitions: number;
  /** input partitions that keep failing at one offset (progress-watch.ts) */
  stalled: Stall[];
}

/** Group ids of the four consumer groups, derived from `kafka.groupId`. */
export function groupIds(groupId: string) {
  return {
    rules: groupId,
    repartition: `${groupId}-repartition`,
    planning: `${groupId}-planning`,
    writer: `${groupId}-writer`,
  };
}

/**
 * The whole pipeline of one instance: (repartition →) rules → planning → writer, each a
 * consumer group, so adding an instance adds members to all of them and Kafka spreads the
 * partitions. Role `rules` runs the first three, `writer` the last. Topics are created (or
 * checked) first.
 */
export class Pipeline {
  readonly #o: PipelineOptions;
  #admin: Admin | undefined;
  #repartition: TransactionalStage | undefined;
  #rules: TransactionalStage | undefined;
  #planning: TransactionalStage | undefined;
  #writer: WriterStage | undefined;
  #aligner: EventTimeAligner | undefined;
  #lagGate: WriterLagGate | undefined;
  readonly rulesStats: RulesStageStats = { events: 0, deadLettered: 0, intents: 0 };
  readonly planningStats: PlanningStageStats = { intents: 0, repeats: 0, adjustments: 0, deadLettered: 0 };
  #intents: KafkaIntentSink | undefined;
  readonly repartitionStats = { events: 0, deadLettered: 0, routed: 0 };

  constructor(o: PipelineOptions) {
    this.#o = o;
  }

  /** When the stage reading the events topic (repartition, else rules) started consuming, epoch ms. */
  get inputRunSince(): number | undefined {
    return (this.#repartition ?? this.#rules)?.runSince;
  }

  /** Records committed to `topic` by this instance's transactional stages. */
  committed(topic: string): number {
    return (
      (this.#repartition?.committed.get(topic) ?? 0) +
      (this.#rules?.committed.get(topic) ?? 0) +
      (this.#planning?.committed.get(topic) ?? 0)
    );
  }

  /** intents whose planning the planning stage has committed */
  get planningCommitted(): number {
    return this.#planning?.stats.messages ?? 0;
  }

  /** batches and transactions of the planning stage that failed and were rewound to the committed offset */
  get planningAborted(): number {
    return this.#planning?.stats.aborted ?? 0;
  }

  /** intents the rules stage sent and the broker acknowledged (repeats after a replay included) */
  get intentsProduced(): number {
    return this.#intents?.acknowledged ?? 0;
  }

  /** input messages whose processing the rules stage has committed */
  get rulesCommitted(): number {
    return this.#rules?.stats.messages ?? 0;
  }

  get writer(): WriterStage | undefined {
    return this.#writer;
  }

  /** the writer group's uncommitted adjustments, as last read by the rules-side gate */
  get writerLag(): number {
    return this.#lagGate?.lag ?? 0;
  }

  /** Read-only status for readiness: consuming once every stage runs, until stop. */
  get status(): PipelineStatus {
    const stages = [this.#repartition, this.#rules, this.#planning, this.#writer].filter(
      (x) => x !== undefined,
    );
    return {
      consuming: stages.length > 0 && stages.every((x) => x.consuming),
      assignedPartitions:
        (this.#repartition?.assigned.size ?? 0) +
        (this.#rules?.assigned.size ?? 0) +
        (this.#planning?.assigned.size ?? 0) +
        (this.#writer?.assignedPartitions ?? 0),
      stalled: [this.#repartition, this.#rules, this.#planning].flatMap((x) => x?.stalled ?? []),
    };
  }

  async start(): Promise<void> {
    const { kafka, config, role, logger } = this.#o;
    // before the first fetch (restoring state reads the state topic)
    const records = installFastRecordDecoder();
    if (records.installed) logger.debug('kafkajs records decoded by the lean decoder (fast-records.ts)');
    else logger.info({ reason: records.reason }, "kafkajs records decoded by kafkajs' own decoder");
    const batches = installLeanBatch();
    if (batches.installed) logger.debug("kafkajs' consumer batches made by the lean batch (lean-batch.ts)");
    else logger.info({ reason: batches.reason }, "kafkajs' consumer batches made by kafkajs' own Batch");
    // the lean batch filters with the project's filter itself; kafkajs' Batch only once it is installed
    const aborted = installAbortedTransactionFilter();
    if (!batches.installed && !aborted.installed)
      logger.warn(
        { reason: aborted.reason },
        "kafkajs' own aborted-transaction filter is in use: after a kill, records of aborted transactions can be read as committed (aborted-transactions.ts)",
      );
    const k = config.kafka;
    const t = k.topics;
    const admin = kafka.admin();
    this.#admin = admin;
    await admin.connect();
    const counts = await ensureTopics(admin, pipelineTopics(k), k.replicationFactor);
    // dead letters are cut to fit the dead-letter topic, and packed so that no request's
    // batch for it is over its limit (dead-letter.ts, record-size.ts)
    const deadLetterLimit = await topicMaxMessageBytes(admin, t.deadLetter).catch((err: unknown) => {
      logger.warn(
        { topic: t.deadLetter, err, assumed: BROKER_DEFAULT_MAX_MESSAGE_BYTES },
        "the dead-letter topic's max.message.bytes could not be read (DescribeConfigs denied?): assuming the broker's default",
      );
      return BROKER_DEFAULT_MAX_MESSAGE_BYTES;
    });
    const deadLetterBytes = deadLetterRecordBytes(t.deadLetter, deadLetterLimit);
    const recordLimits = new Map([[t.deadLetter, deadLetterLimit]]);
    const g = groupIds(k.groupId);
    const metrics = this.#o.metrics;
    const onConsumed = (topic: string) =>
      metrics
        ? (partition: number, n: number, lag: number) => {
            metrics.eventsConsumed.inc({ topic }, n);
            metrics.consumerLag.set({ topic, partition: String(partition) }, lag);
          }
        : undefined;
    const common = {
      kafka,
      admin,
      transactionTimeoutMs: k.transactionTimeoutMs,
      sessionTimeoutMs: k.sessionTimeoutMs,
      logger,
      onFatal: this.#o.onFatal,
      ...(this.#o.maxWaitTimeInMs !== undefined ? { maxWaitTimeInMs: this.#o.maxWaitTimeInMs } : {}),
    };
    /**
     * What every transactional stage's options derive from its name, group and input topic:
     * the transactionalId prefix, one worker per input partition, and its metrics.
     */
    const stage = (name: string, groupId: string, inputTopic: string) => {
      const consumed = onConsumed(inputTopic);
      return {
        ...common,
        name,
        groupId,
        inputTopic,
        transactionalIdPrefix: `${groupId}-${inputTopic}`,
        concurrency: counts.get(inputTopic) ?? k.partitions,
        recordLimits,
        ...(metrics
          ? { onTransaction: (s: number) => metrics.transactionLatency.observe({ stage: name }, s) }
          : {}),
        ...(consumed ? { onConsumed: consumed } : {}),
      };
    };
    if (role !== 'writer') {
      const evaluators = this.#o.evaluators;
      if (!evaluators) throw new TypeError(`role '${role}' needs evaluators (the rules engine and planner)`);
      const { repartition, lanes, allowedLatenessMs } = evaluators.routing;
      const input = repartition ? t.repartition : t.events;
      if (repartition) {
        const decode = cachedDecoder();
        // a source partition unheard of since assignment holds the others for two fetch waits
        const idleMs = Math.max(1_000, 2 * (this.#o.maxWaitTimeInMs ?? 500));
        this.#aligner = repartitionAligner(decode, allowedLatenessMs, idleMs);
        this.#repartition = new TransactionalStage({
          ...stage('repartition', g.repartition, t.events),
          pacing: this.#aligner,
          processor: repartitionProcessor({
            topics: { input: t.events, repartition: t.repartition, deadLetter: t.deadLetter },
            lanes,
            stats: this.repartitionStats,
            decode,
            deadLetterRecordBytes: deadLetterBytes,
            ...(metrics ? { metrics } : {}),
          }),
        });
      }
      this.#intents = new KafkaIntentSink(kafka, t.intents);
      await this.#intents.connect();
      this.#lagGate = new WriterLagGate({
        admin,
        writerGroupId: g.writer,
        adjustmentsTopic: t.adjustments,
        maxLag: this.#o.maxWriterLag ?? PIPELINE_DEFAULTS.maxWriterLag,
        pollMs: PIPELINE_DEFAULTS.writerLagPollMs,
      });
      const lagGate = this.#lagGate;
      this.#rules = new TransactionalStage({
        ...stage('rules', g.rules, input),
        gate: (heartbeat, isRunning) => lagGate.wait(heartbeat, isRunning),
        maxBytesPerPartition: PIPELINE_DEFAULTS.rulesFetchBytesPerPartition,
        commitIntervalMs: k.commitIntervalMs,
        processor: rulesProcessor({
          kafka,
          groupId: g.rules,
          topics: {
            input,
            deadLetter: t.deadLetter,
            state: t.state,
            statePartitions: counts.get(t.state) ?? k.partitions,
          },
          evaluators,
          intents: this.#intents,
          stats: this.rulesStats,
          deadLetterRecordBytes: deadLetterBytes,
          ...(metrics ? { metrics } : {}),
        }),
      });
      this.#planning = new TransactionalStage({
        ...stage('planning', g.planning, t.intents),
        commitIntervalMs: k.commitIntervalMs,
        urgentTopics: new Set([t.adjustments]),
        processor: planningProcessor({
          kafka,
          groupId: g.planning,
          topics: {
            intents: t.intents,
            adjustments: t.adjustments,
            deadLetter: t.deadLetter,
            state: t.state,
            statePartitions: counts.get(t.state) ?? k.partitions,
          },
          planners: evaluators.planning,
          fingerprint: evaluators.fingerprint,
          stats: this.planningStats,
          ...(metrics ? { metrics } : {}),
        }),
      });
    }
    if (role !== 'rules') {
      const applier = this.#o.applier;
      if (!applier) throw new TypeError(`role '${role}' needs an applier (the writer)`);
      this.#writer = new WriterStage({
        ...common,
        groupId: g.writer,
        topics: { adjustments: t.adjustments, outcomes: t.outcomes, deadLetter: t.deadLetter },
        partitions: counts.get(t.adjustments) ?? k.partitions,
        applier,
        transactionalIdPrefix: `${g.writer}-${t.adjustments}`,
        ...(this.#o.onWriterAssignment ? { onAssigned: this.#o.onWriterAssignment } : {}),
        ...(this.#o.writerHoldMs !== undefined ? { holdMs: this.#o.writerHoldMs } : {}),
        ...(metrics ? { metrics } : {}),
      });
    }
    await this.#writer?.start();
    await this.#planning?.start();
    await this.#rules?.start();
    await this.#repartition?.start();
    logger.info({ role, repartition: this.#repartition !== undefined }, 'pipeline started');
  }

  /**
   * Graceful stop, upstream first: stop fetching events, let the batches in progress
   * commit what they processed, then the writer finishes (or hands back) its in-flight
   * adjustments until `deadline` (epoch ms), commits and disconnects.
   */
  async stop(deadline: number): Promise<void> {
    await this.#repartition?.stop();
    await this.#rules?.stop();
    await this.#intents?.disconnect();
    // a planning batch waiting on a slow WFM ends with its read's current attempt, not its budget
    this.#o.evaluators?.planning.stop?.();
    await this.#planning?.stop();
    await this.#writer?.stop(deadline);
    await this.#admin?.disconnect().catch(() => {});
  }
}
