import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { Adjustment } from '../planner/adjustment.js';
import type { Outcome } from '../writer/outcome.js';
import { deadLetterMessage } from './dead-letter.js';
import { BatchAbortedError, ConsumerCrashedError } from './errors.js';
import type { AdjustmentApplier } from './ports.js';
import { committedPositions } from './transactional-stage.js';
import { TransactionalProducers } from './txn-producers.js';
import { retryConcurrentTransactions } from './txn-retry.js';

export interface WriterStageOptions {
  kafka: Kafka;
  admin: Admin;
  groupId: string;
  topics: { adjustments: string; outcomes: string; deadLetter: string };
  /** partitions of the adjustments topic, for the budget share */
  partitions: number;
  applier: AdjustmentApplier;
  transactionalIdPrefix: string;
  transactionTimeoutMs: number;
  sessionTimeoutMs: number;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  onFatal: (err: ConsumerCrashedError) => void;
  /** called on every rebalance with this instance's writer partitions */
  onAssigned?: (assigned: number, total: number) => void;
  /** a batch waits this long for its outcomes before the partition is paused, milliseconds */
  holdMs?: number;
  maxWaitTimeInMs?: number;
  /** adjustments in flight per partition before fetching pauses (bounded memory) */
  maxInFlightPerPartition?: number;
}

interface Pending {
  offset: string;
  key: Buffer | null;
  /** resolves to the records to publish for it: its outcome, or a dead letter */
  done: Promise<{ topic: string; message: Message }>;
  settled: boolean;
  adjustmentKey: string | undefined;
}

interface Lane {
  partition: number;
  /** next offset to submit; below it everything is submitted (or committed) */
  next: bigint;
  pending: Pending[];
  /** serializes commits on this partition's producer */
  commits: Promise<void>;
  paused: boolean;
  lost: boolean;
}

/**
 * Applies adjustments through the writer and acknowledges each only after its terminal
 * outcome is published: outcome records and the input offset commit in one transaction
 * per partition, for the longest settled prefix of the partition (offsets are a prefix:
 * one stuck adjustment holds back the offsets after it, never lets them pass).
 *
 * Adjustments of a batch are submitted together (the writer keeps per-agent and
 * per-shift order, and runs the rest in parallel). When the head is deferred by the
 * publish window (or holds longer than `holdMs`), the settled prefix commits, the
 * partition is paused — other partitions carry on — and resumes once its backlog settles.
 */
export class WriterStage {
  readonly #o: WriterStageOptions;
  readonly #consumer: Consumer;
  readonly #producers: TransactionalProducers;
  readonly #lanes = new Map<number, Promise<Lane>>();
  readonly #deferred = new Set<string>();
  readonly #background = new Set<Promise<void>>();
  #stopping = false;
  #stopDeadline = 0;
  readonly stats = { outcomes: 0, deadLettered: 0, pauses: 0, commits: 0 };

  constructor(o: WriterStageOptions) {
    this.#o = o;
    this.#producers = new TransactionalProducers(o.kafka, o.transactionalIdPrefix, o.transactionTimeoutMs);
    this.#consumer = o.kafka.consumer({
      groupId: o.groupId,
      readUncommitted: false,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(o.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? 500,
      retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    o.applier.onDeferred?.((outcome) => this.#deferred.add(outcome.key));
    const c = this.#consumer;
    c.on(c.events.CRASH, (e) => {
      if (e.payload.restart) {
        o.logger.warn({ stage: 'writer', err: e.payload.error }, 'consumer error; kafkajs restarts it');
        return;
      }
      if (!this.#stopping) o.onFatal(new ConsumerCrashedError('writer', e.payload.error));
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      const mine = new Set<number>(e.payload.memberAssignment[o.topics.adjustments] ?? []);
      for (const [p, lane] of [...this.#lanes]) {
        if (mine.has(p)) continue;
        this.#lanes.delete(p);
        void lane.then((l) => {
          l.lost = true;
        });
        void this.#producers.release(p);
      }
      o.onAssigned?.(mine.size, o.partitions);
      o.logger.info({ stage: 'writer', partitions: [...mine].sort((a, b) => a - b) }, 'partitions assigned');
    });
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#o.topics.adjustments, fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#o.partitions,
      eachBatch: (p) => this.#batch(p),
    });
  }

  /**
   * Stops fetching, lets in-flight adjustments finish until `deadline` (deferred ones are
   * handed back: they stay uncommitted and are redelivered), commits what settled,
   * closes the writer and disconnects.
   */
  async stop(deadline: number): Promise<void> {
    this.#stopping = true;
    this.#stopDeadline = deadline;
    const topic = this.#o.topics.adjustments;
    this.#consumer.pause([{ topic }]);
    await Promise.allSettled([...this.#background]);
    await this.#o.applier.close();
    await this.#consumer.disconnect().catch(() => {});
    await this.#producers.releaseAll();
  }

  #lane(partition: number): Promise<Lane> {
    let lane = this.#lanes.get(partition);
    if (!lane) {
      lane = (async () => {
        await this.#producers.get(partition); // fence the previous owner first
        const [pos] = await committedPositions(this.#o.admin, this.#o.groupId, this.#o.topics.adjustments, [
          partition,
        ]);
        const offset = BigInt(pos?.offset ?? '-1');
        return {
          partition,
          next: offset < 0n ? 0n : offset,
          pending: [],
          commits: Promise.resolve(),
          paused: false,
          lost: false,
        };
      })();
      lane.catch(() => this.#lanes.delete(partition));
      this.#lanes.set(partition, lane);
    }
    return lane;
  }

  async #batch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
    pause,
  }: EachBatchPayload): Promise<void> {
    if (this.#stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    const lane = await this.#lane(batch.partition);
    const cap = this.#o.maxInFlightPerPartition ?? 1_000;
    let last: string | undefined;
    for (const m of batch.messages) {
      if (lane.pending.length >= cap || this.#stopping) break;
      const offset = BigInt(m.offset);
      if (offset < lane.next) continue;
      lane.pending.push(this.#submit(m, batch.partition));
      lane.next = offset + 1n;
      last = m.offset;
    }
    if (last !== undefined) resolveOffset(last);
    await this.#settle(lane, heartbeat);
    try {
      await this.#commitPrefix(lane);
    } catch (err) {
      await this.#abandon(lane);
      throw new BatchAbortedError(`writer ${this.#o.topics.adjustments}[${lane.partition}]`, err);
    }
    if (lane.pending.length > 0 && !lane.lost) {
      lane.paused = true;
      this.stats.pauses++;
      pause();
      const bg = this.#drainInBackground(lane).finally(() => this.#background.delete(bg));
      this.#background.add(bg);
    }
  }

  #submit(m: KafkaMessage, partition: number): Pending {
    const t = this.#o.topics;
    const source = { topic: t.adjustments, partition, offset: m.offset, key: m.key, value: m.value };
    let adjustment: Adjustment | undefined;
    let problem: string | undefined;
    try {
      const parsed = Adjustment.safeParse(JSON.parse(m.value?.toString('utf8') ?? ''));
      if (parsed.success) adjustment = parsed.data;
      else
        problem = `not an adjustment: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
    } catch (err) {
      problem = `not JSON: ${(err as Error).message}`;
    }
    const p: Pending = {
      offset: m.offset,
      key: m.key,
      settled: false,
      adjustmentKey: adjustment?.key,
      done: adjustment
        ? this.#o.applier.apply(adjustment).then((outcome: Outcome) => {
            this.stats.outcomes++;
            this.#deferred.delete(outcome.key);
            return { topic: t.outcomes, message: { key: m.key, value: JSON.stringify(outcome) } };
          })
        : Promise.resolve().then(() => {
            this.stats.deadLettered++;
            return {
              topic: t.deadLetter,
              message: deadLetterMessage(
                source,
                { code: 'TR_ERR_ADJUSTMENT_INVALID', message: problem ?? '' },
                'writer',
              ),
            };
          }),
    };
    p.done.then(
      () => {
        p.settled = true;
      },
      () => {},
    );
    return p;
  }

  /** Waits until every pending adjustment settled, or the head is stuck (deferred, or past holdMs). */
  async #settle(lane: Lane, heartbeat: () => Promise<void>): Promise<void> {
    const started = Date.now();
    const holdMs = this.#o.holdMs ?? 10_000;
    for (;;) {
      const head = lane.pending.find((p) => !p.settled);
      if (!head || lane.lost) return;
      if (head.adjustmentKey && this.#deferred.has(head.adjustmentKey)) return;
      if (Date.now() - started >= holdMs) return;
      if (this.#stopping && Date.now() >= this.#stopDeadline) return;
      await Promise.race([head.done.catch(() => {}), new Promise((r) => setTimeout(r, 1_000))]);
      await heartbeat().catch(() => {});
    }
  }

  /** Publishes the settled prefix's records and commits the offset after it, in one transaction. */
  #commitPrefix(lane: Lane): Promise<void> {
    const run = lane.commits.then(async () => {
      let n = 0;
      while (n < lane.pending.length && lane.pending[n]!.settled) n++;
      if (n === 0 || lane.lost) return;
      const prefix = lane.pending.slice(0, n);
      const records = await Promise.all(prefix.map((p) => p.done));
      const byTopic = new Map<string, Message[]>();
      for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.message]);
      const producer = await this.#producers.get(lane.partition);
      const txn = await producer.transaction();
      try {
        await txn.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
        const next = (BigInt(prefix[n - 1]!.offset) + 1n).toString();
        await retryConcurrentTransactions(() =>
          txn.sendOffsets({
            consumerGroupId: this.#o.groupId,
            topics: [
              {
                topic: this.#o.topics.adjustments,
                partitions: [{ partition: lane.partition, offset: next }],
              },
            ],
          }),
        );
        await txn.commit();
      } catch (err) {
        await txn.abort().catch(() => {});
        throw err;
      }
      lane.pending.splice(0, n);
      this.stats.commits++;
    });
    lane.commits = run.catch(() => {});
    return run;
  }

  /** A paused partition: commit as its adjustments settle, then resume fetching. */
  async #drainInBackground(lane: Lane): Promise<void> {
    const topic = this.#o.topics.adjustments;
    try {
      while (lane.pending.length > 0 && !lane.lost) {
        const head = lane.pending[0]!;
        if (this.#stopping) {
          // hand back: what settled by the deadline commits, the rest is redelivered
          await Promise.race([
            head.done.catch(() => {}),
            new Promise((r) => setTimeout(r, Math.max(0, this.#stopDeadline - Date.now()))),
          ]);
          if (!head.settled) break;
        } else {
          await head.done;
        }
        await this.#commitPrefix(lane);
      }
      if (this.#stopping) await this.#commitPrefix(lane);
    } catch (err) {
      this.#o.logger.warn(
        { partition: lane.partition, err },
        'writer partition commit failed; redelivering from the committed offset',
      );
      await this.#abandon(lane);
      if (!this.#stopping) await this.#rewind(lane.partition).catch(() => {});
    } finally {
      lane.paused = false;
      if (!this.#stopping) this.#consumer.resume([{ topic, partitions: [lane.partition] }]);
    }
  }

  /** Moves the fetch position back to the committed offset: what was submitted but not committed comes again. */
  async #rewind(partition: number): Promise<void> {
    const topic = this.#o.topics.adjustments;
    const [pos] = await committedPositions(this.#o.admin, this.#o.groupId, topic, [partition]);
    const offset = pos && BigInt(pos.offset) >= 0n ? pos.offset : '-2';
    this.#consumer.seek({ topic, partition, offset });
  }

  async #abandon(lane: Lane): Promise<void> {
    lane.lost = true;
    this.#lanes.delete(lane.partition);
    await this.#producers.release(lane.partition);
  }
}
