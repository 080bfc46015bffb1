import type { Admin, Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../time/clock.js';
import type { ConsumerCrashedError } from '../errors.js';
import type { Pacing } from '../event-time-alignment.js';
import type { Stall } from '../progress-watch.js';
import { committedPositions } from '../stage/committed-positions.js';
import { TransactionalCommitter } from '../stage/committer.js';
import { STAGE_DEFAULTS } from '../stage/defaults.js';
import { StageRuntime } from '../stage/stage-runtime.js';
import type { StageProcessor } from '../stage/worker.js';
import { superviseCrashes } from './consumer-supervision.js';
import { TransactionalProducers } from './txn-producers.js';

export interface StageOptions {
  name: string;
  kafka: Kafka;
  admin: Admin;
  groupId: string;
  inputTopic: string;
  transactionalIdPrefix: string;
  transactionTimeoutMs: number;
  sessionTimeoutMs: number;
  processor: StageProcessor;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** kafkajs gave up on the consumer: the process must exit */
  onFatal: (err: ConsumerCrashedError) => void;
  /** input partitions processed at once (each has its own transaction) */
  concurrency: number;
  /** heartbeat at least this often inside a batch, milliseconds */
  heartbeatEveryMs?: number;
  /** kafkajs fetch tuning */
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
  /** commit a slice once its records reach this many bytes (default 512 KiB) */
  maxTransactionBytes?: number;
  /**
   * commit a slice once it is this old, milliseconds (default 1,000). A slice spans fetched
   * batches until then, so at high rates a transaction carries many batches; its commit runs
   * while the next slice is processed. This bounds how long an effect waits to be visible.
   */
  commitIntervalMs?: number;
  /**
   * commit a slice once its partition reached its end (the high watermark) and no batch came
   * for this long, milliseconds (default 100): the end of a backlog, or a quiet spell, is
   * committed promptly, while a steady stream still commits every `commitIntervalMs`
   */
  idleCommitMs?: number;
  /**
   * records to these topics are effects someone waits for (the planning stage's adjustments):
   * a slice holding one is committed at the end of the batch that produced it, not after
   * `commitIntervalMs`. Slices without them (state, dead letters) can wait.
   */
  urgentTopics?: ReadonlySet<string>;
  /** waits while downstream is behind (backpressure), heartbeating; called before each batch */
  gate?: (heartbeat: () => Promise<void>, isRunning: () => boolean) => Promise<void>;
  /** event-time alignment of the input partitions (the repartition stage) */
  pacing?: Pacing;
  /** told how long each committed transaction took, seconds (metrics) */
  onTransaction?: (seconds: number) => void;
  /** told of every message consumed and every batch's lag (metrics) */
  onConsumed?: (partition: number, messages: number, lag: number) => void;
  /**
   * output topics whose records are packed into requests so that each record batch stays
   * within the topic's `max.message.bytes` (the dead-letter topic, whose records can be as
   * large as that): topic → max.message.bytes
   */
  recordLimits?: ReadonlyMap<string, number>;
  /** time for the stage's cuts, waits and measurements (default: the system clock) */
  clock?: Clock;
}

/**
 * A transactional stage on kafkajs: its consumer (group membership, crash supervision,
 * fetching), one transactional producer per owned input partition, and the committed
 * positions read through the admin client, driving a `StageRuntime` — which holds what the
 * stage does with them (stage-runtime.ts).
 */
export class TransactionalStage {
  readonly #o: StageOptions;
  readonly #clock: Clock;
  readonly #consumer: Consumer;
  readonly #producers: TransactionalProducers;
  readonly #runtime: StageRuntime;
  #runSince: number | undefined;
  #running = false;

  constructor(o: StageOptions) {
    this.#o = o;
    const clock = o.clock ?? systemClock;
    this.#clock = clock;
    this.#producers = new TransactionalProducers(o.kafka, o.transactionalIdPrefix, o.transactionTimeoutMs);
    const c = o.kafka.consumer({
      groupId: o.groupId,
      readUncommitted: false,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(o.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? STAGE_DEFAULTS.maxWaitTimeInMs,
      maxBytesPerPartition: o.maxBytesPerPartition ?? STAGE_DEFAULTS.maxBytesPerPartition,
      retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    this.#consumer = c;
    const topic = o.inputTopic;
    const tp = (partition: number) => [{ topic, partitions: [partition] }];
    this.#runtime = new StageRuntime({
      name: o.name,
      inputTopic: topic,
      processor: o.processor,
      logger: o.logger,
      clock,
      commitIntervalMs: o.commitIntervalMs,
      idleCommitMs: o.idleCommitMs,
      maxTransactionBytes: o.maxTransactionBytes,
      heartbeatEveryMs: o.heartbeatEveryMs,
      urgentTopics: o.urgentTopics,
      recordLimits: o.recordLimits,
      gate: o.gate,
      pacing: o.pacing,
      onConsumed: o.onConsumed,
      committer: new TransactionalCommitter({
        groupId: o.groupId,
        clock,
        ...(o.onTransaction ? { onTransaction: o.onTransaction } : {}),
      }),
      ownership: {
        take: async (partition) => {
          // the producer first (fencing the previous owner, whose open transaction is
          // aborted), then the committed offset and state pointer
          const producer = await this.#producers.get(partition);
          const positions = await committedPositions(o.admin, o.groupId, topic, [partition], clock);
          return { producer, positions };
        },
        release: (partition) => this.#producers.release(partition),
      },
      control: {
        seek: (partition, offset) => c.seek({ topic, partition, offset }),
        pause: (partition) => c.pause(tp(partition)),
        resume: (partition) => c.resume(tp(partition)),
      },
    });
    superviseCrashes(c, {
      stage: o.name,
      logger: o.logger,
      onFatal: o.onFatal,
      stopping: () => this.#runtime.stopping,
      runConfig: () => this.#runConfig(),
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      const mine = new Set<number>(e.payload.memberAssignment[topic] ?? []);
      this.#runtime.assign(mine);
      o.logger.info({ stage: o.name, partitions: [...mine].sort((a, b) => a - b) }, 'partitions assigned');
    });
  }

  get consumer(): Consumer {
    return this.#consumer;
  }

  get assigned(): ReadonlySet<number> {
    return this.#runtime.assigned;
  }

  /** running and not stopping (readiness) */
  get consuming(): boolean {
    return this.#running && !this.#runtime.stopping;
  }

  /** partitions that keep failing at one committed offset (readiness; progress-watch.ts) */
  get stalled(): Stall[] {
    return this.#runtime.stalled();
  }

  /** committed: transactions, input messages, output records; aborted transactions and batches */
  get stats(): StageRuntime['stats'] {
    return this.#runtime.stats;
  }

  /** records committed per output topic */
  get committed(): ReadonlyMap<string, number> {
    return this.#runtime.committed;
  }

  /** when `start` handed the consumer to kafkajs' `run` (epoch ms; bench:pipeline times from it) */
  get runSince(): number | undefined {
    return this.#runSince;
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#o.inputTopic, fromBeginning: true });
    this.#runSince = this.#clock.now();
    await this.#consumer.run(this.#runConfig());
    this.#running = true;
  }

  #runConfig(): ConsumerRunConfig {
    return {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#o.concurrency,
      eachBatch: (payload) => this.#runtime.offer(payload),
    };
  }

  /**
   * Stops fetching; a batch in progress finishes what it has processed; every open slice
   * commits; then disconnects.
   */
  async stop(): Promise<void> {
    this.#runtime.halt();
    await this.#consumer.stop().catch(() => {});
    await this.#runtime.finish();
    await this.#consumer.disconnect().catch(() => {});
    await this.#producers.releaseAll();
    this.#running = false;
  }
}
