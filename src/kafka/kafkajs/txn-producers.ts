import type { Kafka, Producer } from 'kafkajs';
import type { Clock } from '../../time/clock.js';
import { IDEMPOTENT_RETRIES } from '../kafka-retry.js';
import type { PartitionProducers, Transaction, TransactionalProducer } from '../port.js';
import { retryConcurrentTransactions } from './txn-retry.js';

/**
 * How a transactional producer retries a send (`sendBatch`, with its AddPartitionsToTxn): fast
 * first (below), and without a count (IDEMPOTENT_RETRIES, kafka-retry.ts). A count would not break
 * exactly-once here — a send given up fails its transaction, which is aborted, and the producer
 * is dropped (the next one's InitProducerId bumps the epoch) — but it would turn a retriable
 * answer (a coordinator still writing markers, a leader being elected) into an aborted
 * transaction and its input processed again. A send still ends: on an answer kafkajs does not
 * retry (fenced by a new owner; the transaction outlived `transactionTimeoutMs`, which the
 * coordinator aborts, bumping the epoch), or when the cluster cannot be reached within the
 * client's retry. The rest of a transaction (InitProducerId, AddOffsetsToTxn, TxnOffsetCommit,
 * EndTxn) retries with the client's retry; txn-retry.ts adds AddOffsetsToTxn's
 * CONCURRENT_TRANSACTIONS.
 */
export const SEND_RETRY = {
  initialRetryTime: 10,
  maxRetryTime: 2_000,
  retries: IDEMPOTENT_RETRIES,
  factor: 0.2,
  multiplier: 2,
} as const;

/**
 * One transactional producer per input partition, with a transactionalId derived from
 * the stage and the partition — not from the instance. Whoever owns partition p next
 * initialises the same transactionalId, which bumps its epoch: the coordinator aborts
 * the previous owner's open transaction and fences it, so a zombie can neither commit
 * records nor offsets for p (kafkajs has no KIP-447 group-metadata fencing, so this is
 * the pre-KIP-447 pattern Kafka Streams used as `exactly_once`).
 */
export class TransactionalProducers implements PartitionProducers {
  readonly #producers = new Map<number, Promise<Producer>>();

  constructor(
    private readonly kafka: Pick<Kafka, 'producer'>,
    private readonly transactionalIdPrefix: string,
    private readonly transactionTimeoutMs: number,
    private readonly clock: Pick<Clock, 'sleep'>,
  ) {}

  transactionalId(partition: number): string {
    return `${this.transactionalIdPrefix}-${partition}`;
  }

  /** The producer for a partition, connected (and so fencing any previous owner). */
  async get(partition: number): Promise<TransactionalProducer> {
    const producer = await this.#producer(partition);
    return { transaction: async () => portTransaction(await producer.transaction(), this.clock) };
  }

  #producer(partition: number): Promise<Producer> {
    let p = this.#producers.get(partition);
    if (!p) {
      const producer = this.kafka.producer({
        transactionalId: this.transactionalId(partition),
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: this.transactionTimeoutMs,
        // right after a commit the coordinator is still writing markers and the next
        // transaction's first AddPartitionsToTxn gets CONCURRENT_TRANSACTIONS; that clears
        // in milliseconds, so kafkajs' default 300 ms first backoff would set the pace of
        // every partition (measured: 100–900 ms per transaction). Retry fast, then back off.
        retry: SEND_RETRY,
      });
      p = producer.connect().then(() => producer);
      p.catch(() => this.#producers.delete(partition));
      this.#producers.set(partition, p);
    }
    return p;
  }

  async release(partition: number): Promise<void> {
    const p = this.#producers.get(partition);
    this.#producers.delete(partition);
    if (p) await (await p.catch(() => undefined))?.disconnect().catch(() => {});
  }

  held(): number[] {
    return [...this.#producers.keys()];
  }

  async releaseAll(): Promise<void> {
    await Promise.all(this.held().map((p) => this.release(p)));
  }
}

/**
 * A kafkajs transaction as the port's: `sendOffsets` carries each partition's metadata (the
 * state pointer; kafkajs' types know no metadata, its TxnOffsetCommit request sends it) and is
 * retried on CONCURRENT_TRANSACTIONS (txn-retry.ts).
 */
function portTransaction(
  txn: Awaited<ReturnType<Producer['transaction']>>,
  clock: Pick<Clock, 'sleep'>,
): Transaction {
  return {
    sendBatch: (b) => txn.sendBatch(b),
    sendOffsets: (o) =>
      retryConcurrentTransactions(() => txn.sendOffsets(o as Parameters<typeof txn.sendOffsets>[0]), clock),
    commit: () => txn.commit(),
    abort: () => txn.abort(),
  };
}
