import type { Clock } from '../../time/clock.js';
import { Compression, type TopicMessages, type TransactionalProducer } from '../port.js';
import { encodePointer } from '../state-record.js';
import { STAGE_DEFAULTS } from './defaults.js';
import { sizeOf } from './outbox.js';
import type { Checkpoint } from './worker.js';

export type { TransactionalProducer };

/** One transaction: records, perhaps a state record, and the input offset after them. */
export interface TransactionContent {
  /** produce requests in order, each one `sendBatch` (Outbox.requests) */
  requests: TopicMessages[][];
  /**
   * the partition's state record, sent in the first request; the committed offset's metadata
   * points at it (state-record.ts)
   */
  state?: Checkpoint | undefined;
  /** the records' bytes, approximately: gzipped from `compressFromBytes`; left out, sent as they are */
  bytes?: number;
  /** the input partition and the offset to commit for it (the next one to process) */
  input: { topic: string; partition: number; next: string };
}

export interface CommitterOptions {
  /** the consumer group whose offsets commit */
  groupId: string;
  clock: Clock;
  compressFromBytes?: number;
  /** told how long each committed transaction took, seconds (metrics) */
  onTransaction?: (seconds: number) => void;
}

/**
 * Commits one transaction on a partition's producer — the way every stage commits, the
 * writer's included. Records first, offsets last: `sendOffsets` as a transaction's first call
 * can meet CONCURRENT_TRANSACTIONS, which kafkajs does not retry there (docs/kafka-broker.md). The
 * state record travels with the first request's records (one round trip on every effect's
 * path), the only record of its topic-partition there, so its offset is that partition's base
 * offset. A failure aborts the transaction and is thrown: what to do next is the caller's.
 */
export class TransactionalCommitter {
  readonly #o: CommitterOptions;
  readonly #compressFrom: number;

  constructor(o: CommitterOptions) {
    this.#o = o;
    this.#compressFrom = o.compressFromBytes ?? STAGE_DEFAULTS.compressFromBytes;
  }

  async commit(producer: TransactionalProducer, t: TransactionContent): Promise<void> {
    const started = this.#o.clock.now();
    const txn = await producer.transaction();
    try {
      const [head = [], ...further] = t.requests;
      const first = t.state ? [...head, { topic: t.state.topic, messages: [t.state.message] }] : head;
      // gzip from compressFromBytes: JSON state compresses well, and a record must stay under
      // message.max.bytes; a small transaction (the planning stage's usual one) is sent as it
      // is, since kafkajs gzips on libuv's thread pool, where it would queue behind the rules
      // stage's large state records
      const bytes = (t.bytes ?? 0) + (t.state ? sizeOf(t.state.message.value) : 0);
      const compression = bytes >= this.#compressFrom ? Compression.GZIP : Compression.None;
      let metadata: string | null = null;
      if (first.length > 0) {
        const sent = await txn.sendBatch({ topicMessages: first, compression });
        const state = t.state;
        if (state) {
          const meta = sent.find(
            (m) => m.topicName === state.topic && m.partition === state.message.partition,
          );
          if (meta?.baseOffset === undefined)
            throw new Error('the broker returned no offset for the state record');
          metadata = encodePointer({ partition: meta.partition, offset: meta.baseOffset });
        }
      }
      // records of a topic with a limit (dead letters) beyond one batch's worth go in further
      // requests of the same transaction, each its own batch (record-size.ts)
      for (const request of further) await txn.sendBatch({ topicMessages: request, compression });
      const { topic, partition, next } = t.input;
      await txn.sendOffsets({
        consumerGroupId: this.#o.groupId,
        topics: [{ topic, partitions: [{ partition, offset: next, metadata }] }],
      });
      await txn.commit();
    } catch (err) {
      await txn.abort().catch(() => {});
      throw err;
    }
    this.#o.onTransaction?.((this.#o.clock.now() - started) / 1000);
  }
}
