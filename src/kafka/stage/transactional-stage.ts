import type { Logger } from 'pino';
import { Probe } from '../../observability/pipeline-events.js';
import { type Clock, systemClock } from '../../time/clock.js';
import type { ConsumerCrashedError } from '../errors.js';
import type { Pacing } from '../event-time-alignment.js';
import type { GroupConsumer, KafkaAdmin, KafkaClient, PartitionProducers } from '../port.js';
import type { Stall } from '../progress-watch.js';
import { committedPositions } from './committed-positions.js';
import { TransactionalCommitter } from './committer.js';
import { STAGE_DEFAULTS } from './defaults.js';
import { StageRuntime } from './stage-runtime.js';
import type { StageProcessor } from './worker.js';

export interface StageOptions {
  name: string;
  kafka: Pick<KafkaClient, 'groupConsumer' | 'transactionalProducers'>;
  admin: Pick<KafkaAdmin, 'fetchOffsets'>;
  groupId: string;
  inputTopic: string;
  transactionalIdPrefix: string;
  transactionTimeoutMs: number;
  sessionTimeoutMs: number;
  processor: StageProcessor;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** the client gave up on the consumer: the process must exit */
  onFatal: (err: ConsumerCrashedError) => void;
  /** input partitions processed at once (each has its own transaction) */
  concurrency: number;
  /** heartbeat at least this often inside a batch, milliseconds */
  heartbeatEveryMs?: number;
  /** fetch tuning: the longest a fetch waits, milliseconds, and bytes per partition */
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
  /** where the stage tells what it consumed, committed and aborted (observability/pipeline-events.ts) */
  probe?: Probe;
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
 * A transactional stage on a Kafka client (the port): its group consumer, one transactional
 * producer per owned input partition, and the committed positions read through the admin
 * client, driving a `StageRuntime` — which holds what the stage does with them
 * (stage-runtime.ts).
 */
export class TransactionalStage {
  readonly #o: StageOptions;
  readonly #clock: Clock;
  readonly #consumer: GroupConsumer;
  readonly #producers: PartitionProducers;
  readonly #runtime: StageRuntime;
  #runSince: number | undefined;
  #running = false;

  constructor(o: StageOptions) {
    this.#o = o;
    const clock = o.clock ?? systemClock;
    this.#clock = clock;
    const probe = o.probe ?? new Probe();
    this.#producers = o.kafka.transactionalProducers({
      transactionalIdPrefix: o.transactionalIdPrefix,
      transactionTimeoutMs: o.transactionTimeoutMs,
    });
    const c = o.kafka.groupConsumer({
      name: o.name,
      groupId: o.groupId,
      topic: o.inputTopic,
      sessionTimeoutMs: o.sessionTimeoutMs,
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? STAGE_DEFAULTS.maxWaitTimeInMs,
      maxBytesPerPartition: o.maxBytesPerPartition ?? STAGE_DEFAULTS.maxBytesPerPartition,
      logger: o.logger,
      onFatal: o.onFatal,
    });
    this.#consumer = c;
    const topic = o.inputTopic;
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
      probe,
      committer: new TransactionalCommitter({
        groupId: o.groupId,
        clock,
        onTransaction: (seconds) => probe.transaction(o.name, seconds),
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
      control: c,
    });
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

  /** when `start` set the consumer running (epoch ms; bench:pipeline times from it) */
  get runSince(): number | undefined {
    return this.#runSince;
  }

  async start(): Promise<void> {
    await this.#consumer.run({
      fetching: () => {
        this.#runSince = this.#clock.now();
      },
      concurrency: this.#o.concurrency,
      batch: (b) => this.#runtime.offer(b),
      assigned: (mine) => {
        this.#runtime.assign(mine);
        this.#o.logger.info(
          { stage: this.#o.name, partitions: [...mine].sort((a, b) => a - b) },
          'partitions assigned',
        );
      },
      stopping: () => this.#runtime.stopping,
    });
    this.#running = true;
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
