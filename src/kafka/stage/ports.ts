import type { KafkaMessage } from 'kafkajs';
import type { TransactionalProducer } from './committer.js';
import type { CommittedPosition } from './worker.js';

/**
 * A fetched batch of one input partition, offered to its task, with the consumer's controls
 * for it (kafkajs' `EachBatchPayload` is one).
 */
export interface OfferedBatch {
  batch: { partition: number; highWatermark: string; messages: KafkaMessage[] };
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

/** What the runtime asks of its consumer, by input partition. */
export interface ConsumerControl {
  /** the next fetch of the partition starts at `offset` (throws when the partition is not assigned) */
  seek(partition: number, offset: string): void;
  pause(partition: number): void;
  resume(partition: number): void;
}

/** Taking an input partition over, and giving it back. */
export interface PartitionOwnership {
  /**
   * The partition's producer, connected — which fences its previous owner — and then, in that
   * order, its committed position, so that no zombie commits between the read and the fence.
   */
  take(partition: number): Promise<{ producer: TransactionalProducer; positions: CommittedPosition[] }>;
  /** lets the producer go: a commit still queued on it fails */
  release(partition: number): Promise<void>;
}
