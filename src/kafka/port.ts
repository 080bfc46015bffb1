import type { Logger } from 'pino';
import type { ConsumerCrashedError } from './errors.js';

/**
 * What the project asks of a Kafka client: the port. The stages, the stage runtime, the
 * dead-letter and state records, the CLI and the demo see these types only; the kafkajs
 * adapter (`kafkajs/`) implements them, and is the only code that imports kafkajs (a test
 * holds every other file to that). The shapes follow the part of kafkajs' API the project
 * uses, so kafkajs' own objects satisfy most of them as they are; docs/pipeline.md, "The
 * Kafka client port", says what another client would need to implement them.
 */

/** Record headers as produced: a name, one value or several. */
export type Headers = { [name: string]: Buffer | string | (Buffer | string)[] | undefined };

/** Record headers as consumed: a header may have a null value. */
export type ConsumedHeaders = {
  [name: string]: Buffer | string | null | (Buffer | string | null)[] | undefined;
};

/** A record to produce. */
export interface Message {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: Headers;
  timestamp?: string;
}

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

/** A record as consumed. */
export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** the offset, a decimal string (offsets are 64-bit) */
  offset: string;
  /** milliseconds since the epoch, a decimal string */
  timestamp: string;
  attributes: number;
  headers?: ConsumedHeaders;
  /**
   * Reads the value where it lies in the fetched bytes, without a Buffer made for it
   * (`read(null, 0, 0)` for a null value). Offered by a client that can (the kafkajs adapter's
   * lean records); otherwise read `value`.
   */
  readValue?<T>(read: (bytes: Uint8Array | null, from: number, to: number) => T): T;
  /** how many headers the record has, when known without reading them */
  readonly headerCount?: number;
}

/** Kafka's codec ids, as record batches carry them (the attributes' low bits). */
export const Compression = { None: 0, GZIP: 1 } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  /** the first offset the broker gave the request's records of this partition */
  baseOffset?: string;
}

export interface Producer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** `acks: -1`: every in-sync replica has the records */
  send(r: {
    topic: string;
    messages: Message[];
    acks?: number;
    compression?: Compression;
  }): Promise<RecordMetadata[]>;
}

/** The retry of a client's requests: a pause from `initialRetryTime` growing to `maxRetryTime`, `retries` times. */
export interface RetryOptions {
  initialRetryTime?: number;
  maxRetryTime?: number;
  retries?: number;
  factor?: number;
  multiplier?: number;
}

export interface ProducerOptions {
  idempotent?: boolean;
  maxInFlightRequests?: number;
  allowAutoTopicCreation?: boolean;
  retry?: RetryOptions;
}

/** An input offset committed by a transaction, with metadata (the state pointer, state-record.ts). */
export interface TransactionOffsets {
  consumerGroupId: string;
  topics: Array<{
    topic: string;
    partitions: Array<{ partition: number; offset: string; metadata?: string | null }>;
  }>;
}

/** One Kafka transaction: records, then the input offsets, then commit or abort. */
export interface Transaction {
  sendBatch(b: { topicMessages: TopicMessages[]; compression?: Compression }): Promise<RecordMetadata[]>;
  sendOffsets(o: TransactionOffsets): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface TransactionalProducer {
  transaction(): Promise<Transaction>;
}

/**
 * One transactional producer per input partition, its transactionalId derived from the
 * partition (`<prefix>-<partition>`), not from the instance: whoever owns the partition next
 * initialises the same id, which fences the previous owner.
 */
export interface PartitionProducers {
  /** the partition's producer, connected (which fences any previous owner) */
  get(partition: number): Promise<TransactionalProducer>;
  /** disconnects it: a transaction still queued on it fails */
  release(partition: number): Promise<void>;
  releaseAll(): Promise<void>;
}

/** A fetched batch of one input partition with the consumer's controls for it. */
export interface OfferedBatch {
  batch: {
    topic: string;
    partition: number;
    highWatermark: string;
    messages: ConsumedMessage[];
    /** the last offset the fetch reached, control records included */
    lastOffset(): string;
  };
  heartbeat(): Promise<void>;
  /** false once the consumer stops or restarts */
  isRunning(): boolean;
  /** true once the batch is out of date (a seek, a revocation) */
  isStale(): boolean;
  /** the consumer fetches on after this offset */
  resolveOffset(offset: string): void;
  /** fetch nothing more of this partition until it is resumed */
  pause(): void;
}

export interface GroupConsumerOptions {
  /** names the consumer in logs ("rules", "writer", …) */
  name: string;
  groupId: string;
  topic: string;
  sessionTimeoutMs?: number;
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** the client gave up on the consumer: the process must exit */
  onFatal: (err: ConsumerCrashedError) => void;
}

/**
 * A member of a consumer group reading one topic `read_committed` from its committed offsets
 * (the earliest without one); its offsets are committed by transactions (or `commitOffset`),
 * never automatically. A consumer the client stops on an error that passes by itself is
 * started again; one it gives up on ends in `onFatal`.
 */
export interface GroupConsumer {
  run(o: {
    /** partitions handed over at once */
    concurrency: number;
    batch(b: OfferedBatch): Promise<void>;
    /** this member's partitions, told at every group join */
    assigned(partitions: ReadonlySet<number>): void;
    /** true once the consumer's owner is stopping: a crash then is nobody's business */
    stopping(): boolean;
    /** told once the consumer is connected and subscribed, as it starts fetching */
    fetching?(): void;
  }): Promise<void>;
  /** the next fetch of the partition starts at `offset` (throws when it is not assigned) */
  seek(partition: number, offset: string): void;
  pause(partition: number): void;
  resume(partition: number): void;
  /** fetch nothing more of any partition */
  pauseAll(): void;
  /** commits `offset` (the next one to read) for the partition, outside any transaction */
  commitOffset(partition: number, offset: string): Promise<void>;
  /** stops fetching; the batches in progress finish */
  stop(): Promise<void>;
  /** leaves the group */
  disconnect(): Promise<void>;
}

export interface TopicOffsets {
  partition: number;
  offset: string;
  high: string;
  low: string;
}

export interface GroupOffsets {
  topic: string;
  partitions: Array<{ partition: number; offset: string; metadata: string | null }>;
}

export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  createTopics(o: {
    topics: Array<{
      topic: string;
      numPartitions?: number;
      replicationFactor?: number;
      configEntries?: Array<{ name: string; value: string }>;
    }>;
    waitForLeaders?: boolean;
  }): Promise<boolean>;
  fetchTopicMetadata(o: {
    topics: string[];
  }): Promise<{ topics: Array<{ name: string; partitions: Array<{ partitionId: number }> }> }>;
  /** a topic's configuration values by name (those the broker gives) */
  topicConfig(topic: string, names: readonly string[]): Promise<Map<string, string>>;
  /** a group's committed offsets, with their metadata (-1: none) */
  fetchOffsets(o: { groupId: string; topics: string[] }): Promise<GroupOffsets[]>;
  /** each partition's end (`high`, `offset`) and start (`low`) */
  fetchTopicOffsets(topic: string): Promise<TopicOffsets[]>;
  deleteTopics(o: { topics: string[] }): Promise<void>;
  deleteGroups(groupIds: string[]): Promise<unknown>;
}

/** The records at given offsets of one topic, read `read_committed`, for restoring state. */
export interface RecordRead {
  topic: string;
  /** names the reading consumer (a group of its own, which commits nothing) */
  groupPrefix: string;
  /** give up after this long, milliseconds */
  timeoutMs?: number;
}

/** A client: what every part of the project builds its Kafka side from. */
export interface KafkaClient {
  admin(): KafkaAdmin;
  producer(o?: ProducerOptions): Producer;
  groupConsumer(o: GroupConsumerOptions): GroupConsumer;
  transactionalProducers(o: {
    transactionalIdPrefix: string;
    transactionTimeoutMs: number;
  }): PartitionProducers;
  /** the value of the record at each `partition`/`offset` wanted, keyed `<partition>:<offset>` */
  readRecords(
    o: RecordRead,
    wanted: ReadonlyArray<{ partition: number; offset: string }>,
  ): Promise<Map<string, Buffer | null>>;
}
