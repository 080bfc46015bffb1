import {
  type Admin,
  CompressionTypes,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Message,
  type TopicMessages,
} from 'kafkajs';
import type { Logger } from 'pino';
import { BatchAbortedError, ConsumerCrashedError } from './errors.js';
import type { Pacing } from './event-time-alignment.js';
import { decodePointer, encodePointer, type StatePointer } from './state-record.js';
import { TransactionalProducers } from './txn-producers.js';
import { retryConcurrentTransactions } from './txn-retry.js';

/** Where a worker puts what one input message produces; all of it commits with the offset. */
export interface Output {
  send(topic: string, message: Message): void;
}

/** One input partition's processing, owned by this instance until the next rebalance. */
export interface PartitionWorker {
  process(message: KafkaMessage, out: Output): void | Promise<void>;
  /** the state record reflecting everything processed so far, or undefined when stateless */
  checkpoint(nextOffset: string): Promise<{ topic: string; message: Message } | undefined>;
}

export interface CommittedPosition {
  partition: number;
  /** the committed offset (-1 when none) */
  offset: string;
  state: StatePointer | undefined;
}

export interface StageProcessor {
  /** builds workers for newly assigned partitions, restoring state from their committed positions */
  open(positions: readonly CommittedPosition[]): Promise<Map<number, PartitionWorker>>;
}

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
  /** waits while downstream is behind (backpressure), heartbeating; called before each batch */
  gate?: (heartbeat: () => Promise<void>, isRunning: () => boolean) => Promise<void>;
  /** event-time alignment of the input partitions (the repartition stage) */
  pacing?: Pacing;
  /** told of every message consumed and every batch's lag (metrics) */
  onConsumed?: (partition: number, messages: number, lag: number) => void;
}

interface Owned {
  worker: PartitionWorker;
  /** input offsets below this were committed by an earlier owner: skip them */
  next: bigint;
}

/**
 * Consume → transform → produce, exactly once: for each input batch, everything the
 * worker emitted, its state record and the input offset (with a pointer to that state
 * record in the offset metadata) commit in ONE Kafka transaction per input partition.
 * A failure aborts the transaction and drops the partition's in-memory state; it is
 * restored from the committed state when the batch is redelivered.
 */
export class TransactionalStage {
  readonly #o: StageOptions;
  readonly #consumer: Consumer;
  readonly #producers: TransactionalProducers;
  readonly #owned = new Map<number, Promise<Owned>>();
  #assigned = new Set<number>();
  #stopping = false;
  #running = false;
  /** committed: transactions, input messages, output records; aborted transactions */
  readonly stats = { batches: 0, messages: 0, emitted: 0, aborted: 0 };
  /** records committed per output topic */
  readonly committed = new Map<string, number>();

  constructor(o: StageOptions) {
    this.#o = o;
    this.#producers = new TransactionalProducers(o.kafka, o.transactionalIdPrefix, o.transactionTimeoutMs);
    this.#consumer = o.kafka.consumer({
      groupId: o.groupId,
      readUncommitted: false,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(o.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? 500,
      maxBytesPerPartition: o.maxBytesPerPartition ?? 1_048_576,
      retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    const c = this.#consumer;
    c.on(c.events.CRASH, (e) => {
      if (e.payload.restart) {
        o.logger.warn({ stage: o.name, err: e.payload.error }, 'consumer error; kafkajs restarts it');
        return;
      }
      if (!this.#stopping) o.onFatal(new ConsumerCrashedError(o.name, e.payload.error));
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      const mine = new Set<number>(e.payload.memberAssignment[o.inputTopic] ?? []);
      for (const p of [...this.#owned.keys()]) if (!mine.has(p)) void this.#drop(p);
      this.#assigned = mine;
      o.pacing?.assigned(mine);
      o.logger.info({ stage: o.name, partitions: [...mine].sort((a, b) => a - b) }, 'partitions assigned');
    });
  }

  get consumer(): Consumer {
    return this.#consumer;
  }

  get assigned(): ReadonlySet<number> {
    return this.#assigned;
  }

  /** running and not stopping (readiness) */
  get consuming(): boolean {
    return this.#running && !this.#stopping;
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#o.inputTopic, fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#o.concurrency,
      eachBatch: (payload) => this.#batch(payload),
    });
    this.#running = true;
  }

  /** Stops fetching; a batch in progress commits what it has processed; then disconnects. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#o.pacing?.close();
    await this.#consumer.disconnect().catch(() => {});
    await this.#producers.releaseAll();
    this.#running = false;
  }

  async #drop(partition: number): Promise<void> {
    this.#owned.delete(partition);
    await this.#producers.release(partition);
  }

  /**
   * Takes a partition over: first the producer (fencing the previous owner, whose open
   * transaction is aborted), then the committed offset and state pointer — in that
   * order, so a zombie cannot commit between our read and our fence.
   */
  #own(partition: number): Promise<Owned> {
    let owned = this.#owned.get(partition);
    if (!owned) {
      owned = (async () => {
        await this.#producers.get(partition);
        const positions = await committedPositions(this.#o.admin, this.#o.groupId, this.#o.inputTopic, [
          partition,
        ]);
        const workers = await this.#o.processor.open(positions);
        const worker = workers.get(partition);
        if (!worker)
          throw new Error(`${this.#o.name}: processor opened no worker for partition ${partition}`);
        const offset = BigInt(positions[0]?.offset ?? '-1');
        return { worker, next: offset < 0n ? 0n : offset };
      })();
      owned.catch(() => this.#owned.delete(partition));
      this.#owned.set(partition, owned);
    }
    return owned;
  }

  async #batch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
    pause,
  }: EachBatchPayload): Promise<void> {
    const o = this.#o;
    if (this.#stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    if (o.gate) await o.gate(heartbeat, () => isRunning() && !this.#stopping);
    const partition = batch.partition;
    const owned = await this.#own(partition);
    let out = new Outbox();
    let last: string | undefined;
    let lastBeat = Date.now();
    const beatEvery = o.heartbeatEveryMs ?? 1_000;
    const maxBytes = o.maxTransactionBytes ?? 512 * 1024;
    const commit = async () => {
      if (last === undefined) return;
      const next = (BigInt(last) + 1n).toString();
      try {
        await this.#commit(partition, owned, out, next);
      } catch (err) {
        this.stats.aborted++;
        await this.#drop(partition);
        throw new BatchAbortedError(`${o.name} ${o.inputTopic}[${partition}] up to offset ${last}`, err);
      }
      owned.next = BigInt(next);
      resolveOffset(last);
      this.stats.batches++;
      this.stats.messages += sliceMessages;
      sliceMessages = 0;
      this.stats.emitted += out.count;
      for (const [topic, n] of out.counts()) this.committed.set(topic, (this.committed.get(topic) ?? 0) + n);
      out = new Outbox();
      last = undefined;
      o.pacing?.sliceCommitted(partition);
    };
    let held = false;
    let interrupted = false;
    let consumed = 0;
    let sliceMessages = 0;
    for (const m of batch.messages) {
      if (this.#stopping || !isRunning() || isStale()) {
        interrupted = true;
        break;
      }
      if (BigInt(m.offset) < owned.next) continue;
      if (o.pacing) {
        const admission = o.pacing.admit(partition, m);
        if (admission === 'hold') {
          held = true;
          break;
        }
        if (admission === 'cut') await commit();
      }
      consumed++;
      sliceMessages++;
      try {
        const r = owned.worker.process(m, out);
        if (r !== undefined) await r;
      } catch (err) {
        // The worker's state already holds this slice's messages (a planner read failed
        // after the engine fired): drop it like a failed commit, so the redelivery starts
        // from the committed state instead of refusing the slice as duplicates.
        this.stats.aborted++;
        await this.#drop(partition);
        throw new BatchAbortedError(`${o.name} ${o.inputTopic}[${partition}] at offset ${m.offset}`, err);
      }
      last = m.offset;
      // a transaction's records for one partition travel as one record batch, which the
      // broker caps (message.max.bytes, 1 MiB by default): commit in bounded slices
      if (out.bytes >= maxBytes) await commit();
      if (Date.now() - lastBeat >= beatEvery) {
        await heartbeat();
        lastBeat = Date.now();
      }
    }
    await commit();
    const end = BigInt(batch.highWatermark);
    o.onConsumed?.(partition, consumed, Number(end - owned.next));
    if (held) {
      // ahead of a slower partition in event time: fetch nothing more until it catches up;
      // the fetch position is the resolved offset, so the held message comes again
      pause();
      void o.pacing?.whenAdmissible(partition).then(() => {
        // also when the partition went elsewhere: kafkajs keeps a pause across rebalances
        if (!this.#stopping) this.#consumer.resume([{ topic: o.inputTopic, partitions: [partition] }]);
      });
    } else if (!interrupted) {
      o.pacing?.batchEnded(partition, owned.next >= end);
    }
    await heartbeat().catch(() => {});
  }

  async #commit(partition: number, owned: Owned, out: Outbox, next: string): Promise<void> {
    const producer = await this.#producers.get(partition);
    const state = await owned.worker.checkpoint(next);
    const txn = await producer.transaction();
    try {
      let metadata: string | null = null;
      if (state) {
        // the state record goes alone in its own send, so its offset is the base offset;
        // gzip: JSON state compresses well, and a record must stay under message.max.bytes
        const [meta] = await txn.send({
          topic: state.topic,
          messages: [state.message],
          compression: CompressionTypes.GZIP,
        });
        if (meta?.baseOffset === undefined)
          throw new Error('the broker returned no offset for the state record');
        metadata = encodePointer({ partition: meta.partition, offset: meta.baseOffset });
      }
      const topicMessages = out.topicMessages();
      if (topicMessages.length > 0) await txn.sendBatch({ topicMessages });
      // records first, offsets last: sendOffsets as a transaction's first call can hit
      // CONCURRENT_TRANSACTIONS, which kafkajs does not retry (docs/kafka-broker.md)
      await retryConcurrentTransactions(() =>
        txn.sendOffsets({
          consumerGroupId: this.#o.groupId,
          topics: [
            { topic: this.#o.inputTopic, partitions: [{ partition, offset: next, metadata } as never] },
          ],
        }),
      );
      await txn.commit();
    } catch (err) {
      await txn.abort().catch(() => {});
      throw err;
    }
  }
}

class Outbox implements Output {
  readonly #byTopic = new Map<string, Message[]>();
  count = 0;
  /** approximate: values and keys */
  bytes = 0;
  send(topic: string, message: Message): void {
    this.bytes += sizeOf(message.value) + sizeOf(message.key) + 64;
    let list = this.#byTopic.get(topic);
    if (!list) {
      list = [];
      this.#byTopic.set(topic, list);
    }
    list.push(message);
    this.count++;
  }
  counts(): Array<[string, number]> {
    return [...this.#byTopic].map(([topic, list]) => [topic, list.length]);
  }
  topicMessages(): TopicMessages[] {
    return [...this.#byTopic].map(([topic, messages]) => ({ topic, messages }));
  }
}

function sizeOf(v: Buffer | string | null | undefined): number {
  return v == null ? 0 : typeof v === 'string' ? v.length : v.byteLength;
}

/** Committed offsets with their state pointers; retried while the coordinator loads (docs/kafka-broker.md). */
export async function committedPositions(
  admin: Admin,
  groupId: string,
  topic: string,
  partitions: readonly number[],
): Promise<CommittedPosition[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const want = new Set(partitions);
      return (t?.partitions ?? [])
        .filter((p) => want.has(p.partition))
        .map((p) => ({ partition: p.partition, offset: p.offset, state: decodePointer(p.metadata) }));
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= 30) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }
}
