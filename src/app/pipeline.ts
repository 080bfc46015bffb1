import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { deadLetterRecordBytes } from '../kafka/dead-letter.js';
import type { ConsumerCrashedError } from '../kafka/errors.js';
import type { EventTimeAligner } from '../kafka/event-time-alignment.js';
import type { KafkaAdmin, KafkaClient } from '../kafka/port.js';
import type { Stall } from '../kafka/progress-watch.js';
import { BROKER_DEFAULT_MAX_MESSAGE_BYTES } from '../kafka/record-size.js';
import { TransactionalStage } from '../kafka/stage/transactional-stage.js';
import { ensureTopics, pipelineTopics, topicMaxMessageBytes } from '../kafka/topics.js';
import { WriterLagGate } from '../kafka/writer-lag-gate.js';
import type { Metrics } from '../observability/metrics.js';
import { subscribeMetrics } from '../observability/metrics-subscriber.js';
import { Probe } from '../observability/pipeline-events.js';
import { PipelineTally } from '../observability/pipeline-tally.js';
import { KafkaIntentSink } from './intent-sink.js';
import { planningProcessor } from './planning-stage.js';
import type { AdjustmentApplier, EvaluatorFactory } from './ports.js';
import { cachedDecoder, repartitionAligner, repartitionProcessor } from './repartition-stage.js';
import { rulesProcessor } from './rules-stage.js';
import { WriterStage } from './writer-stage.js';

export type PipelineRole = 'all' | 'rules' | 'writer';

export interface PipelineOptions {
  kafka: KafkaClient;
  config: Config;
  role: PipelineRole;
  /** rules + planner, for roles `all` and `rules` */
  evaluators?: EvaluatorFactory;
  /** the writer, for roles `all` and `writer` */
  applier?: AdjustmentApplier;
  /** told this instance's share of writer partitions on every rebalance (the WFM budget share) */
  onWriterAssignment?: (assigned: number, total: number) => void;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** the Kafka client gave up on a consumer; the caller exits the process */
  onFatal: (err: ConsumerCrashedError) => void;
  /** the longest a fetch waits, milliseconds (tests use less than the default 500) */
  maxWaitTimeInMs?: number;
  /** a writer batch waits this long before its partition is paused, milliseconds */
  writerHoldMs?: number;
  /** the rules stage pauses while the writer group has more uncommitted adjustments than this */
  maxWriterLag?: number;
  /**
   * the instance's publisher of pipeline events (observability/pipeline-events.ts), shared with
   * the adapters that publish too; default: one of its own
   */
  probe?: Probe;
  /** Prometheus metrics (observability/metrics.ts), counted from the instance's events */
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
  #admin: KafkaAdmin | undefined;
  #repartition: TransactionalStage | undefined;
  #rules: TransactionalStage | undefined;
  #planning: TransactionalStage | undefined;
  #writer: WriterStage | undefined;
  #aligner: EventTimeAligner | undefined;
  #lagGate: WriterLagGate | undefined;
  #intents: KafkaIntentSink | undefined;
  /** what every stage of this instance publishes through */
  readonly probe: Probe;
  /** this instance's counts, kept from its events */
  readonly tally: PipelineTally;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(o: PipelineOptions) {
    this.#o = o;
    this.probe = o.probe ?? new Probe();
    this.tally = new PipelineTally(this.probe);
    this.#unsubscribe.push(() => this.tally.close());
    if (o.metrics) this.#unsubscribe.push(subscribeMetrics(this.probe, o.metrics));
  }

  /** what the rules stage took, dead-lettered and sent as intents (replays included) */
  get rulesStats(): Readonly<PipelineTally['rules']> {
    return this.tally.rules;
  }

  /** what the planning stage took, dropped as repeats, planned and dead-lettered */
  get planningStats(): Readonly<PipelineTally['planning']> {
    return this.tally.planning;
  }

  /** what the repartition stage took, dead-lettered and routed (once per lane) */
  get repartitionStats(): Readonly<PipelineTally['repartition']> {
    return this.tally.repartition;
  }

  /** the writer stage's outcomes, dead letters, pauses and commits */
  get writerStats(): Readonly<PipelineTally['writer']> {
    return this.tally.writer;
  }

  /** When the stage reading the events topic (repartition, else rules) started consuming, epoch ms. */
  get inputRunSince(): number | undefined {
    return (this.#repartition ?? this.#rules)?.runSince;
  }

  /** Records committed to `topic` by this instance's transactional stages. */
  committed(topic: string): number {
    return this.tally.committed(topic);
  }

  /** intents whose planning the planning stage has committed */
  get planningCommitted(): number {
    return this.tally.stage('planning').messages;
  }

  /** batches and transactions of the planning stage that failed and were rewound to the committed offset */
  get planningAborted(): number {
    return this.tally.stage('planning').aborted;
  }

  /** intents the rules stage sent and the broker acknowledged (repeats after a replay included) */
  get intentsProduced(): number {
    return this.#intents?.acknowledged ?? 0;
  }

  /** input messages whose processing the rules stage has committed */
  get rulesCommitted(): number {
    return this.tally.stage('rules').messages;
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
    const probe = this.probe;
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
     * the transactionalId prefix, one worker per input partition, and the instance's probe.
     */
    const stage = (name: string, groupId: string, inputTopic: string) => {
      return {
        ...common,
        name,
        groupId,
        inputTopic,
        transactionalIdPrefix: `${groupId}-${inputTopic}`,
        concurrency: counts.get(inputTopic) ?? k.partitions,
        recordLimits,
        probe,
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
            probe,
            decode,
            deadLetterRecordBytes: deadLetterBytes,
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
          probe,
          deadLetterRecordBytes: deadLetterBytes,
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
          probe,
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
        probe,
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
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}
