import type { Logger } from 'pino';
import { deadLetterMessage } from '../kafka/dead-letter.js';
import type { ConsumerCrashedError } from '../kafka/errors.js';
import type {
  ConsumedMessage,
  GroupConsumer,
  KafkaAdmin,
  KafkaClient,
  Message,
  OfferedBatch,
  PartitionProducers,
} from '../kafka/port.js';
import { committedPositions } from '../kafka/stage/committed-positions.js';
import { TransactionalCommitter } from '../kafka/stage/committer.js';
import { Probe } from '../observability/pipeline-events.js';
import { Adjustment } from '../planner/adjustment.js';
import { type Clock, systemClock } from '../time/clock.js';
import type { Outcome } from '../writer/outcome.js';
import type { AdjustmentApplier } from './ports.js';

export interface WriterStageOptions {
  kafka: Pick<KafkaClient, 'groupConsumer' | 'transactionalProducers'>;
  admin: Pick<KafkaAdmin, 'fetchOffsets'>;
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
  /** where the stage tells what it consumed, settled, paused and committed */
  probe?: Probe;
  /** time for the hold, the pauses, the apply latency and the stop deadline (default: the system clock) */
  clock?: Clock;
}

interface Pending {
  offset: string;
  key: Buffer | null;
  /** resolves to the records to publish for it: its outcome (and a dead letter when it was dead-lettered), or a dead letter */
  done: Promise<Array<{ topic: string; message: Message }>>;
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
  /** a drainer is committing this lane's settled prefix */
  draining: boolean;
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
  readonly #consumer: GroupConsumer;
  readonly #producers: PartitionProducers;
  readonly #clock: Clock;
  readonly #committer: TransactionalCommitter;
  readonly #lanes = new Map<number, Promise<Lane>>();
  readonly #deferred = new Set<string>();
  readonly #background = new Set<Promise<void>>();
  #stopping = false;
  #running = false;
  #stop: () => void = () => {};
  /** resolves when stop() begins: wakes the drainers */
  readonly #stopped = new Promise<void>((r) => {
    this.#stop = r;
  });
  #assigned = 0;
  #stopDeadline = 0;
  readonly #probe: Probe;

  constructor(o: WriterStageOptions) {
    this.#o = o;
    const probe = o.probe ?? new Probe();
    this.#probe = probe;
    const clock = o.clock ?? systemClock;
    this.#clock = clock;
    this.#producers = o.kafka.transactionalProducers({
      transactionalIdPrefix: o.transactionalIdPrefix,
      transactionTimeoutMs: o.transactionTimeoutMs,
    });
    this.#committer = new TransactionalCommitter({ groupId: o.groupId, clock });
    this.#consumer = o.kafka.groupConsumer({
      name: 'writer',
      groupId: o.groupId,
      topic: o.topics.adjustments,
      sessionTimeoutMs: o.sessionTimeoutMs,
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? 500,
      logger: o.logger,
      onFatal: o.onFatal,
    });
    o.applier.onDeferred?.((outcome) => {
      this.#deferred.add(outcome.key);
      probe.deferred(outcome.key, this.#deferred.size);
    });
  }

  async start(): Promise<void> {
    await this.#consumer.run({
      concurrency: this.#o.partitions,
      batch: (b) => this.#batch(b),
      assigned: (mine) => this.#assign(mine),
      stopping: () => this.#stopping,
    });
    this.#running = true;
  }

  #assign(mine: ReadonlySet<number>): void {
    const o = this.#o;
    for (const [p, lane] of [...this.#lanes]) {
      if (mine.has(p)) continue;
      this.#lanes.delete(p);
      void lane.then((l) => {
        l.lost = true;
      });
      void this.#producers.release(p);
    }
    this.#assigned = mine.size;
    // each new partition's producer and committed offset now, not at its first adjustment
    // (which would wait for them); a failure is tried again by the partition's first batch
    if (!this.#stopping) for (const p of mine) void this.#lane(p).catch(() => {});
    o.onAssigned?.(mine.size, o.partitions);
    o.logger.info({ stage: 'writer', partitions: [...mine].sort((a, b) => a - b) }, 'partitions assigned');
  }

  /** running and not stopping (readiness) */
  get consuming(): boolean {
    return this.#running && !this.#stopping;
  }

  get assignedPartitions(): number {
    return this.#assigned;
  }

  /**
   * Stops fetching, lets in-flight adjustments finish until `deadline` (deferred ones are
   * handed back: they stay uncommitted and are redelivered), commits what settled,
   * closes the writer and disconnects.
   */
  async stop(deadline: number): Promise<void> {
    this.#stopping = true;
    this.#stopDeadline = deadline;
    this.#stop();
    this.#consumer.pauseAll();
    await Promise.allSettled([...this.#background]);
    await this.#o.applier.close();
    await this.#consumer.disconnect().catch(() => {});
    await this.#producers.releaseAll();
    this.#running = false;
  }

  #lane(partition: number): Promise<Lane> {
    let lane = this.#lanes.get(partition);
    if (!lane) {
      lane = (async () => {
        await this.#producers.get(partition); // fence the previous owner first
        const [pos] = await committedPositions(
          this.#o.admin,
          this.#o.groupId,
          this.#o.topics.adjustments,
          [partition],
          this.#clock,
        );
        const offset = BigInt(pos?.offset ?? '-1');
        return {
          partition,
          next: offset < 0n ? 0n : offset,
          pending: [],
          commits: Promise.resolve(),
          paused: false,
          draining: false,
          lost: false,
        };
      })();
      lane.catch(() => this.#lanes.delete(partition));
      this.#lanes.set(partition, lane);
    }
    return lane;
  }

  async #batch({ batch, isRunning, isStale, resolveOffset, pause }: OfferedBatch): Promise<void> {
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
    this.#probe.consumed(
      'writer',
      batch.topic,
      batch.partition,
      batch.messages.length,
      Number(BigInt(batch.highWatermark) - lane.next),
    );
    // the batch does not wait for its outcomes: fetching goes on (other partitions, and
    // this one up to `cap` in flight) while a drainer commits the settled prefix as it grows
    if (lane.pending.length >= cap && !lane.paused) {
      lane.paused = true;
      this.#probe.paused(lane.partition);
      pause();
    }
    this.#ensureDrainer(lane);
  }

  #ensureDrainer(lane: Lane): void {
    if (lane.draining || lane.pending.length === 0 || lane.lost) return;
    lane.draining = true;
    const bg = this.#drain(lane).finally(() => {
      lane.draining = false;
      this.#background.delete(bg);
      // a batch may have added work after the drainer's last look
      if (!this.#stopping && !lane.lost && lane.pending.length > 0) this.#ensureDrainer(lane);
    });
    this.#background.add(bg);
  }

  #submit(m: ConsumedMessage, partition: number): Pending {
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
    const started = this.#clock.now();
    const probe = this.#probe;
    const p: Pending = {
      offset: m.offset,
      key: m.key,
      settled: false,
      adjustmentKey: adjustment?.key,
      done: adjustment
        ? this.#o.applier.apply(adjustment).then((outcome: Outcome) => {
            this.#deferred.delete(outcome.key);
            probe.settled(outcome.status, (this.#clock.now() - started) / 1000, this.#deferred.size);
            const records: Array<{ topic: string; message: Message }> = [
              { topic: t.outcomes, message: { key: m.key, value: JSON.stringify(outcome) } },
            ];
            // The audit record says what happened; the dead letter keeps the adjustment's own
            // bytes, so `trunk-reactor redrive` can send it back with its idempotency key.
            if (outcome.status === 'dead-lettered') {
              const reason = outcome.reason ?? {
                code: 'TR_ERR_WRITER_DEAD_LETTERED',
                message: 'dead-lettered',
              };
              records.push({ topic: t.deadLetter, message: deadLetterMessage(source, reason, 'writer') });
            }
            return records;
          })
        : Promise.resolve().then(() => {
            probe.settled('dead-lettered', null, this.#deferred.size);
            return [
              {
                topic: t.deadLetter,
                message: deadLetterMessage(
                  source,
                  { code: 'TR_ERR_ADJUSTMENT_INVALID', message: problem ?? '' },
                  'writer',
                ),
              },
            ];
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

  /** Publishes the settled prefix's records and commits the offset after it, in one transaction. */
  #commitPrefix(lane: Lane): Promise<void> {
    const run = lane.commits.then(async () => {
      let n = 0;
      while (n < lane.pending.length && lane.pending[n]!.settled) n++;
      if (n === 0 || lane.lost) return;
      const prefix = lane.pending.slice(0, n);
      const records = (await Promise.all(prefix.map((p) => p.done))).flat();
      const byTopic = new Map<string, Message[]>();
      for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.message]);
      const producer = await this.#producers.get(lane.partition);
      // outcomes and dead letters are small: sent as they are (no `bytes`, no gzip)
      await this.#committer.commit(producer, {
        requests: [[...byTopic].map(([topic, messages]) => ({ topic, messages }))],
        input: {
          topic: this.#o.topics.adjustments,
          partition: lane.partition,
          next: (BigInt(prefix[n - 1]!.offset) + 1n).toString(),
        },
      });
      lane.pending.splice(0, n);
      this.#probe.committed(
        'writer',
        lane.partition,
        n,
        [...byTopic].map(([topic, messages]) => [topic, messages.length] as const),
      );
    });
    lane.commits = run.catch(() => {});
    return run;
  }

  /**
   * Commits the settled prefix as it grows, one transaction per commit (outcomes settle
   * while a commit is in flight, so commits batch themselves). A head that is deferred
   * (publish window) or unsettled for `holdMs` pauses the partition: no more work is
   * fetched for it until its backlog settles; other partitions go on.
   */
  async #drain(lane: Lane): Promise<void> {
    const holdMs = this.#o.holdMs ?? 10_000;
    const cap = this.#o.maxInFlightPerPartition ?? 1_000;
    try {
      let waitingSince = this.#clock.now();
      while (lane.pending.length > 0 && !lane.lost) {
        const head = lane.pending[0]!;
        if (!head.settled) {
          if (this.#stopping && this.#clock.now() >= this.#stopDeadline) break; // hand back the rest
          // wake on the head's outcome, on stop, or once a second to look at the head again
          await raceTimeout([head.done.catch(() => {}), this.#stopped], 1_000, this.#clock);
          if (!head.settled) {
            const deferred = head.adjustmentKey !== undefined && this.#deferred.has(head.adjustmentKey);
            if ((deferred || this.#clock.now() - waitingSince >= holdMs) && !lane.paused && !this.#stopping) {
              lane.paused = true;
              this.#probe.paused(lane.partition);
              this.#consumer.pause(lane.partition);
            }
            continue;
          }
          await head.done; // surfaces a failed apply
        }
        waitingSince = this.#clock.now();
        await this.#commitPrefix(lane);
        if (lane.paused && !this.#stopping && lane.pending.length < cap / 2 && !this.#headStuck(lane)) {
          lane.paused = false;
          this.#consumer.resume(lane.partition);
        }
      }
      if (this.#stopping) await this.#commitPrefix(lane);
    } catch (err) {
      // at error, as the other stages' given-up transactions (stage/stage-runtime.ts)
      this.#o.logger.error(
        { partition: lane.partition, err },
        'writer partition commit failed; redelivering from the committed offset',
      );
      await this.#abandon(lane);
      if (!this.#stopping) await this.#rewind(lane.partition).catch(() => {});
    } finally {
      if (lane.paused && !this.#stopping && (lane.lost || lane.pending.length === 0)) {
        lane.paused = false;
        this.#consumer.resume(lane.partition);
      }
    }
  }

  #headStuck(lane: Lane): boolean {
    const head = lane.pending.find((p) => !p.settled);
    return head?.adjustmentKey !== undefined && this.#deferred.has(head.adjustmentKey);
  }

  /** Moves the fetch position back to the committed offset: what was submitted but not committed comes again. */
  async #rewind(partition: number): Promise<void> {
    const topic = this.#o.topics.adjustments;
    const [pos] = await committedPositions(this.#o.admin, this.#o.groupId, topic, [partition], this.#clock);
    const offset = pos && BigInt(pos.offset) >= 0n ? pos.offset : '-2';
    this.#consumer.seek(partition, offset);
  }

  async #abandon(lane: Lane): Promise<void> {
    lane.lost = true;
    this.#lanes.delete(lane.partition);
    await this.#producers.release(lane.partition);
  }
}

/** Waits for the first of `promises`, or `ms` on the clock; the wait does not outlive them. */
async function raceTimeout(promises: Array<Promise<unknown>>, ms: number, clock: Clock): Promise<void> {
  const done = new AbortController();
  const t = clock.sleep(ms, done.signal).catch(() => {});
  try {
    await Promise.race([...promises, t]);
  } finally {
    done.abort();
  }
}
