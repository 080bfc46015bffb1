import type { KafkaMessage, Message } from 'kafkajs';
import type { StatePointer } from '../state-record.js';

/** Where a worker puts what one input message produces; all of it commits with the offset. */
export interface Output {
  send(topic: string, message: Message): void;
}

/** A partition's state record as its worker hands it over: the only record of its topic-partition in a transaction. */
export interface Checkpoint {
  topic: string;
  message: Message;
}

/** One input partition's processing, owned by this instance until the next rebalance. */
export interface PartitionWorker {
  process(message: KafkaMessage, out: Output): void | Promise<void>;
  /** the state record reflecting everything processed so far, or undefined when stateless */
  checkpoint(nextOffset: string): Promise<Checkpoint | undefined>;
  /**
   * Effects of what was processed so far that leave outside the transaction (the rules
   * stage's intents): asked for when a slice is cut, awaited before it commits; a rejection
   * fails the slice like a failed transaction.
   */
  settled?(): Promise<void>;
}

export interface CommittedPosition {
  partition: number;
  /** the committed offset (-1 when none) */
  offset: string;
  state: StatePointer | undefined;
}

/** What a stage does with its input: the rules, planning and repartition stages each give one. */
export interface StageProcessor {
  /** builds workers for newly assigned partitions, restoring state from their committed positions */
  open(positions: readonly CommittedPosition[]): Promise<Map<number, PartitionWorker>>;
}
