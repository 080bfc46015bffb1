import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { ConsumerCrashedError } from './errors.js';
import type { AdjustmentApplier, EvaluatorFactory } from './ports.js';
import { repartitionProcessor } from './repartition-stage.js';
import { type RulesStageStats, rulesProcessor } from './rules-stage.js';
import { ensureTopics, pipelineTopics } from './topics.js';
import { TransactionalStage } from './transactional-stage.js';
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
}

/** Group ids of the three consumer groups, derived from `kafka.groupId`. */
export function groupIds(groupId: string) {
  return { rules: groupId, repartition: `${groupId}-repartition`, writer: `${groupId}-writer` };
}

/**
 * The whole pipeline of one instance: (repartition →) rules → writer, each a consumer
 * group, so adding an instance adds members to all three and Kafka spreads the
 * partitions. Topics are created (or checked) first.
 */
export class Pipeline {
  readonly #o: PipelineOptions;
  #admin: Admin | undefined;
  #repartition: TransactionalStage | undefined;
  #rules: TransactionalStage | undefined;
  #writer: WriterStage | undefined;
  readonly rulesStats: RulesStageStats = { events: 0, deadLettered: 0, adjustments: 0 };
  readonly repartitionStats = { events: 0, deadLettered: 0, routed: 0 };

  constructor(o: PipelineOptions) {
    this.#o = o;
  }

  /** Records committed to `topic` by this instance's transactional stages. */
  committed(topic: string): number {
    return (this.#repartition?.committed.get(topic) ?? 0) + (this.#rules?.committed.get(topic) ?? 0);
  }

  get writer(): WriterStage | undefined {
    return this.#writer;
  }

  async start(): Promise<void> {
    const { kafka, config, role, logger } = this.#o;
    const k = config.kafka;
    const t = k.topics;
    const admin = kafka.admin();
    this.#admin = admin;
    await admin.connect();
    const counts = await ensureTopics(admin, pipelineTopics(k), k.replicationFactor);
    const g = groupIds(k.groupId);
    const common = {
      kafka,
      admin,
      transactionTimeoutMs: k.transactionTimeoutMs,
      sessionTimeoutMs: k.sessionTimeoutMs,
      logger,
      onFatal: this.#o.onFatal,
      ...(this.#o.maxWaitTimeInMs !== undefined ? { maxWaitTimeInMs: this.#o.maxWaitTimeInMs } : {}),
    };
    if (role !== 'writer') {
      const evaluators = this.#o.evaluators;
      if (!evaluators) throw new TypeError(`role '${role}' needs evaluators (the rules engine and planner)`);
      const { repartition, lanes } = evaluators.routing;
      const input = repartition ? t.repartition : t.events;
      if (repartition) {
        this.#repartition = new TransactionalStage({
          ...common,
          name: 'repartition',
          groupId: g.repartition,
          inputTopic: t.events,
          transactionalIdPrefix: `${g.repartition}-${t.events}`,
          concurrency: counts.get(t.events) ?? k.partitions,
          processor: repartitionProcessor({
            topics: { input: t.events, repartition: t.repartition, deadLetter: t.deadLetter },
            lanes,
            stats: this.repartitionStats,
          }),
        });
      }
      this.#rules = new TransactionalStage({
        ...common,
        name: 'rules',
        groupId: g.rules,
        inputTopic: input,
        transactionalIdPrefix: `${g.rules}-${input}`,
        concurrency: counts.get(input) ?? k.partitions,
        processor: rulesProcessor({
          kafka,
          groupId: g.rules,
          topics: {
            input,
            adjustments: t.adjustments,
            deadLetter: t.deadLetter,
            state: t.state,
            statePartitions: counts.get(t.state) ?? k.partitions,
          },
          evaluators,
          stats: this.rulesStats,
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
      });
    }
    await this.#writer?.start();
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
    await this.#writer?.stop(deadline);
    await this.#admin?.disconnect().catch(() => {});
  }
}
