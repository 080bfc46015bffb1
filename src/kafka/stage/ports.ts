import type { TransactionalProducer } from '../port.js';
import type { CommittedPosition } from './worker.js';

/** A fetched batch of one input partition, offered to its task, with the consumer's controls for it. */
export type { OfferedBatch } from '../port.js';

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
